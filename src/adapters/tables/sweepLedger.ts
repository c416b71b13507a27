/**
 * A compliance sweep's ledger in Table Storage, which carries a run across queue messages and instances:
 * `sweepruns` (the run, newest first), `sweepplan` (the workspaces listed per subscription when it was planned,
 * in rows of up to 30,000 characters), `sweepslices` (one row per subscription: which message may move it on)
 * and `sweepprogress` (each finished workspace with its result, so no later message sweeps it again).
 * Slices move by ETag-conditional writes (`updateRecord`), the run closes the same way.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { parseWorkspace, type WorkspaceResource } from '../../policy/resources.js';
import type { FailingWorkspace, SliceStep, SweepLedger, SweepRun, SweepSlice, WorkspaceSweepResult } from '../../sweep/ports.js';
import { updateRecord } from './records.js';
import { parseStoredResult, resultProperties } from './storedSweepResult.js';
import { sweepRunRowKey } from './sweepReportStore.js';
import { toKey, type StateStore, type StateTable } from './tableState.js';

const MAX_OPEN_AGE_MS = 24 * 3_600_000;
/** Table Storage holds at most 32K characters per string property (64 KiB). */
const MAX_RESULT_CHARS = 30_000;
const RUN_PARTITION = 'run';

const runSchema = z.object({
  runId: z.string(),
  status: z.enum(['Running', 'Completed']),
  runKey: z.string(),
  startedAt: z.string(),
  // Runs written before sweeps went through queues lack these.
  mode: z.enum(['policy', 'audit', 'enforce']).default('policy'),
  subscriptionsJson: z.string().default('[]'),
  notify: z.boolean().default(true),
  store: z.boolean().default(true),
  finishedAt: z.string().optional(),
});
const sliceSchema = z.object({
  subscriptionId: z.string(),
  seq: z.number().int(),
  status: z.enum(['Running', 'Done']),
  failingJson: z.string(),
  workspacesPlanned: z.number().int(),
  workspacesDone: z.number().int(),
  updatedAt: z.string(),
});
const planSchema = z.object({ subscriptionId: z.string(), workspacesJson: z.string() });
// Loose: the result's JSON continues in `resultJson1`, `resultJson2`, … as it needs (storedSweepResult.ts).
const progressSchema = z.looseObject({ workspaceId: z.string(), subscriptionId: z.string().optional(), status: z.string(), resultJson: z.string(), at: z.string() });
const failingSchema = z.array(z.object({ workspaceId: z.string(), workspaceName: z.string(), error: z.string() }));
const stringsSchema = z.array(z.string());

type RunEntity = z.infer<typeof runSchema>;
type SliceEntity = z.infer<typeof sliceSchema>;
type ProgressEntity = z.infer<typeof progressSchema>;
type PlanEntity = z.infer<typeof planSchema>;

/** A workspace as the ARM-shaped row `parseWorkspace` reads back. */
function planRow(workspace: WorkspaceResource): Record<string, unknown> {
  return { id: workspace.id, name: workspace.name, location: workspace.location, tags: workspace.tags, systemData: workspace.lastModifiedAt === undefined ? undefined : { lastModifiedAt: workspace.lastModifiedAt } };
}

