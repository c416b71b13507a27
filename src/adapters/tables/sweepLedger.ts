/**
 * A compliance sweep's progress in Table Storage (`sweepruns`, `sweepprogress`), so a sweep too large for one
 * invocation resumes where it stopped: each finished workspace is recorded with its result, and an open run with
 * the same subscriptions and mode is resumed (skipping those) for up to a day.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { SweepLedger, SweepRun, WorkspaceSweepResult } from '../../sweep/ports.js';
import { updateRecord } from './records.js';
import { sweepRunRowKey } from './sweepReportStore.js';
import { toKey, type StateStore, type StateTable } from './tableState.js';

const MAX_RESUME_AGE_MS = 24 * 3_600_000;
const MAX_RESULT_CHARS = 30_000;

const runSchema = z.object({ runId: z.string(), status: z.enum(['Running', 'Completed']), runKey: z.string(), startedAt: z.string() });
const progressSchema = z.object({ workspaceId: z.string(), status: z.string(), resultJson: z.string(), at: z.string() });
type RunEntity = z.infer<typeof runSchema>;
type ProgressEntity = z.infer<typeof progressSchema>;

class TableSweepLedger implements SweepLedger {
  readonly #runs: StateTable<RunEntity>;
  readonly #progress: StateTable<ProgressEntity>;

  constructor(state: StateStore) {
    this.#runs = state.table('sweepruns', runSchema);
    this.#progress = state.table('sweepprogress', progressSchema);
  }

  /** An open run to resume, or a new one. */
  async open(runKey: string, now: Date, resume: boolean): Promise<{ run: SweepRun; done: Map<string, WorkspaceSweepResult> }> {
    if (resume) {
      const running = this.#runs.query([
        { property: 'partitionKey', op: 'eq', value: 'run' },
        { property: 'status', op: 'eq', value: 'Running' },
      ]);
      for await (const { entity } of running) {
        if (entity.runKey !== runKey || now.getTime() - Date.parse(entity.startedAt) > MAX_RESUME_AGE_MS) continue;
        const done = new Map<string, WorkspaceSweepResult>();
        for await (const { entity: progress } of this.#progress.query([{ property: 'partitionKey', op: 'eq', value: toKey(entity.runId) }])) {
          done.set(progress.workspaceId.toLowerCase(), JSON.parse(progress.resultJson) as WorkspaceSweepResult);
        }
        return { run: { runId: entity.runId, status: entity.status, runKey: entity.runKey, startedAt: entity.startedAt }, done };
      }
    }
    const startedAt = now.toISOString();
    const runId = `sweep-${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
    const run: RunEntity = { runId, status: 'Running', runKey, startedAt };
    await this.#runs.upsert({ partitionKey: 'run', rowKey: sweepRunRowKey(startedAt, runId), ...run });
    return { run, done: new Map() };
  }

  async record(runId: string, result: WorkspaceSweepResult, now: Date): Promise<void> {
    let json = JSON.stringify(result);
    if (json.length > MAX_RESULT_CHARS) json = JSON.stringify({ ...result, lines: result.lines.slice(0, 50) });
    await this.#progress.upsert({ partitionKey: toKey(runId), rowKey: toKey(result.workspaceId.toLowerCase()), workspaceId: result.workspaceId, status: result.status, resultJson: json, at: now.toISOString() });
  }

  complete(run: SweepRun): Promise<boolean> {
    return updateRecord<RunEntity, boolean>(
      this.#runs,
      { partitionKey: 'run', rowKey: sweepRunRowKey(run.startedAt, run.runId) },
      (current) => {
        if (current?.entity.status === 'Completed') return { answer: false };
        return { write: { ...(current?.entity ?? run), partitionKey: 'run', rowKey: sweepRunRowKey(run.startedAt, run.runId), status: 'Completed' }, result: () => true };
      },
      { rounds: 5, exhausted: () => false },
    );
  }
}

export function createSweepLedger(state: StateStore): SweepLedger {
  return new TableSweepLedger(state);
}
