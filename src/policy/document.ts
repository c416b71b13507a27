import { LineCounter, parseDocument, type Document } from 'yaml';
import type * as z from 'zod';
import { AppError } from '../errors.js';
import { findPolicyIssues, type PolicyIssue } from './policyReferences.js';
import { policySchema, type Policy } from './policySchema.js';
import { suggestKey } from './unknownKeys.js';

export type * from './policySchema.js';

/**
 * The policy document: YAML text or a parsed value → a validated, defaulted, frozen `Policy`.
 * Problems throw `AppError('PolicyFileError')` whose message starts with the source and the first
 * offending path, and whose `details` list every problem. No I/O here: the caller reads the file.
 */

type Locate = (path: readonly (string | number)[]) => string | undefined;

export function parsePolicyYaml(text: string, source: string): Policy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    const details = document.errors.map((error) => {
      const position = error.linePos?.[0];
      return {
        target: position ? `line ${position.line}, column ${position.col}` : 'yaml',
        message: firstLine(error.message),
      };
    });
    throw policyError(source, details);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new AppError('PolicyFileError', `${source}: ${error instanceof Error ? firstLine(error.message) : 'unreadable YAML'}`, {
      module: 'policy',
      cause: error,
    });
  }
  return validate(value, source, locateIn(document, lineCounter));
}

export function parsePolicy(value: unknown, source: string): Policy {
  return validate(value, source, () => undefined);
}

function validate(value: unknown, source: string, locate: Locate): Policy {
  if (value === null || value === undefined) {
    throw policyError(source, [{ target: '(document)', message: 'the policy document is empty' }]);
  }
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) {
    throw policyError(source, parsed.error.issues.flatMap((issue) => describeIssue(issue, value)), locate);
  }
  const issues = findPolicyIssues(parsed.data);
  if (issues.length > 0) {
    throw policyError(
      source,
      issues.map((issue: PolicyIssue) => ({ target: formatPath(issue.path), message: issue.message, path: issue.path })),
      locate,
    );
  }
  return deepFreeze(parsed.data);
}

interface Detail {
  target: string;
  message: string;
  path?: readonly (string | number)[];
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): Detail[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const suggestion = suggestKey(policySchema, path, key);
      return {
        target: formatPath([...path, key]),
        message: suggestion === undefined ? 'unknown key' : `unknown key (did you mean '${suggestion}'?)`,
        path: [...path, key],
      };
    });
  }
  if (issue.code === 'invalid_type' && valueAt(input, path) === undefined) {
    const message = issue.message.startsWith('Invalid input') ? 'required' : `required: ${issue.message}`;
    return [{ target: formatPath(path), message, path }];
  }
  return [{ target: formatPath(path), message: issue.message, path }];
}

function policyError(
  source: string,
  details: readonly Detail[],
  locate: Locate = () => undefined,
): AppError {
  const located = details.map((detail) => {
    const where = detail.path === undefined ? undefined : locate(detail.path);
    return { target: detail.target, message: where === undefined ? detail.message : `${detail.message} (${where})` };
  });
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  const message = first ? `${source}: ${first.target}: ${first.message}${more}` : `${source}: invalid policy`;
  return new AppError('PolicyFileError', message, {
    module: 'policy',
    ...(first && first.target !== '(document)' && !first.target.startsWith('line ') ? { target: first.target } : {}),
    details: located,
  });
}

/** `scaling.clusters.maxNodeCount`, `requiredTags[2].name`; keys that are not plain words are quoted. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(document)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (/^[A-Za-z0-9_$-]+$/.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

function locateIn(document: Document, lineCounter: LineCounter): Locate {
  return (path) => {
    // The nearest node that exists: a missing key is reported where its parent is.
    for (let length = path.length; length >= 0; length -= 1) {
      const node = document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined && (length > 0 || path.length === 0)) {
        const { line, col } = lineCounter.linePos(offset);
        return `line ${line}, column ${col}`;
      }
    }
    return undefined;
  };
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current: unknown = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(/:$/, '').trim();
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
