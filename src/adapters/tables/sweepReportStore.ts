/** Sweep reports in Table Storage (table `sweepreports`, newest first), one entity per run. */
import * as z from 'zod';
import { fitsInParts, fromParts, toParts } from './jsonParts.js';
import { toKey, type StateStore, type StateTable } from './tableState.js';
import type { OutcomeCounts, ReportLine, StoredReportSummary, SweepReport, SweepReportStore } from '../../sweep/ports.js';
import { countsSchema, parseStoredJson, reportLineSchema } from './storedSweepResult.js';
import { quotaSectionSchema, type QuotaSection } from '../../sweep/quota/ports.js';

const MAX_PROPERTY_CHARS = 30_000;
/** The report's lines in up to 20 parts (600 KB of the entity's 1 MiB); the rest are in the audit trail. */
const LINE_PARTS = 20;

// Loose: the lines' JSON continues in `linesJson1`, `linesJson2`, … as it needs (jsonParts.ts).
const reportEntitySchema = z.looseObject({
  runId: z.string(),
  mode: z.string(),
  whatIf: z.boolean(),
  status: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  subscriptions: z.string(),
  workspaces: z.number(),
  resources: z.number(),
  // Left out when nothing was evaluated (Table Storage has no null).
  complianceRate: z.number().optional(),
  // Rows written before it was kept lack it.
  evaluated: z.number().optional(),
  totalsJson: z.string(),
  byRuleJson: z.string(),
  byOwnerJson: z.string(),
  problemsJson: z.string(),
  linesJson: z.string(),
  linesTruncated: z.boolean(),
  // Reports of runs without quota rules (and rows written before quota was kept) lack it.
  quotaJson: z.string().optional(),
});
type ReportEntity = z.infer<typeof reportEntitySchema>;

/** Keeps as many lines as fit in the entity (the rest are in the audit trail). */
function fitLines(lines: readonly ReportLine[]): { json: string; truncated: boolean } {
  let kept = lines.length;
  let json = JSON.stringify(lines);
  while (!fitsInParts(json, LINE_PARTS) && kept > 0) {
    kept = Math.floor(kept / 2);
    json = JSON.stringify(lines.slice(0, kept));
  }
  return { json, truncated: kept < lines.length };
}

/** The largest counts (they come sorted) that fit in one property, as JSON that still parses. */
function fitCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  let kept = entries.length;
  let json = JSON.stringify(counts);
  while (json.length > MAX_PROPERTY_CHARS && kept > 0) {
    kept = Math.floor(kept / 2);
    json = JSON.stringify(Object.fromEntries(entries.slice(0, kept)));
  }
  return json;
}

const PARTITION = 'report';

/** A sweep run's row key, newest first (inverted start time), for its report and its progress record alike. */
export function sweepRunRowKey(startedAt: string, runId: string): string {
  return `${String(9_999_999_999_999 - Date.parse(startedAt)).padStart(13, '0')}-${toKey(runId)}`;
}

export function createSweepReportStore(state: StateStore): SweepReportStore {
  const table: StateTable<ReportEntity> = state.table('sweepreports', reportEntitySchema);
  return {
    async save(report) {
      const lines = fitLines(report.lines);
      await table.upsert({
        partitionKey: PARTITION,
        rowKey: sweepRunRowKey(report.startedAt, report.runId),
        runId: report.runId,
        mode: report.mode,
        whatIf: report.whatIf,
        status: report.status,
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        subscriptions: report.subscriptions.join(','),
        workspaces: report.workspaces,
        resources: report.totals.resources,
        complianceRate: report.complianceRate ?? undefined,
        evaluated: report.evaluated,
        totalsJson: JSON.stringify(report.totals),
        byRuleJson: fitCounts(report.violationsByRule),
        byOwnerJson: fitCounts(report.violationsByOwner),
        problemsJson: JSON.stringify(report.problems.slice(0, 200)),
        linesJson: '',
        ...toParts('linesJson', lines.json, LINE_PARTS),
        linesTruncated: lines.truncated,
        quotaJson: quotaJsonOf(report.quota),
      });
    },
    async latest() {
      for await (const { entity } of table.query([{ property: 'partitionKey', op: 'eq', value: PARTITION }])) return toReport(entity);
      return undefined;
    },
    async find(runId, startedAt) {
      const stored = await table.get(PARTITION, sweepRunRowKey(startedAt, runId));
      return stored === undefined || stored.entity.runId !== runId ? undefined : toReport(stored.entity);
    },
    async findById(runId) {
      for await (const { entity } of table.query([{ property: 'partitionKey', op: 'eq', value: PARTITION }, { property: 'runId', op: 'eq', value: runId }])) return toReport(entity);
      return undefined;
    },
    async list(limit) {
      const summaries: StoredReportSummary[] = [];
      // Newest first: the row key is the inverted start time.
      for await (const { entity } of table.query([{ property: 'partitionKey', op: 'eq', value: PARTITION }])) {
        summaries.push(toSummary(entity));
        if (summaries.length >= limit) break;
      }
      return summaries;
    },
  };
}