/** Rows of workspaces, each serialised within one string property's limit. */
function planChunks(workspaces: readonly WorkspaceResource[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const workspace of workspaces) {
    const row = JSON.stringify(planRow(workspace));
    if (current.length > 0 && size + row.length + 1 > MAX_RESULT_CHARS) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(row);
    size += row.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

function toRun(entity: RunEntity): SweepRun {
  return {
    runId: entity.runId,
    status: entity.status,
    runKey: entity.runKey,
    startedAt: entity.startedAt,
    mode: entity.mode,
    subscriptions: stringsSchema.parse(JSON.parse(entity.subscriptionsJson)),
    notify: entity.notify,
    store: entity.store,
    finishedAt: entity.finishedAt,
  };
}

function toSlice(entity: SliceEntity): SweepSlice {
  return {
    subscriptionId: entity.subscriptionId,
    seq: entity.seq,
    status: entity.status,
    failing: failingSchema.parse(JSON.parse(entity.failingJson)),
    workspacesPlanned: entity.workspacesPlanned,
    workspacesDone: entity.workspacesDone,
    updatedAt: entity.updatedAt,
  };
}

/** As many failing workspaces as fit in one property, each error cut short. */
function failingJson(failing: readonly FailingWorkspace[]): string {
  const kept = failing.slice(0, 50).map((workspace) => ({ ...workspace, error: workspace.error.slice(0, 300) }));
  return JSON.stringify(kept);
}

class TableSweepLedger implements SweepLedger {
  readonly #runs: StateTable<RunEntity>;
  readonly #slices: StateTable<SliceEntity>;
  readonly #progress: StateTable<ProgressEntity>;
  readonly #plan: StateTable<PlanEntity>;

  constructor(state: StateStore) {
    this.#plan = state.table('sweepplan', planSchema);
    this.#runs = state.table('sweepruns', runSchema);
    this.#slices = state.table('sweepslices', sliceSchema);
    this.#progress = state.table('sweepprogress', progressSchema);
  }

  async openRun(runKey: string, now: Date): Promise<SweepRun | undefined> {
    const running = this.#runs.query([
      { property: 'partitionKey', op: 'eq', value: RUN_PARTITION },
      { property: 'status', op: 'eq', value: 'Running' },
    ]);
    // Newest first (inverted start time in the row key).
    for await (const { entity } of running) {
      if (entity.runKey === runKey && now.getTime() - Date.parse(entity.startedAt) <= MAX_OPEN_AGE_MS) return toRun(entity);
    }
    return undefined;
  }

  async startRun(plan: Pick<SweepRun, 'runKey' | 'mode' | 'subscriptions' | 'notify' | 'store'>, workspaces: ReadonlyMap<string, readonly WorkspaceResource[]>, now: Date): Promise<SweepRun> {
    const startedAt = now.toISOString();
    const runId = `sweep-${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
    const subscriptions = [...new Map(plan.subscriptions.map((id) => [id.toLowerCase(), id])).values()];
    // The plan and the slices first: a run is only found (and its messages only sent) once all of them exist.
    for (const subscriptionId of subscriptions) {
      const planned = workspaces.get(subscriptionId.toLowerCase()) ?? [];
      const chunks = planChunks(planned);
      for (const [index, workspacesJson] of chunks.entries()) {
        await this.#plan.upsert({ partitionKey: toKey(runId), rowKey: `${toKey(subscriptionId.toLowerCase())}-${String(index).padStart(6, '0')}`, subscriptionId, workspacesJson });
      }
      await this.#slices.upsert({
        partitionKey: toKey(runId),
        rowKey: toKey(subscriptionId.toLowerCase()),
        subscriptionId,
        seq: 0,
        status: 'Running',
        failingJson: '[]',
        workspacesPlanned: planned.length,
        workspacesDone: 0,
        updatedAt: startedAt,
      });
    }
    const entity: RunEntity = { runId, status: 'Running', runKey: plan.runKey, startedAt, mode: plan.mode, subscriptionsJson: JSON.stringify(subscriptions), notify: plan.notify, store: plan.store };
    await this.#runs.upsert({ partitionKey: RUN_PARTITION, rowKey: sweepRunRowKey(startedAt, runId), ...entity });
    return toRun(entity);
  }

  async run(runId: string, startedAt: string): Promise<SweepRun | undefined> {
    const stored = await this.#runs.get(RUN_PARTITION, sweepRunRowKey(startedAt, runId));
    return stored === undefined || stored.entity.runId !== runId ? undefined : toRun(stored.entity);
  }

  async findRun(runId: string): Promise<SweepRun | undefined> {
    const rows = this.#runs.query([
      { property: 'partitionKey', op: 'eq', value: RUN_PARTITION },
      { property: 'runId', op: 'eq', value: runId },
    ]);
    for await (const { entity } of rows) return toRun(entity);
    return undefined;
  }

  async plannedWorkspaces(run: SweepRun, subscriptionId: string): Promise<readonly WorkspaceResource[]> {
    const prefix = toKey(subscriptionId.toLowerCase());
    const workspaces: WorkspaceResource[] = [];
    const rows = this.#plan.query([
      { property: 'partitionKey', op: 'eq', value: toKey(run.runId) },
      // '.' sorts right after '-': the rows `<subscription>-000000` onwards, and no other subscription's.
      { property: 'rowKey', op: 'gt', value: `${prefix}-` },
      { property: 'rowKey', op: 'lt', value: `${prefix}.` },
    ]);
    for await (const { entity } of rows) {
      for (const row of z.array(z.unknown()).parse(JSON.parse(entity.workspacesJson))) workspaces.push(parseWorkspace(row));
    }
    return workspaces;
  }

  async slices(run: SweepRun): Promise<readonly SweepSlice[]> {
    const slices: SweepSlice[] = [];
    for await (const { entity } of this.#slices.query([{ property: 'partitionKey', op: 'eq', value: toKey(run.runId) }])) slices.push(toSlice(entity));
    return slices;
  }

  moveSlice(run: SweepRun, subscriptionId: string, fromSeq: number, next: SliceStep, now: Date): Promise<boolean> {
    const keys = { partitionKey: toKey(run.runId), rowKey: toKey(subscriptionId.toLowerCase()) };
    return updateRecord<SliceEntity, boolean>(
      this.#slices,
      keys,
      (current) => {
        if (current === undefined || current.entity.status === 'Done' || current.entity.seq !== fromSeq) return { answer: false };
        return {
          write: { ...current.entity, ...keys, seq: next.seq, status: next.status, failingJson: failingJson(next.failing), workspacesDone: next.workspacesDone, updatedAt: now.toISOString() },
          result: () => true,
        };
      },
      { rounds: 5, exhausted: () => false },
    );
  }

  async results(run: SweepRun, subscriptionId?: string): Promise<ReadonlyMap<string, WorkspaceSweepResult>> {
    const results = new Map<string, WorkspaceSweepResult>();
    const where = [{ property: 'partitionKey', op: 'eq', value: toKey(run.runId) } as const];
    const bySubscription = subscriptionId === undefined ? [] : [{ property: 'subscriptionId', op: 'eq', value: subscriptionId.toLowerCase() } as const];
    for await (const { entity } of this.#progress.query([...where, ...bySubscription])) {
      results.set(entity.workspaceId.toLowerCase(), parseStoredResult(entity, `sweep run ${run.runId}, workspace ${entity.workspaceId}`));
    }
    return results;
  }

  async record(run: SweepRun, results: readonly WorkspaceSweepResult[], now: Date): Promise<void> {
    await this.#progress.upsertAll(
      results.map((result) => ({
        partitionKey: toKey(run.runId),
        rowKey: toKey(result.workspaceId.toLowerCase()),
        workspaceId: result.workspaceId,
        subscriptionId: result.subscriptionId.toLowerCase(),
        status: result.status,
        resultJson: '',
        ...resultProperties(result),
        at: now.toISOString(),
      })),
    );
  }

  complete(run: SweepRun, finishedAt: Date): Promise<boolean> {
    const keys = { partitionKey: RUN_PARTITION, rowKey: sweepRunRowKey(run.startedAt, run.runId) };
    return updateRecord<RunEntity, boolean>(
      this.#runs,
      keys,
      (current) => {
        if (current === undefined || current.entity.status === 'Completed') return { answer: false };
        return { write: { ...current.entity, ...keys, status: 'Completed', finishedAt: finishedAt.toISOString() }, result: () => true };
      },
      { rounds: 5, exhausted: () => false },
    );
  }
}

export function createSweepLedger(state: StateStore): SweepLedger {
  return new TableSweepLedger(state);
}
