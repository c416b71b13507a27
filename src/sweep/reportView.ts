/**
 * A sweep report as people read it, shared by its HTML page and its markdown: the headline, the resources that need
 * attention per subscription and per workspace, the findings grouped by rule (what the policy expects and what Azure
 * has, worded by the finding's relation), and the workspaces that could not be read — with studio links. Pure:
 * the renderers only lay it out.
 */
import { describeExpectation, formatValue, type Severity } from '../policy/findings.js';
import { StudioLinks, resourceNameOf, subscriptionIdOf, workspaceIdOf } from './studioLinks.js';
import { NO_OWNER, nonCompliant, percent, type ReportLine, type SweepReport } from './sweepReport.js';

/** The public cloud's studio; sovereign clouds pass theirs (`AML_WARDEN_STUDIO_URL`). */
export const DEFAULT_STUDIO_URL = 'https://ml.azure.com';

export interface ReportViewOptions {
  readonly studioUrl?: string;
}

/** What happened to a resource that had findings, in the order a reader cares about. */
export const ATTENTION_OUTCOMES = ['violations', 'failed', 'ineffective', 'deferred', 'wouldChange', 'remediated'] as const;
export type AttentionOutcome = (typeof ATTENTION_OUTCOMES)[number];

export const OUTCOME_LABELS: Readonly<Record<AttentionOutcome, string>> = {
  violations: 'open',
  failed: 'fix failed',
  ineffective: 'fix not applied by Azure',
  deferred: 'fix held back',
  wouldChange: 'would be fixed',
  remediated: 'remediated',
};

function attentionOutcome(outcome: string): AttentionOutcome {
  return ATTENTION_OUTCOMES.find((known) => known === outcome) ?? 'violations';
}

export interface CountTile {
  readonly label: string;
  readonly value: number;
  readonly tone: 'neutral' | 'good' | 'bad' | 'warn';
}

/** Resources needing attention in one subscription or workspace. */
export interface AttentionRow {
  readonly label: string;
  /** The subscription of a workspace row. */
  readonly detail: string | undefined;
  readonly studioUrl: string | undefined;
  readonly byOutcome: Readonly<Record<AttentionOutcome, number>>;
  readonly needingAttention: number;
  /** A workspace row's problem, when it could not be swept. */
  readonly problem: { readonly status: string; readonly error: string } | undefined;
  /** A subscription row's workspaces (or the subscription itself) that could not be swept. */
  readonly unreadable: number;
}

export interface FindingEntry {
  readonly workspaceName: string;
  readonly workspaceUrl: string | undefined;
  readonly resourceType: ReportLine['resourceType'];
  readonly name: string;
  readonly resourceUrl: string | undefined;
  readonly owner: string;
  readonly outcome: string;
  /** `undefined` when the report was stored before findings were kept. */
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  readonly fixable: boolean | undefined;
  readonly advice: string | undefined;
}

export interface RuleGroup {
  readonly rule: string;
  readonly severity: Severity | undefined;
  /** Findings of the rule in the whole run (the stored report may list fewer resources than that). */
  readonly count: number;
  readonly entries: readonly FindingEntry[];
}

export interface ProblemRow {
  readonly name: string;
  readonly workspaceId: string;
  readonly subscriptionId: string | undefined;
  readonly status: string;
  readonly error: string;
  readonly studioUrl: string | undefined;
}

export interface ReportView {
  readonly runId: string;
  readonly mode: string;
  readonly status: SweepReport['status'];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly duration: string;
  readonly subscriptions: readonly string[];
  /** `null` when nothing was evaluated. */
  readonly complianceRate: number | null;
  /** e.g. `57.1%`; `n/a` when nothing was evaluated. */
  readonly compliance: string;
  /** Resources judged against the policy: in scope and not failed. */
  readonly evaluated: number;
  readonly compliant: number;
  readonly exempt: number;
  readonly nonCompliant: number;
  readonly tiles: readonly CountTile[];
  readonly bySubscription: readonly AttentionRow[];
  readonly byWorkspace: readonly AttentionRow[];
  readonly rules: readonly RuleGroup[];
  readonly problems: readonly ProblemRow[];
}

