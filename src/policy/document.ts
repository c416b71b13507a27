import { AppError } from '../errors.js';
import type { Policy } from './policySchema.js';
import {
  DOCUMENT_PATH,
  formatPath,
  SYNTAX_PATH,
  validatePolicyText,
  validatePolicyValue,
  type PolicyProblem,
} from './validatePolicy.js';

export type * from './policySchema.js';
export { formatPath, type PolicyProblem } from './validatePolicy.js';

/**
 * The policy document: YAML text or a parsed value → a validated, defaulted, frozen `Policy`.
 * Problems throw a `PolicyFileError` (`AppError` code `PolicyFileError`) whose message names every problem, one per
 * line, and whose `details` list them too. No I/O here: the caller reads the file.
 */

/** An invalid policy: an `AppError` like any other, which also carries each problem's path and position. */
export class PolicyFileError extends AppError {
  /** Every problem with its line and column; empty when the policy was given as a value, not as text. */
  readonly problems: readonly PolicyProblem[];

  constructor(message: string, options: { target?: string; details: readonly { target: string; message: string }[]; problems?: readonly PolicyProblem[] }) {
    super('PolicyFileError', message, { module: 'policy', ...(options.target === undefined ? {} : { target: options.target }), details: options.details });
    this.problems = options.problems ?? [];
  }
}

/** One line per problem: `policy.yaml:4:19  scaling.clusters.maxNodeCount  expected a number ≥ 1`. */
export function formatPolicyProblem(source: string, problem: PolicyProblem): string {
  return `${source}:${problem.line}:${problem.column}  ${problem.path}  ${problem.message}`;
}

export function parsePolicyYaml(text: string, source: string): Policy {
  const validation = validatePolicyText(text);
  if (validation.valid) return validation.policy;
  const { problems } = validation;
  const lines = problems.map((problem) => formatPolicyProblem(source, problem));
  return throwPolicyError(
    source,
    lines,
    problems.map((problem) => ({ target: problem.path, message: `${problem.message} (line ${problem.line}, column ${problem.column})` })),
    problems,
  );
}

export function parsePolicy(value: unknown, source: string): Policy {
  const validation = validatePolicyValue(value);
  if (validation.valid) return validation.policy;
  const details = validation.problems.map((problem) => ({ target: formatPath(problem.path), message: problem.message }));
  return throwPolicyError(
    source,
    details.map((detail) => `${source}: ${detail.target}: ${detail.message}`),
    details,
    [],
  );
}

/**
 * The message names every problem on a line of its own; with more than one, a first line counts them, so a log line
 * that starts with the message says at once how much is wrong.
 */
function throwPolicyError(
  source: string,
  lines: readonly string[],
  details: readonly { target: string; message: string }[],
  problems: readonly PolicyProblem[],
): never {
  const message = lines.length === 1 ? (lines[0] ?? '') : [`${source}: ${lines.length} problems`, ...lines].join('\n');
  const first = details[0]?.target;
  throw new PolicyFileError(message, {
    ...(first === undefined || first === DOCUMENT_PATH || first === SYNTAX_PATH ? {} : { target: first }),
    details,
    problems,
  });
}
