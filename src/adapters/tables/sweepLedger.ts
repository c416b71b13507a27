/**
 * A compliance sweep's progress in Table Storage (`sweepruns`, `sweepprogress`), so a sweep too large for one
 * invocation resumes where it stopped: each finished workspace is recorded with its result, and an open run with
 * the same subscriptions and mode is resumed (skipping those) for up to a day.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { toKey, type StateStore, type StateTable } from './tableState.js';
import type { WorkspaceSweepResult } from '../../sweep/sweepReport.js';
import { sweepRunRowKey } from './sweepReportStore.js';

const MAX_RESUME_AGE_MS = 24 * 3_600_000;
const MAX_RESULT_CHARS = 30_000;

const runSchema = z.object({ runId: z.string(), status: z.enum(['Running', 'Completed']), runKey: z.string(), startedAt: z.string() });
const progressSchema = z.object({ workspaceId: z.string(), status: z.string(), resultJson: z.string(), at: z.string() });
type RunEntity = z.infer<typeof runSchema>;
type ProgressEntity = z.infer<typeof progressSchema>;

/** Which runs may resume one another: same subscriptions, same mode. */
export function runKeyOf(subscriptions: readonly string[], mode: string): string {
  return `${mode}|${[...subscriptions].map((s) => s.toLowerCase()).sort().join(',')}`.slice(0, 30_000);
}

export class SweepLedger {
  readonly #runs: StateTable<RunEntity>;
  readonly #progress: StateTable<ProgressEntity>;

  constructor(state: StateStore) {
    this.#runs = state.table('sweepruns', runSchema);
    this.#progress = state.table('sweepprogress', progressSchema);
  }

  /** An open run to resume, or a new one. */
  async open(runKey: string, now: Date, resume: boolean): Promise<{ run: RunEntity; done: Map<string, WorkspaceSweepResult> }> {
    if (resume) {
      for await (const { entity } of this.#runs.query(`PartitionKey eq 'run' and status eq 'Running'`)) {
        if (entity.runKey !== runKey || now.getTime() - Date.parse(entity.startedAt) > MAX_RESUME_AGE_MS) continue;
        const done = new Map<string, WorkspaceSweepResult>();
        for await (const { entity: progress } of this.#progress.query(`PartitionKey eq '${toKey(entity.runId)}'`)) {
          done.set(progress.workspaceId.toLowerCase(), JSON.parse(progress.resultJson) as WorkspaceSweepResult);
        }
        return { run: entity, done };
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

  async complete(run: RunEntity): Promise<void> {
    await this.#runs.upsert({ partitionKey: 'run', rowKey: sweepRunRowKey(run.startedAt, run.runId), ...run, status: 'Completed' }, 'merge');
  }
}
