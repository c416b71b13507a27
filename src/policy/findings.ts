import type { Mode } from './policySchema.js';

/**
 * What evaluation produces: findings (each able to describe itself) and patches (the minimal
 * difference that would make a resource compliant, also able to describe itself).
 */

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type FindingValue = string | number | boolean | null | readonly string[];

/** How `actual` should relate to `expected`, so a report can say "at most PT30M" rather than "PT30M". */
export const RELATIONS = ['equals', 'atMost', 'oneOf', 'present', 'valid'] as const;
export type Relation = (typeof RELATIONS)[number];

export interface ScaleSettingsPatch {
  readonly minNodeCount?: number;
  readonly maxNodeCount?: number;
  readonly nodeIdleTimeBeforeScaleDown?: string;
}

/** Only what changes: an empty patch means nothing to write. Tags are the tags to add or change, never the full set. */
export interface Patch {
  readonly scaleSettings?: ScaleSettingsPatch;
  readonly tags?: Readonly<Record<string, string>>;
  readonly idleTimeBeforeShutdown?: string;
}

export interface Finding {
  /** e.g. `scaling.minNodeCount`, `tags.required:owner`, `tags.allowedValues:environment`, `exemptions.malformed`. */
  readonly rule: string;
  readonly severity: Severity;
  readonly expected: FindingValue;
  readonly actual: FindingValue;
  readonly relation: Relation;
  /** Whether the patch can fix it in place. */
  readonly fixable: boolean;
  /** The change that fixes it (present when fixable). */
  readonly fix?: Patch;
  /** What enforce mode does, or what a person must do when it cannot be fixed in place. */
  readonly advice?: string;
  readonly mode: Mode;
  /** The fix could disturb unfinished jobs (e.g. lowering a cluster's maximum node count). */
  readonly disruptive?: boolean;
}

export function isEmptyPatch(patch: Patch): boolean {
  return (
    patch.scaleSettings === undefined && patch.tags === undefined && patch.idleTimeBeforeShutdown === undefined
  );
}

/** Later patches win field by field; tags and scale settings merge. */
export function mergePatches(patches: readonly Patch[]): Patch {
  let scaleSettings: ScaleSettingsPatch | undefined;
  let tags: Record<string, string> | undefined;
  let idleTimeBeforeShutdown: string | undefined;
  for (const patch of patches) {
    if (patch.scaleSettings) scaleSettings = { ...scaleSettings, ...patch.scaleSettings };
    if (patch.tags) tags = { ...tags, ...patch.tags };
    if (patch.idleTimeBeforeShutdown !== undefined) idleTimeBeforeShutdown = patch.idleTimeBeforeShutdown;
  }
  return {
    ...(scaleSettings ? { scaleSettings } : {}),
    ...(tags ? { tags } : {}),
    ...(idleTimeBeforeShutdown !== undefined ? { idleTimeBeforeShutdown } : {}),
  };
}

/** One line per change, e.g. `scaleSettings.minNodeCount → 0; tag owner → "ml@contoso.com"`; `no changes` when empty. */
export function describePatch(patch: Patch): string {
  const changes: string[] = [];
  for (const [field, value] of Object.entries(patch.scaleSettings ?? {})) {
    changes.push(`scaleSettings.${field} → ${formatValue(value as FindingValue)}`);
  }
  if (patch.idleTimeBeforeShutdown !== undefined) changes.push(`idleTimeBeforeShutdown → ${patch.idleTimeBeforeShutdown}`);
  for (const [name, value] of Object.entries(patch.tags ?? {})) changes.push(`tag ${name} → ${JSON.stringify(value)}`);
  return changes.length === 0 ? 'no changes' : changes.join('; ');
}

/** e.g. `[enforce] scaling.minNodeCount: expected 0, found 1 — fix: scaleSettings.minNodeCount → 0`. */
export function describeFinding(finding: Finding): string {
  const expectation = `expected ${describeExpectation(finding.relation, finding.expected)}, found ${formatValue(finding.actual)}`;
  const remedy = finding.fixable && finding.fix ? `fix: ${describePatch(finding.fix)}` : 'not fixable in place';
  const advice = finding.advice === undefined ? '' : ` (${finding.advice})`;
  const disruptive = finding.disruptive ? ' [disruptive]' : '';
  return `[${finding.mode}] ${finding.rule}: ${expectation} — ${remedy}${advice}${disruptive}`;
}

export function describeExpectation(relation: Relation, expected: FindingValue): string {
  switch (relation) {
    case 'atMost':
      return `at most ${formatValue(expected)}`;
    case 'oneOf':
      return `one of ${formatValue(expected)}`;
    case 'present':
      return `a value${Array.isArray(expected) ? ` (one of ${formatValue(expected)})` : ''}`;
    case 'valid':
      return formatValue(expected);
    case 'equals':
      return formatValue(expected);
  }
}

export function formatValue(value: FindingValue): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}