function duration(startedAt: string, finishedAt: string): string {
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { high: 0, medium: 1, low: 2 };

function higher(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}

function emptyByOutcome(): Record<AttentionOutcome, number> {
  return { violations: 0, failed: 0, ineffective: 0, deferred: 0, wouldChange: 0, remediated: 0 };
}

interface RowBuilder {
  label: string;
  detail: string | undefined;
  studioUrl: string | undefined;
  byOutcome: Record<AttentionOutcome, number>;
  problem: { status: string; error: string } | undefined;
  unreadable: number;
}

function finish(row: RowBuilder): AttentionRow {
  return { ...row, needingAttention: ATTENTION_OUTCOMES.reduce((sum, outcome) => sum + row.byOutcome[outcome], 0) };
}

/** Most attention first, then unreadable ones, then by name. */
function byAttention(a: AttentionRow, b: AttentionRow): number {
  return b.needingAttention - a.needingAttention || b.unreadable - a.unreadable || Number(b.problem !== undefined) - Number(a.problem !== undefined) || a.label.localeCompare(b.label);
}

export function buildReportView(report: SweepReport, options: ReportViewOptions = {}): ReportView {
  const links = new StudioLinks(options.studioUrl ?? DEFAULT_STUDIO_URL);
  const t = report.totals;

  const subscriptions = new Map<string, RowBuilder>();
  const subscriptionRow = (subscriptionId: string): RowBuilder => {
    const key = subscriptionId.toLowerCase();
    let row = subscriptions.get(key);
    if (row === undefined) {
      row = { label: subscriptionId, detail: undefined, studioUrl: undefined, byOutcome: emptyByOutcome(), problem: undefined, unreadable: 0 };
      subscriptions.set(key, row);
    }
    return row;
  };
  for (const subscriptionId of report.subscriptions) subscriptionRow(subscriptionId);

  const workspaces = new Map<string, RowBuilder>();
  const workspaceRow = (workspaceId: string, name: string, subscriptionId: string): RowBuilder => {
    const key = workspaceId.toLowerCase();
    let row = workspaces.get(key);
    if (row === undefined) {
      row = { label: name, detail: subscriptionId, studioUrl: links.workspace(workspaceId), byOutcome: emptyByOutcome(), problem: undefined, unreadable: 0 };
      workspaces.set(key, row);
    }
    return row;
  };

  const rules = new Map<string, { severity: Severity | undefined; entries: FindingEntry[] }>();
  const ruleGroup = (rule: string) => {
    let group = rules.get(rule);
    if (group === undefined) {
      group = { severity: undefined, entries: [] };
      rules.set(rule, group);
    }
    return group;
  };

  for (const line of report.lines) {
    const outcome = attentionOutcome(line.outcome);
    subscriptionRow(line.subscriptionId).byOutcome[outcome] += 1;
    const workspaceId = workspaceIdOf(line.resourceId);
    if (workspaceId !== undefined) workspaceRow(workspaceId, line.workspaceName, line.subscriptionId).byOutcome[outcome] += 1;
    const resource = {
      workspaceName: line.workspaceName,
      workspaceUrl: workspaceId === undefined ? undefined : links.workspace(workspaceId),
      resourceType: line.resourceType,
      name: line.name,
      resourceUrl: workspaceId === undefined ? undefined : line.resourceType === 'compute' ? links.compute(workspaceId, line.name) : links.workspace(workspaceId),
      owner: line.owner ?? NO_OWNER,
      outcome: OUTCOME_LABELS[outcome],
    };
    if (line.findings !== undefined) {
      for (const finding of line.findings) {
        const group = ruleGroup(finding.rule);
        group.severity = higher(group.severity, finding.severity);
        group.entries.push({
          ...resource,
          expected: describeExpectation(finding.relation, finding.expected),
          actual: formatValue(finding.actual),
          fixable: finding.fixable,
          advice: finding.advice,
        });
      }
    } else {
      // Stored before findings were kept: the rules are known, what they expected is not.
      for (const rule of line.rules) ruleGroup(rule).entries.push({ ...resource, expected: undefined, actual: undefined, fixable: undefined, advice: undefined });
    }
  }
  // Rules the stored lines no longer show (a report keeps as many lines as fit) still count.
  for (const rule of Object.keys(report.violationsByRule)) ruleGroup(rule);

  const problems: ProblemRow[] = report.problems.map((problem) => {
    const workspaceId = workspaceIdOf(problem.workspaceId);
    const subscriptionId = subscriptionIdOf(problem.workspaceId);
    if (subscriptionId !== undefined) subscriptionRow(subscriptionId).unreadable += 1;
    const name = workspaceId === undefined ? problem.workspaceId : resourceNameOf(workspaceId);
    if (workspaceId !== undefined) workspaceRow(workspaceId, name, subscriptionId ?? '').problem = { status: problem.status, error: problem.error };
    return { name, workspaceId: problem.workspaceId, subscriptionId, status: problem.status, error: problem.error, studioUrl: workspaceId === undefined ? undefined : links.workspace(workspaceId) };
  });

  const optional = (label: string, value: number, tone: CountTile['tone']): CountTile[] => (value > 0 ? [{ label, value, tone }] : []);
  const tiles: CountTile[] = [
    { label: 'Workspaces', value: report.workspaces, tone: 'neutral' },
    { label: 'Resources', value: t.resources, tone: 'neutral' },
    { label: 'Compliant', value: t.compliant, tone: 'good' },
    { label: 'Non-compliant', value: nonCompliant(t), tone: nonCompliant(t) > 0 ? 'bad' : 'good' },
    ...optional('Exempt', t.exempt, 'neutral'),
    ...optional('Out of scope', t.outOfScope, 'neutral'),
    ...optional('Remediated', t.remediated, 'good'),
    ...optional('Would change', t.wouldChange, 'warn'),
    ...optional('Deferred', t.deferred, 'warn'),
    ...optional('Ineffective fixes', t.ineffective ?? 0, 'bad'),
    ...optional('Failed', t.failed, 'bad'),
    ...optional('Unreadable workspaces', report.problems.length, 'bad'),
  ];

  return {
    runId: report.runId,
    mode: report.whatIf ? 'what-if (nothing written)' : report.mode === 'policy' ? "each rule's own mode" : report.mode,
    status: report.status,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    duration: duration(report.startedAt, report.finishedAt),
    subscriptions: report.subscriptions,
    complianceRate: report.complianceRate,
    compliance: percent(report.complianceRate),
    evaluated: report.evaluated,
    compliant: t.compliant,
    exempt: t.exempt,
    nonCompliant: nonCompliant(t),
    tiles,
    bySubscription: [...subscriptions.values()].map(finish).sort(byAttention),
    byWorkspace: [...workspaces.values()].map(finish).sort(byAttention),
    rules: [...rules.entries()]
      .map(([rule, group]) => ({ rule, severity: group.severity, count: report.violationsByRule[rule] ?? group.entries.length, entries: group.entries }))
      .sort((a, b) => rank(a.severity) - rank(b.severity) || b.count - a.count || a.rule.localeCompare(b.rule)),
    problems,
  };
}

function rank(severity: Severity | undefined): number {
  return severity === undefined ? 3 : SEVERITY_RANK[severity];
}
