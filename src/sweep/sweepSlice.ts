/**
 * One step of a subscription's chain (queue `aml-warden-sweep-slices`): the subscription's planned workspaces
 * not yet recorded in the run, in id order, up to `maxWorkspaces` or the time budget, each recorded as it finishes.
 * Then the slice moves on conditionally (its `seq`), and the next message is sent — or, when nothing is left,
 * the slice is done and the last one closes the run. One chain per subscription keeps that subscription's ARM
 * budget with one worker at a time; subscriptions run in parallel on as many instances as the host gives.
 *
 * A workspace that fails transiently fails the message: the queue shows it again after its visibility timeout,
 * and the retry skips what was recorded. After `maxDequeueCount` tries the message lands in the poison queue;
 * `settlePoisonedSlice` records the failing workspaces as failed and the chain goes on without them.
 * The workspaces come from the run's plan in the ledger: Resource Graph is queried once, when the run is planned.
 */
import pLimit from 'p-limit';
import { AppError } from '../errors.js';
import type { GovernOptions } from '../governance/governResource.js';
import type { Log } from '../shared/log.js';
import { closeRunIfDone, subscriptionProblem } from './closeRun.js';
import type { SliceLimits, SweepDeps } from './deps.js';
import type { FailingWorkspace, SweepRun, SweepSlice, SweepSliceMessage, WorkspaceSweepResult } from './ports.js';
import { emptyCounts } from './sweepReport.js';
import { sweepWorkspace, withResourceGroupCache } from './sweepWorkspace.js';
import { withOnlineFollowUps } from './onlineEndpointSweep.js';

/** A queue function's timeout is 10 minutes (host.json): a slice stops starting workspaces after 4. */
export const DEFAULT_SLICE_LIMITS: SliceLimits = { maxWorkspaces: 100, budgetMs: 4 * 60_000, concurrency: 8 };

export type SliceOutcome =
  /** The message is a duplicate or a leftover: its slice has moved on, or the run is gone. */
  | { readonly kind: 'stale'; readonly why: string }
  | { readonly kind: 'continued'; readonly swept: number; readonly left: number }
  | { readonly kind: 'done'; readonly swept: number; readonly closedRun: boolean }
  /** A poisoned slice: its failing workspaces recorded as failed, the chain sent on. */
  | { readonly kind: 'settled'; readonly failed: number };

interface Located {
  readonly run: SweepRun;
  readonly slice: SweepSlice;
}

/** The run and slice a message is for, or why it is stale. A run whose slices are all done is closed on the way. */
async function locate(deps: SweepDeps, log: Log, message: SweepSliceMessage): Promise<Located | { readonly stale: string }> {
  const run = await deps.ledger.run(message.runId, message.startedAt);
  if (run === undefined) return { stale: `run ${message.runId} is not in the ledger` };
  if (run.status === 'Completed') return { stale: `run ${run.runId} is complete` };
  const slice = (await deps.ledger.slices(run)).find((candidate) => candidate.subscriptionId.toLowerCase() === message.subscriptionId.toLowerCase());
  if (slice === undefined) return { stale: `run ${run.runId} does not cover subscription ${message.subscriptionId}` };
  if (slice.status === 'Done' || slice.seq !== message.seq) {
    // A run left open by a close that failed after this slice finished is closed by whichever message comes by.
    if (slice.status === 'Done') await closeRunIfDone(deps, log, run);
    return { stale: `slice ${message.seq} of ${message.subscriptionId} has moved on (now ${slice.status === 'Done' ? 'done' : `at ${slice.seq}`})` };
  }
  return { run, slice };
}

