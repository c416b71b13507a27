/**
 * The model CD ledger read back (`GET /api/cd-runs`): model versions, most recently decided first, each with its
 * decision — the targets its rules matched, or why CD skipped it — and each target's run as the CD ledger holds it
 * (started with its id and link, being started, waiting for a redelivery, or failed for good).
 *
 * What is not kept, and so not shown: deliveries answered as duplicates (from the decision and the ledger) leave no
 * record; they are counted in telemetry only (`CdSkipped`). A run's `attempts` counts its claims: the first attempt
 * and each retry after a failure or a lapsed claim.
 */
import pLimit from 'p-limit';
import { z } from 'zod';
import type { OnceEntry } from '../shared/onceLedger.js';
import { cdLedgerKey, modelSubject } from './cdLedger.js';
import type { ModelCdDeps } from './deps.js';
import type { CdDecisionEntry } from './ports.js';

/** What `modelSubject` starts every model version's subject with (drift runs are `drift:…`). */
const MODEL_SUBJECTS = 'model:';
/** Ledger reads at once: one partition range per version listed. */
const READ_CONCURRENCY = 8;
export const MAX_CD_RUNS_LIMIT = 200;
export const DEFAULT_CD_RUNS_LIMIT = 50;

/** Azure ML's naming rule for assets, as the ModelRegistered events are checked against (`events/eventDataSchemas.ts`). */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

export const listCdRunsQuery = z.strictObject({
  limit: z.coerce
    .number({ error: `must be a whole number from 1 to ${MAX_CD_RUNS_LIMIT}` })
    .int({ error: `must be a whole number from 1 to ${MAX_CD_RUNS_LIMIT}` })
    .min(1, { error: `must be a whole number from 1 to ${MAX_CD_RUNS_LIMIT}` })
    .max(MAX_CD_RUNS_LIMIT, { error: `must be a whole number from 1 to ${MAX_CD_RUNS_LIMIT}` })
    .default(DEFAULT_CD_RUNS_LIMIT)
    .meta({ description: `How many model versions, most recently decided first (1–${MAX_CD_RUNS_LIMIT}, default ${DEFAULT_CD_RUNS_LIMIT}).` }),
  model: z
    .string()
    .regex(MODEL_NAME, { error: 'must be an Azure ML model name (a letter or digit, then letters, digits, _ . -)' })
    .optional()
    .meta({ description: 'Only versions of this model (the exact, case-sensitive name).' }),
});
export type ListCdRunsQuery = z.output<typeof listCdRunsQuery>;

export const cdRunStatuses = ['Started', 'Starting', 'AwaitingRetry', 'Failed', 'NotStarted'] as const;
export const cdDecisionStates = ['Matched', 'Skipped', 'Deciding', 'Undecided'] as const;

export const cdRunViewSchema = z.object({
  target: z.string().meta({ description: "The policy's CD target name." }),
  rule: z.string().optional().meta({ description: 'The CD rule that sent the version to the target (absent when the current decision does not name this target).' }),
  status: z.enum(cdRunStatuses).meta({
    description:
      'Started: the target accepted the run. Starting: a delivery holds the claim now. AwaitingRetry: a transient failure gave the claim back, or its holder stopped; the next delivery retries. Failed: the target refused for good; not retried. NotStarted: matched, with no run recorded yet.',
  }),
  runId: z.string().optional().meta({ description: "The run's id at the target, when it returns one." }),
  link: z.string().optional().meta({ description: 'Where a person can watch the run.' }),
  attempts: z.number().int().meta({ description: 'Claims on this run: 1 for the first attempt, more after retries.' }),
  eventId: z.string().optional().meta({ description: 'The event whose delivery made the last claim.' }),
  updatedAt: z.string().optional(),
  error: z.string().optional().meta({ description: 'Why it failed for good, or why the last attempt gave its claim back.' }),
});

export const cdVersionViewSchema = z.object({
  workspaceId: z.string().meta({ description: "The workspace's ARM id, lower-cased as the ledger keys it (ARM compares ids case-insensitively)." }),
  workspaceName: z.string(),
  modelName: z.string(),
  modelVersion: z.string(),
  decision: z.enum(cdDecisionStates).meta({
    description:
      'Matched: its CD rules sent it to the targets in runs. Skipped: no rule sent it anywhere (reason says why). Deciding: a delivery is reading it from ARM now. Undecided: the last delivery could not decide (reason says why); the next one will.',
  }),
  reason: z.string().optional(),
  eventId: z.string().meta({ description: 'The event whose delivery decided, or holds or last held the decision.' }),
  updatedAt: z.string(),
  runs: z.array(cdRunViewSchema),
});

