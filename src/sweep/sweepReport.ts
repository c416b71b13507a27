/**
 * The compliance sweep's report: per-workspace results folded into totals (compliance rate, violations by
 * rule and by owner), rendered as a table for people, as a what-if list of patches, and as a notification.
 * Stored by `sweepReportStore`.
 */
import type { Notification } from '../notifications/ports.js';
import type { FindingValue, Relation, Severity } from '../policy/findings.js';
import type { Mode } from '../policy/policySchema.js';

/** One rule a resource breaks, as people act on it: what the policy expects, what Azure has, and what to do. */
export interface ReportFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly expected: FindingValue;
  readonly actual: FindingValue;
  readonly relation: Relation;
  /** Whether enforce mode can fix it in place (a patch); otherwise a person must act on the advice. */
  readonly fixable: boolean;
  readonly advice: string | undefined;
}

/** One resource that needs (or needed) attention. */
export interface ReportLine {
  readonly resourceId: string;
  readonly resourceType: 'workspace' | 'compute';
  readonly name: string;
  readonly workspaceName: string;
  readonly subscriptionId: string;
  readonly owner: string | undefined;
  readonly outcome: string;
  readonly rules: readonly string[];
  /** Each finding behind `rules`; reports stored before findings were kept have none. */
  readonly findings?: readonly ReportFinding[];
  /** The patch written / that would be written, described (`scaleSettings.minNodeCount → 0; tag owner → "…"`). */
  readonly change: string | undefined;
  readonly note: string | undefined;
}

export interface OutcomeCounts {
  resources: number;
  compliant: number;
  exempt: number;
  outOfScope: number;
  violations: number;
  remediated: number;
  /** Fixes Azure accepted and did not apply (recorded once, not written again). */
  ineffective: number;
  deferred: number;
  wouldChange: number;
  failed: number;
}

export interface WorkspaceSweepResult {
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly subscriptionId: string;
  /** `unreadable`: ARM refused (403) or lost (404) it; `failed`: transient trouble outlasted the retries. */
  readonly status: 'done' | 'unreadable' | 'failed';
  readonly error?: string | undefined;
  readonly counts: OutcomeCounts;
  /** Findings per rule over the workspace and its computes. */
  readonly byRule: Readonly<Record<string, number>>;
  readonly lines: readonly ReportLine[];
}

/** Which run a report is about; the rest of the report is folded from its workspace results. */
export interface ReportMeta {
  readonly runId: string;
  /** `policy`: each rule's own mode. */
  readonly mode: Mode | 'policy';
  readonly whatIf: boolean;
  readonly status: 'Completed' | 'Partial';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly subscriptions: readonly string[];
}

export interface SweepReport extends ReportMeta {
  readonly workspaces: number;
  readonly problems: readonly { readonly workspaceId: string; readonly status: string; readonly error: string }[];
  readonly totals: OutcomeCounts;
  /** Resources without findings (exempt included) over resources evaluated in scope; 1 when none. */
  readonly complianceRate: number;
  readonly violationsByRule: Readonly<Record<string, number>>;
  /** Non-compliant resources per owner (`(no owner)` when untagged). */
  readonly violationsByOwner: Readonly<Record<string, number>>;
  readonly lines: readonly ReportLine[];
}

export const NO_OWNER = '(no owner)';

export function emptyCounts(): OutcomeCounts {
  return { resources: 0, compliant: 0, exempt: 0, outOfScope: 0, violations: 0, remediated: 0, ineffective: 0, deferred: 0, wouldChange: 0, failed: 0 };
}

export function buildSweepReport(meta: ReportMeta, results: readonly WorkspaceSweepResult[]): SweepReport {
  const totals = emptyCounts();
  const byRule: Record<string, number> = {};
  const byOwner: Record<string, number> = {};
  const lines: ReportLine[] = [];
  const problems: { workspaceId: string; status: string; error: string }[] = [];
  for (const result of results) {
    // Reports stored before a count existed lack it.
    for (const key of Object.keys(totals) as (keyof OutcomeCounts)[]) totals[key] += result.counts[key] ?? 0;
    for (const [rule, count] of Object.entries(result.byRule)) byRule[rule] = (byRule[rule] ?? 0) + count;
    for (const line of result.lines) {
      lines.push(line);
      const owner = line.owner ?? NO_OWNER;
      byOwner[owner] = (byOwner[owner] ?? 0) + 1;
    }
    if (result.status !== 'done') problems.push({ workspaceId: result.workspaceId, status: result.status, error: result.error ?? result.status });
  }
  const evaluated = totals.resources - totals.outOfScope;
  const clean = totals.compliant + totals.exempt;
  lines.sort((a, b) => a.resourceId.localeCompare(b.resourceId));
  return {
    ...meta,
    workspaces: results.length,
    problems,
    totals,
    complianceRate: evaluated === 0 ? 1 : clean / evaluated,
    violationsByRule: sortedByCount(byRule),
    violationsByOwner: sortedByCount(byOwner),
    lines,
  };
}