export async function sweepSlice(deps: SweepDeps, log: Log, message: SweepSliceMessage): Promise<SliceOutcome> {
  const limits = deps.sliceLimits;
  const located = await locate(deps, log, message);
  if ('stale' in located) {
    log.info(`Compliance sweep: message ignored: ${located.stale}`);
    return { kind: 'stale', why: located.stale };
  }
  const { run, slice } = located;
  const started = performance.now();
  const recorded = await deps.ledger.results(run, slice.subscriptionId);
  const remaining = (await deps.ledger.plannedWorkspaces(run, slice.subscriptionId)).filter((workspace) => !recorded.has(workspace.id.toLowerCase()));
  const batch = remaining.slice(0, limits.maxWorkspaces);

  const governance = withResourceGroupCache(withOnlineFollowUps(deps.governance, run.notify));
  const governOptions: GovernOptions = { source: 'sweep', correlationId: run.runId, modeOverride: run.mode === 'policy' ? undefined : run.mode, dryRun: false };
  const limit = pLimit(limits.concurrency);
  const failing: FailingWorkspace[] = [];
  const finished: WorkspaceSweepResult[] = [];
  await Promise.all(
    batch.map((workspace) =>
      limit(async () => {
        if (performance.now() - started > limits.budgetMs) return;
        const result = await sweepWorkspace(workspace, governance, governOptions, log);
        if (result.status === 'failed') failing.push({ workspaceId: result.workspaceId, workspaceName: result.workspaceName, error: result.error ?? 'failed' });
        else finished.push(result);
      }),
    ),
  );
  // Recorded together (Table transactions of 100): a message that dies before this sweeps its slice again, which
  // audit repeats harmlessly and enforce finds already fixed.
  await deps.ledger.record(run, finished, deps.now());
  const swept = finished.length;

  const workspacesDone = recorded.size + swept;
  const where = `Compliance sweep ${run.runId}: subscription ${slice.subscriptionId} slice ${slice.seq}`;
  if (failing.length > 0) {
    await deps.ledger.moveSlice(run, slice.subscriptionId, slice.seq, { seq: slice.seq, status: 'Running', failing, workspacesDone }, deps.now());
    // Failing the message is the retry: the queue shows it again, and after maxDequeueCount tries it is poison.
    throw new AppError('UpstreamTransient', `${where}: ${failing.length} workspace(s) failed (${failing.map((workspace) => workspace.workspaceName).join(', ')}); the slice is tried again`, {
      module: 'sweep',
    });
  }
  const left = remaining.length - swept;
  const next = slice.seq + 1;
  if (left === 0) {
    if (!(await deps.ledger.moveSlice(run, slice.subscriptionId, slice.seq, { seq: next, status: 'Done', failing: [], workspacesDone }, deps.now()))) {
      return { kind: 'stale', why: 'another message moved the slice first' };
    }
    log.info(`${where}: ${swept} workspace(s) swept, ${workspacesDone} in all; subscription done`);
    return { kind: 'done', swept, closedRun: (await closeRunIfDone(deps, log, run)) !== undefined };
  }
  if (!(await deps.ledger.moveSlice(run, slice.subscriptionId, slice.seq, { seq: next, status: 'Running', failing: [], workspacesDone }, deps.now()))) {
    return { kind: 'stale', why: 'another message moved the slice first' };
  }
  await deps.slices.send({ runId: run.runId, startedAt: run.startedAt, subscriptionId: slice.subscriptionId, seq: next });
  log.info(`${where}: ${swept} workspace(s) swept, ${left} left; continued as slice ${next}`);
  return { kind: 'continued', swept, left };
}

/**
 * A slice message that failed `maxDequeueCount` times (queue `aml-warden-sweep-slices-poison`): its failing
 * workspaces are recorded as failed and the chain goes on. A slice that failed with no workspace to blame (its
 * subscription's slice could not be read or moved) records the subscription as the problem and ends.
 */
export async function settlePoisonedSlice(deps: SweepDeps, log: Log, message: SweepSliceMessage): Promise<SliceOutcome> {
  const located = await locate(deps, log, message);
  if ('stale' in located) {
    log.info(`Compliance sweep: poisoned message ignored: ${located.stale}`);
    return { kind: 'stale', why: located.stale };
  }
  const { run, slice } = located;
  const now = deps.now();
  const failed = (workspace: FailingWorkspace): WorkspaceSweepResult => ({
    workspaceId: workspace.workspaceId,
    workspaceName: workspace.workspaceName,
    subscriptionId: slice.subscriptionId,
    status: 'failed',
    error: workspace.error,
    counts: emptyCounts(),
    byRule: {},
    lines: [],
  });
  const where = `Compliance sweep ${run.runId}: subscription ${slice.subscriptionId} slice ${slice.seq}`;
  const next = slice.seq + 1;
  if (slice.failing.length === 0) {
    // Nothing to blame but the slice itself (the ledger could not be read or written): the subscription is the problem.
    const error = 'the subscription could not be swept: its slice failed on every try (see the function log)';
    await deps.ledger.record(run, [subscriptionProblem(slice.subscriptionId, 'failed', error)], now);
    if (!(await deps.ledger.moveSlice(run, slice.subscriptionId, slice.seq, { seq: next, status: 'Done', failing: [], workspacesDone: slice.workspacesDone }, now))) {
      return { kind: 'stale', why: 'another message moved the slice first' };
    }
    log.warn(`${where} failed on every try; the subscription is reported as failed`);
    return { kind: 'done', swept: 0, closedRun: (await closeRunIfDone(deps, log, run)) !== undefined };
  }
  await deps.ledger.record(run, slice.failing.map(failed), now);
  const workspacesDone = slice.workspacesDone + slice.failing.length;
  if (!(await deps.ledger.moveSlice(run, slice.subscriptionId, slice.seq, { seq: next, status: 'Running', failing: [], workspacesDone }, now))) {
    return { kind: 'stale', why: 'another message moved the slice first' };
  }
  await deps.slices.send({ runId: run.runId, startedAt: run.startedAt, subscriptionId: slice.subscriptionId, seq: next });
  log.warn(`${where} failed on every try; ${slice.failing.map((workspace) => workspace.workspaceId).join(', ')} reported as failed; continued as slice ${next}`);
  return { kind: 'settled', failed: slice.failing.length };
}