export const cdVersionListSchema = z.object({ value: z.array(cdVersionViewSchema), count: z.number().int() });

export type CdRunView = z.output<typeof cdRunViewSchema>;
export type CdVersionView = z.output<typeof cdVersionViewSchema>;

/** Model versions, most recently decided first, with their decision and runs. */
export async function listCdRuns(deps: Pick<ModelCdDeps, 'decisions' | 'ledger' | 'now'>, query: ListCdRunsQuery): Promise<readonly CdVersionView[]> {
  const prefix = query.model === undefined ? MODEL_SUBJECTS : modelSubject(query.model, '');
  const decisions = await deps.decisions.recent(prefix, query.limit);
  const now = deps.now();
  const read = pLimit(READ_CONCURRENCY);
  const views = await Promise.all(
    decisions.map((entry) =>
      read(async () => {
        const model = parseModelSubject(entry.subject);
        if (model === undefined || (query.model !== undefined && model.name !== query.model)) return undefined;
        const runsPrefix = cdLedgerKey({ workspaceId: entry.workspaceId, subject: entry.subject, target: '' });
        const runs = await deps.ledger.entries(runsPrefix.group, runsPrefix.item);
        return versionView(entry, model, runs, runsPrefix.item, now);
      }),
    ),
  );
  return views.filter((view): view is CdVersionView => view !== undefined);
}

/** `model:NAME:VERSION` (`modelSubject`); Azure ML names and versions hold no `:`. */
function parseModelSubject(subject: string): { readonly name: string; readonly version: string } | undefined {
  if (!subject.startsWith(MODEL_SUBJECTS)) return undefined;
  const rest = subject.slice(MODEL_SUBJECTS.length);
  const split = rest.lastIndexOf(':');
  if (split <= 0) return undefined;
  return { name: rest.slice(0, split), version: rest.slice(split + 1) };
}

function versionView(entry: CdDecisionEntry, model: { readonly name: string; readonly version: string }, ledger: readonly OnceEntry[], itemPrefix: string, now: Date): CdVersionView {
  const matched = entry.decision?.outcome === 'matched' ? entry.decision.targets : [];
  const recorded = new Map(ledger.map((run) => [run.key.item.slice(itemPrefix.length), run]));
  const runs: CdRunView[] = matched.map(({ target, rule }) => {
    const run = recorded.get(target);
    return run === undefined ? { target, rule, status: 'NotStarted', attempts: 0 } : { ...runView(target, run, now), rule };
  });
  // Runs the current decision does not name: made under an earlier policy, or by a delivery that could not wait for the decision.
  const named = new Set(matched.map(({ target }) => target));
  for (const [target, run] of recorded) if (!named.has(target)) runs.push(runView(target, run, now));
  return {
    workspaceId: entry.workspaceId,
    workspaceName: entry.workspaceId.split('/').pop() ?? entry.workspaceId,
    modelName: model.name,
    modelVersion: model.version,
    ...decisionView(entry, now),
    eventId: entry.decision?.eventId ?? entry.eventId,
    updatedAt: entry.updatedAt,
    runs,
  };
}

function decisionView(entry: CdDecisionEntry, now: Date): Pick<CdVersionView, 'decision' | 'reason'> {
  if (entry.decision?.outcome === 'matched') return { decision: 'Matched' };
  if (entry.decision?.outcome === 'skipped') return { decision: 'Skipped', reason: entry.decision.reason };
  if (entry.status === 'deciding' && Date.parse(entry.leaseUntil) > now.getTime()) return { decision: 'Deciding' };
  return { decision: 'Undecided', reason: entry.reason ?? (entry.status === 'deciding' ? 'the delivery deciding it stopped before it decided' : undefined) };
}

function runView(target: string, run: OnceEntry, now: Date): CdRunView {
  const common = { target, attempts: run.attempts, eventId: run.eventId, updatedAt: run.updatedAt };
  switch (run.status) {
    case 'done':
      return { ...common, status: 'Started', runId: run.result['runId'], link: run.result['link'] };
    case 'failed':
      return { ...common, status: 'Failed', error: run.error };
    case 'claimed':
      return Date.parse(run.leaseUntil) > now.getTime() ? { ...common, status: 'Starting' } : { ...common, status: 'AwaitingRetry', error: 'the attempt holding it stopped before it finished' };
    case 'released':
      return { ...common, status: 'AwaitingRetry', error: run.error };
  }
}
