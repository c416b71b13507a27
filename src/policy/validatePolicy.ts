import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type * as z from 'zod';
import { findPolicyIssues } from './policyReferences.js';
import { policySchema, type Policy } from './policySchema.js';
import { knownKeysAt, suggestKey } from './unknownKeys.js';

/**
 * Validation of a policy document that finds every problem, not just the first: YAML syntax errors; when the YAML is
 * sound, every schema error and every cross-reference problem (those of the fields without schema errors, when the
 * shape is not sound). After a syntax error nothing more is judged: the parser's guess at the rest would only
 * produce problems that are not in the file.
 * Pure: text in, problems (or the policy) out; the caller reads files and decides what to print.
 */

/** One problem, where the YAML parser puts it (`line` and `column` count from 1). */
export interface PolicyProblem {
  /** The offending path as `formatPath` writes it; `(yaml)` for a syntax error, `(document)` for the whole file. */
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type PolicyTextValidation =
  | { readonly valid: true; readonly policy: Policy; readonly problems: readonly [] }
  | { readonly valid: false; readonly problems: readonly PolicyProblem[] };

/** A problem found in a parsed value: where it is in the document (by path), before any position is known. */
export interface ValueProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** An unknown key is shown where the key is written, not where its value is. */
  readonly at: 'key' | 'value';
}

export type PolicyValueValidation =
  | { readonly valid: true; readonly policy: Policy }
  | { readonly valid: false; readonly problems: readonly ValueProblem[] };

export const SYNTAX_PATH = '(yaml)';
export const DOCUMENT_PATH = '(document)';

/** Every problem in policy YAML, in the order they appear in the text; or the validated, defaulted, frozen policy. */
export function validatePolicyText(text: string): PolicyTextValidation {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    return {
      valid: false,
      problems: inTextOrder(
        document.errors.map((error) => {
          const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
          return { path: SYNTAX_PATH, line: position.line, column: position.col, message: syntaxMessage(error.message) };
        }),
      ),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Only an alias that expands too far gets here (a resource-exhaustion guard); it has no position of its own.
    const message = error instanceof Error ? firstLine(error.message) : 'the YAML cannot be read';
    return { valid: false, problems: [{ path: SYNTAX_PATH, ...documentStart(document, lineCounter), message }] };
  }
  const validation = validatePolicyValue(value);
  if (validation.valid) return { valid: true, policy: validation.policy, problems: [] };
  const locate = locator(document, lineCounter);
  return {
    valid: false,
    problems: inTextOrder(validation.problems.map((problem) => ({ path: formatPath(problem.path), ...locate(problem), message: problem.message }))),
  };
}

/** Every problem in an already parsed policy value (in the schema's order); or the validated, defaulted, frozen policy. */
export function validatePolicyValue(value: unknown): PolicyValueValidation {
  if (value === null || value === undefined) {
    return { valid: false, problems: [{ path: [], message: 'the policy document is empty', at: 'value' }] };
  }
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, value));
    return { valid: false, problems: [...problems, ...referenceProblemsBeside(value, problems)] };
  }
  const issues = findPolicyIssues(parsed.data);
  if (issues.length > 0) {
    return { valid: false, problems: issues.map((issue) => ({ path: issue.path, message: issue.message, at: 'value' as const })) };
  }
  return { valid: true, policy: deepFreeze(parsed.data) };
}

/** `scaling.clusters.maxNodeCount`, `requiredTags[2].name`; keys that are not plain words are quoted. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return DOCUMENT_PATH;
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (/^[A-Za-z0-9_$-]+$/.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): ValueProblem[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const suggestion = suggestKey(policySchema, path, key);
      return {
        path: [...path, key],
        message: suggestion === undefined ? 'unknown key' : `unknown key (did you mean '${suggestion}'?)`,
        at: 'key' as const,
      };
    });
  }
  if (issue.code === 'invalid_type' && valueAt(input, path) === undefined) {
    const message = issue.message.startsWith('Invalid input') ? 'required' : `required: ${issue.message}`;
    return [{ path, message, at: 'value' }];
  }
  return [{ path, message: issue.message, at: 'value' }];
}

/**
 * The cross-reference problems of the rest of a document that has schema problems, so one run reports both: each
 * field with a schema problem is left out (its default applies) and nothing is said about what concerns a left-out
 * field. When a problem cannot be left out so (a missing field, a list entry, a whole named entry such as a target),
 * the rest cannot be judged fairly and nothing more is said.
 */
function referenceProblemsBeside(value: unknown, problems: readonly ValueProblem[]): ValueProblem[] {
  const repaired = structuredClone(value);
  for (const problem of problems) {
    const parentPath = problem.path.slice(0, -1);
    const key = problem.path.at(-1);
    if (typeof key !== 'string') return [];
    const isField = problem.at === 'key' || knownKeysAt(policySchema, parentPath).includes(key);
    const parent = valueAt(repaired, parentPath);
    if (!isField || !isRecord(parent) || !Object.hasOwn(parent, key)) return [];
    delete parent[key];
  }
  const reparsed = policySchema.safeParse(repaired);
  if (!reparsed.success) return [];
  const related = (a: readonly (string | number)[], b: readonly (string | number)[]) =>
    a.slice(0, b.length).every((segment, index) => segment === b[index]) || b.slice(0, a.length).every((segment, index) => segment === a[index]);
  return findPolicyIssues(reparsed.data)
    .filter((issue) => !problems.some((problem) => related(problem.path, issue.path)))
    .map((issue) => ({ path: issue.path, message: issue.message, at: 'value' as const }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

type Position = { readonly line: number; readonly column: number };

/**
 * Where a problem's path is written: the value (or, for an unknown key, the key) at that path; for a path that is
 * not in the text (a missing required key, a value an environment override only inherits), the nearest ancestor
 * that is.
 */
function locator(document: Document, lineCounter: LineCounter): (problem: ValueProblem) => Position {
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return (problem) => {
    let found: Node | undefined;
    let node: unknown = document.contents;
    for (const [index, segment] of problem.path.entries()) {
      const last = index === problem.path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined || !isScalar(pair.key)) break;
        // A key written without a value (`target:`) has no node of its own: the key stands for it.
        const value = isNode(pair.value) ? pair.value : undefined;
        found = last && problem.at === 'key' ? pair.key : (value ?? pair.key);
        node = value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (!isNode(item)) break;
        found = item;
        node = item;
      } else {
        break;
      }
    }
    const offset = found?.range?.[0];
    return offset === undefined ? documentStart(document, lineCounter) : at(offset);
  };
}

/** Where the document's content starts (after leading comments), or line 1, column 1 when it has none. */
function documentStart(document: Document, lineCounter: LineCounter): Position {
  const offset = document.contents?.range?.[0];
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function inTextOrder(problems: readonly PolicyProblem[]): PolicyProblem[] {
  // Array.prototype.sort is stable: problems at one place keep the order they were found in.
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The parser's first line, without the position it appends (`… at line 4, column 1:`): the problem carries it. */
function syntaxMessage(text: string): string {
  return firstLine(text).replace(/\s+at line \d+, column \d+$/, '');
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(/:$/, '').trim();
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current: unknown = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
