/**
 * The compliance sweep's report: per-workspace results folded into totals (compliance rate over what was
 * evaluated, violations by rule and by owner), its one-line headline and its summary for the violations channel.
 * Rendered for terminals by `reportText.ts`; stored by `sweepReportStore`.
 */
import type { Notification } from '../notifications/ports.js';
import type { Finding } from '../policy/findings.js';
import type { Mode } from '../policy/policySchema.js';
import type { QuotaSection } from './quota/ports.js';

/** One rule a resource breaks, as people act on it: what the policy expects, what Azure has, and what to do. */
export type ReportFinding = Pick<Finding, 'rule' | 'severity' | 'expected' | 'actual' | 'relation' | 'fixable'> & {
  /** What enforce mode does, or what a person must do when it cannot be fixed in place. */
  readonly advice: string | undefined;
};

/** A finding as a report keeps it: what people act on, without the patch. */
export function reportFindingOf(finding: Finding): ReportFinding {
  return {
    rule: finding.rule,
    severity: finding.severity,
    expected: finding.expected,
    actual: finding.actual,
    relation: finding.relation,
    fixable: finding.fixable,
    advice: finding.advice,
  };
}

/** One resource that needs (or needed) attention. */
export interface ReportLine {
  readonly resourceId: string;
  readonly resourceType: 'workspace' | 'compute' | 'onlineEndpoint' | 'onlineDeployment' | 'job';
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
  /**
   * Resources without findings (exempt included) over the resources evaluated: in scope and not failed. `null`
   * when nothing was evaluated — an empty or out-of-scope sweep is not "100% compliant".
   */
  readonly complianceRate: number | null;
  /** Resources judged against the policy; out-of-scope and failed resources and unreadable workspaces are not. */
  readonly evaluated: number;
  readonly violationsByRule: Readonly<Record<string, number>>;
  /** Non-compliant resources per owner (`(no owner)` when untagged). */
  readonly violationsByOwner: Readonly<Record<string, number>>;
  readonly lines: readonly ReportLine[];
  /** Compute quota utilization per subscription, region and VM family; absent when the policy has no `quota:`. */
  readonly quota?: QuotaSection | undefined;
}

export const NO_OWNER = '(no owner)';

export function emptyCounts(): OutcomeCounts {
  return { resources: 0, compliant: 0, exempt: 0, outOfScope: 0, violations: 0, remediated: 0, ineffective: 0, deferred: 0, wouldChange: 0, failed: 0 };
}

/** What a governed resource's result says of it (computes, workspaces, endpoints and deployments alike). */
export interface GovernedOutcome {
  readonly resourceId: string;
  readonly resourceType: ReportLine['resourceType'];
  readonly name: string;
  readonly workspaceName: string;
  readonly subscriptionId: string;
  readonly owner: string | undefined;
  readonly outcome: string;
  readonly findings: readonly Finding[];
  readonly note?: string | undefined;
}

/** The report line of a governed resource, with the change written or that would be (`change`). */
export function reportLineOf(result: GovernedOutcome, change: string | undefined): ReportLine {
  return {
    resourceId: result.resourceId,
    resourceType: result.resourceType,
    name: result.name,
    workspaceName: result.workspaceName,
    subscriptionId: result.subscriptionId,
    owner: result.owner,
    outcome: result.outcome,
    rules: [...new Set(result.findings.map((finding) => finding.rule))],
    findings: result.findings.map(reportFindingOf),
    change,
    note: result.note,
  };
}

/** A workspace's result as its resources are swept: every resource counted once, findings by rule, and a line for each that needs attention. */
export interface WorkspaceFold {
  readonly counts: OutcomeCounts;
  readonly byRule: Record<string, number>;
  readonly lines: ReportLine[];
}

export function emptyFold(): WorkspaceFold {
  return { counts: emptyCounts(), byRule: {}, lines: [] };
}

/** One resource swept: counted under its outcome; when it needs attention (`line`), its findings counted by rule and the line kept. */
export function foldResource(fold: WorkspaceFold, outcome: Exclude<keyof OutcomeCounts, 'resources'>, line: ReportLine | undefined): void {
  fold.counts.resources += 1;
  fold.counts[outcome] += 1;
  if (line === undefined) return;
  for (const finding of line.findings ?? []) fold.byRule[finding.rule] = (fold.byRule[finding.rule] ?? 0) + 1;
  fold.lines.push(line);
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
  lines.sort((a, b) => a.resourceId.localeCompare(b.resourceId));
  return {
    ...meta,
    workspaces: results.length,
    problems,
    totals,
    ...complianceOf(totals),
    violationsByRule: sortedByCount(byRule),
    violationsByOwner: sortedByCount(byOwner),
    lines,
  };
}