/** Rows written before `evaluated` was kept said 100% for nothing evaluated: the rate is null there too. */
function compliance(entity: ReportEntity, totals: OutcomeCounts): Pick<SweepReport, 'complianceRate' | 'evaluated'> {
  const evaluated = entity.evaluated ?? Math.max(0, totals.resources - totals.outOfScope - totals.failed);
  return { complianceRate: evaluated === 0 ? null : (entity.complianceRate ?? null), evaluated };
}

/** What a summary and a full report share: the run, its totals and its compliance. */
function headOf(entity: ReportEntity) {
  const totals = parseStoredJson(entity.totalsJson, countsSchema, `sweep report ${entity.runId}: totals`);
  return {
    runId: entity.runId,
    mode: modeOf(entity.mode),
    whatIf: entity.whatIf,
    status: entity.status === 'Completed' ? ('Completed' as const) : ('Partial' as const),
    startedAt: entity.startedAt,
    finishedAt: entity.finishedAt,
    subscriptions: entity.subscriptions === '' ? [] : entity.subscriptions.split(','),
    workspaces: entity.workspaces,
    totals,
    ...compliance(entity, totals),
  };
}

const problemsOf = (entity: ReportEntity) => parseStoredJson(entity.problemsJson, problemsSchema, `sweep report ${entity.runId}: problems`);

function toSummary(entity: ReportEntity): StoredReportSummary {
  return { ...headOf(entity), problems: problemsOf(entity).length };
}

const modeOf = (mode: string): SweepReport['mode'] => (mode === 'audit' || mode === 'enforce' ? mode : 'policy');

const problemsSchema = z.array(z.object({ workspaceId: z.string(), status: z.string(), error: z.string() }));
const countsByNameSchema = z.record(z.string(), z.number());

function toReport(entity: ReportEntity): SweepReport {
  const where = `sweep report ${entity.runId}`;
  return {
    ...headOf(entity),
    problems: problemsOf(entity),
    violationsByRule: parseStoredJson(entity.byRuleJson, countsByNameSchema, `${where}: violations by rule`),
    violationsByOwner: parseStoredJson(entity.byOwnerJson, countsByNameSchema, `${where}: violations by owner`),
    lines: parseStoredJson(fromParts(entity, 'linesJson', LINE_PARTS), z.array(reportLineSchema), `${where}: lines`),
    ...(entity.quotaJson === undefined ? {} : { quota: parseStoredJson(entity.quotaJson, quotaSectionSchema, `${where}: quota`) }),
  };
}

/** The quota section as JSON that fits one property: families over their threshold are kept first. */
function quotaJsonOf(quota: QuotaSection | undefined): string | undefined {
  if (quota === undefined) return undefined;
  const utilizations = [...quota.utilizations].sort((a, b) => Number(b.overThreshold) - Number(a.overThreshold));
  let kept = utilizations.length;
  let json = JSON.stringify({ ...quota, utilizations });
  while (json.length > MAX_PROPERTY_CHARS && kept > 0) {
    kept = Math.floor(kept / 2);
    json = JSON.stringify({ utilizations: utilizations.slice(0, kept), problems: quota.problems.slice(0, 50) });
  }
  return json;
}