function sortedByCount(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}

/** Resources in scope with findings (neither compliant nor exempt). */
function nonCompliant(totals: OutcomeCounts): number {
  return totals.resources - totals.outOfScope - totals.compliant - totals.exempt;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

/** Columns padded to their widest cell. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function headline(report: SweepReport): string {
  const t = report.totals;
  const parts = [
    `${report.workspaces} workspace(s), ${t.resources} resource(s)`,
    `compliance ${percent(report.complianceRate)}`,
    `${nonCompliant(t)} non-compliant`,
  ];
  if (t.remediated > 0) parts.push(`${t.remediated} remediated`);
  if (t.wouldChange > 0) parts.push(`${t.wouldChange} would change`);
  if (t.deferred > 0) parts.push(`${t.deferred} deferred`);
  if (t.exempt > 0) parts.push(`${t.exempt} exempt`);
  if (t.failed > 0) parts.push(`${t.failed} failed`);
  if (report.problems.length > 0) parts.push(`${report.problems.length} workspace(s) unreadable`);
  return `Compliance sweep ${report.runId} (${report.whatIf ? 'what-if' : `mode ${report.mode}`}, ${report.status}): ${parts.join(', ')}`;
}

/** The violations table people read at the end of `aml-warden sweep`. */
export function formatSweepTable(report: SweepReport): string {
  const sections = [headline(report)];
  if (report.lines.length > 0) {
    sections.push(
      renderTable(
        ['WORKSPACE', 'RESOURCE', 'TYPE', 'OWNER', 'OUTCOME', 'RULES'],
        report.lines.map((line) => [line.workspaceName, line.name, line.resourceType, line.owner ?? NO_OWNER, line.outcome, line.rules.join(', ')]),
      ),
    );
  } else {
    sections.push('No violations.');
  }
  const rules = Object.entries(report.violationsByRule);
  if (rules.length > 0) sections.push(renderTable(['RULE', 'FINDINGS'], rules.map(([rule, count]) => [rule, String(count)])));
  if (report.problems.length > 0) {
    sections.push(renderTable(['UNREADABLE WORKSPACE', 'PROBLEM'], report.problems.map((problem) => [problem.workspaceId, problem.error])));
  }
  return `${sections.join('\n\n')}\n`;
}

/** `what-if`: exactly the patches enforce mode would write, one resource per line. */
export function formatWhatIf(report: SweepReport): string {
  const changes = report.lines.filter((line) => line.change !== undefined);
  const held = report.lines.filter((line) => line.outcome === 'deferred');
  const sections = [headline(report)];
  sections.push(
    changes.length === 0
      ? 'Enforce mode would change nothing.'
      : renderTable(['RESOURCE', 'PATCH'], changes.map((line) => [line.resourceId, line.change ?? ''])),
  );
  if (held.length > 0) sections.push(renderTable(['HELD BACK', 'WHY'], held.map((line) => [line.resourceId, line.note ?? ''])));
  const manual = report.lines.filter((line) => line.change === undefined && line.outcome === 'violations');
  if (manual.length > 0) sections.push(`${manual.length} resource(s) have findings that cannot be fixed in place (see \`aml-warden sweep --mode audit\`).`);
  return `${sections.join('\n\n')}\n`;
}

/** The summary for the violations channel. */
export function sweepNotification(report: SweepReport, maxRules = 5): Notification {
  const t = report.totals;
  const violating = nonCompliant(t);
  const topRules = Object.entries(report.violationsByRule).slice(0, maxRules);
  const topOwners = Object.entries(report.violationsByOwner).slice(0, maxRules);
  return {
    title: `Compliance sweep: ${percent(report.complianceRate)} compliant`,
    text: headline(report),
    severity: violating > 0 || report.problems.length > 0 ? 'warning' : 'info',
    facts: [
      { name: 'Workspaces', value: String(report.workspaces) },
      { name: 'Resources', value: String(t.resources) },
      { name: 'Non-compliant', value: String(violating) },
      { name: 'Remediated', value: String(t.remediated) },
      ...(topRules.length > 0 ? [{ name: 'Top rules', value: topRules.map(([rule, count]) => `${rule} (${count})`).join(', ') }] : []),
      ...(topOwners.length > 0 ? [{ name: 'Top owners', value: topOwners.map(([owner, count]) => `${owner} (${count})`).join(', ') }] : []),
      ...(report.problems.length > 0 ? [{ name: 'Unreadable workspaces', value: String(report.problems.length) }] : []),
    ],
    eventId: report.runId,
  };
}