/** The compliance rate over what was evaluated (in scope, not failed), and how much that was. */
export function complianceOf(totals: OutcomeCounts): { readonly complianceRate: number | null; readonly evaluated: number } {
  const evaluated = totals.resources - totals.outOfScope - totals.failed;
  const clean = totals.compliant + totals.exempt;
  return { complianceRate: evaluated <= 0 ? null : clean / evaluated, evaluated: Math.max(0, evaluated) };
}

function sortedByCount(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}

/** Resources evaluated with findings (neither compliant nor exempt), remediated ones included. */
export function nonCompliant(totals: OutcomeCounts): number {
  return totals.resources - totals.outOfScope - totals.failed - totals.compliant - totals.exempt;
}

/** `57.1%`, or `n/a` when nothing was evaluated. */
export function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}

/** What a sweep's findings should fail a pipeline on: any non-compliant resource, one enforce mode could fix, or nothing. */
export type FailOn = 'violations' | 'fixable' | 'none';

/** Outcomes whose findings are still open (a remediated resource's fixable findings were fixed). */
const OPEN_OUTCOMES: ReadonlySet<string> = new Set(['violations', 'wouldChange', 'deferred', 'ineffective']);

/** Whether the report holds findings that `failOn` fails on. */
export function failsOn(report: SweepReport, failOn: FailOn): boolean {
  switch (failOn) {
    case 'none':
      return false;
    case 'violations':
      return nonCompliant(report.totals) > 0;
    case 'fixable':
      // Lines stored before findings were kept say whether a patch was found.
      return report.lines.some((line) => OPEN_OUTCOMES.has(line.outcome) && (line.findings?.some((finding) => finding.fixable) ?? line.change !== undefined));
  }
}

/** How a report names its mode: `audit`, `enforce`, or each rule's own. */
function modeWords(report: SweepReport): string {
  if (report.whatIf) return 'what-if';
  return report.mode === 'policy' ? "each rule's own mode" : `${report.mode} mode`;
}

/** `Compliance sweep sweep-… (audit mode, Completed)`. */
export function reportTitle(report: SweepReport): string {
  return `Compliance sweep ${report.runId} (${modeWords(report)}, ${report.status})`;
}

/** What was swept, how compliant it is, and what was not evaluated: `3 workspace(s), …`. */
export function reportSummaryParts(report: SweepReport): string[] {
  const t = report.totals;
  const parts = [`${report.workspaces} workspace(s), ${t.resources} resource(s)`];
  parts.push(report.complianceRate === null ? 'compliance n/a: nothing was evaluated' : `compliance ${percent(report.complianceRate)} of ${report.evaluated} evaluated`);
  parts.push(`${nonCompliant(t)} non-compliant`);
  if (t.remediated > 0) parts.push(`${t.remediated} remediated`);
  if (t.wouldChange > 0) parts.push(`${t.wouldChange} would change`);
  if (t.deferred > 0) parts.push(`${t.deferred} deferred`);
  if (t.exempt > 0) parts.push(`${t.exempt} exempt`);
  if (t.outOfScope > 0) parts.push(`${t.outOfScope} out of scope (not evaluated)`);
  if (t.failed > 0) parts.push(`${t.failed} failed (not evaluated)`);
  if (report.problems.length > 0) parts.push(`${report.problems.length} workspace(s) or subscription(s) not swept`);
  return parts;
}

/** One line: the title and the summary. */
export function reportHeadline(report: SweepReport): string {
  return `${reportTitle(report)}: ${reportSummaryParts(report).join(', ')}`;
}

/** The summary for the violations channel. */
export function sweepNotification(report: SweepReport, maxRules = 5): Notification {
  const t = report.totals;
  const violating = nonCompliant(t);
  const topRules = Object.entries(report.violationsByRule).slice(0, maxRules);
  const topOwners = Object.entries(report.violationsByOwner).slice(0, maxRules);
  return {
    title: report.complianceRate === null ? 'Compliance sweep: nothing evaluated' : `Compliance sweep: ${percent(report.complianceRate)} compliant`,
    text: reportHeadline(report),
    severity: violating > 0 || report.problems.length > 0 || report.complianceRate === null ? 'warning' : 'info',
    facts: [
      { name: 'Workspaces', value: String(report.workspaces) },
      { name: 'Resources evaluated', value: `${report.evaluated} of ${t.resources}` },
      { name: 'Non-compliant', value: String(violating) },
      { name: 'Remediated', value: String(t.remediated) },
      ...(t.outOfScope > 0 ? [{ name: 'Out of scope', value: String(t.outOfScope) }] : []),
      ...(topRules.length > 0 ? [{ name: 'Top rules', value: topRules.map(([rule, count]) => `${rule} (${count})`).join(', ') }] : []),
      ...(topOwners.length > 0 ? [{ name: 'Top owners', value: topOwners.map(([owner, count]) => `${owner} (${count})`).join(', ') }] : []),
      ...(report.problems.length > 0 ? [{ name: 'Unreadable', value: String(report.problems.length) }] : []),
    ],
    eventId: report.runId,
  };
}
