/**
 * Planning a compliance sweep (the timer's and the CLI's part): Resource Graph lists the workspaces (one query
 * per 1,000, however many slices follow), the run is written to the ledger with its workspaces and one slice per
 * subscription, and one message per subscription starts its chain on the sweep queue. The work itself is
 * done by the slices (`sweepSlice.ts`), on as many instances as the host gives.
 *
 * A run with the same subscriptions and mode that is still moving is not planned twice; one that has not moved
 * for `STALL_MS` (a message lost between two steps) is resumed: its unfinished slices are sent again.
 */
import type { Mode } from '../policy/policySchema.js';
import type { WorkspaceResource } from '../policy/resources.js';
import type { Log } from '../shared/log.js';
import { closeRunIfDone, subscriptionProblem, sweepRunKey } from './closeRun.js';
import type { SweepDeps } from './deps.js';
import type { SweepRun } from './ports.js';

/** Longer than a slice's budget, its retries and the queue's visibility timeout together. */
export const STALL_MS = 30 * 60_000;

export interface PlanOptions {
  /** Default: the policy's `scope.subscriptions`. */
  readonly subscriptions?: readonly string[];
  /** Overrides every rule's mode: `audit` writes nothing, `enforce` writes every fixable finding. */
  readonly modeOverride?: Mode | undefined;
  /** Send the summary to the violations channel when the run completes (default true). */
  readonly notify?: boolean;
  /** Store the report with the others when the run completes (default true). */
  readonly store?: boolean;
}

export type PlanOutcome =
  | { readonly kind: 'notConfigured' }
  /** A new run, its slices sent. */
  | { readonly kind: 'planned'; readonly run: SweepRun }
  /** The same sweep is still moving: nothing was sent. */
  | { readonly kind: 'running'; readonly run: SweepRun }
  /** The same sweep had stalled: its unfinished slices were sent again. */
  | { readonly kind: 'resumed'; readonly run: SweepRun; readonly slices: number };

export async function planSweep(deps: SweepDeps, log: Log, options: PlanOptions = {}): Promise<PlanOutcome> {
  const subscriptions = options.subscriptions ?? deps.policy.scope.subscriptions;
  if (subscriptions.length === 0) {
    log.info('Compliance sweep: sweep not configured: scope.subscriptions is empty; nothing was scanned');
    return { kind: 'notConfigured' };
  }
  const mode = options.modeOverride ?? 'policy';
  const runKey = sweepRunKey(subscriptions, mode);
  const now = deps.now();
  const open = await deps.ledger.openRun(runKey, now);
  if (open !== undefined) {
    const slices = await deps.ledger.slices(open);
    const lastMove = Math.max(Date.parse(open.startedAt), ...slices.map((slice) => Date.parse(slice.updatedAt)));
    if (now.getTime() - lastMove < STALL_MS) {
      log.info(`Compliance sweep ${open.runId} is still running (${slices.filter((slice) => slice.status === 'Done').length}/${slices.length} subscription(s) done); not planned again`);
      return { kind: 'running', run: open };
    }
    const unfinished = slices.filter((slice) => slice.status === 'Running');
    for (const slice of unfinished) await deps.slices.send({ runId: open.runId, startedAt: open.startedAt, subscriptionId: slice.subscriptionId, seq: slice.seq });
    if (unfinished.length === 0) await closeRunIfDone(deps, log, open);
    log.warn(`Compliance sweep ${open.runId} had not moved since ${new Date(lastMove).toISOString()}; ${unfinished.length} subscription(s) sent again`);
    return { kind: 'resumed', run: open, slices: unfinished.length };
  }
  // Resource Graph leaves out what it cannot see: a subscription that is unknown or out of reach is a problem.
  const unreadable = await deps.inventory.unreadableSubscriptions(subscriptions);
  const isUnreadable = (id: string) => unreadable.some((problem) => problem.subscriptionId.toLowerCase() === id.toLowerCase());
  const readable = subscriptions.filter((id) => !isUnreadable(id));
  const workspaces = readable.length === 0 ? new Map<string, WorkspaceResource[]>() : await listBySubscription(deps, log, readable);
  const run = await deps.ledger.startRun({ runKey, mode, subscriptions, notify: options.notify ?? true, store: options.store ?? true }, workspaces, now);
  if (unreadable.length > 0) {
    await deps.ledger.record(run, unreadable.map((problem) => subscriptionProblem(problem.subscriptionId, 'unreadable', problem.problem)), now);
    for (const problem of unreadable) {
      await deps.ledger.moveSlice(run, problem.subscriptionId, 0, { seq: 1, status: 'Done', failing: [], workspacesDone: 0 }, now);
      log.warn(`Compliance sweep ${run.runId}: ${problem.problem}; it is reported as not swept`);
    }
  }
  for (const subscriptionId of run.subscriptions.filter((id) => !isUnreadable(id))) await deps.slices.send({ runId: run.runId, startedAt: run.startedAt, subscriptionId, seq: 0 });
  if (readable.length === 0) await closeRunIfDone(deps, log, run);
  const total = [...workspaces.values()].reduce((sum, list) => sum + list.length, 0);
  log.info(`Compliance sweep ${run.runId} planned (mode ${mode}): ${total} workspace(s) in ${readable.length} subscription(s), one chain of slices each`);
  return { kind: 'planned', run };
}

/** Every workspace of the subscriptions from Resource Graph (a query per 1,000), by lower-cased subscription id. */
async function listBySubscription(deps: SweepDeps, log: Log, subscriptions: readonly string[]): Promise<Map<string, WorkspaceResource[]>> {
  const bySubscription = new Map<string, WorkspaceResource[]>();
  for await (const page of deps.inventory.list(subscriptions)) {
    for (const problem of page.unreadable) log.warn(`Compliance sweep: Resource Graph row ${problem.id} skipped: ${problem.problem}`);
    for (const workspace of page.workspaces) {
      const key = workspace.subscriptionId.toLowerCase();
      bySubscription.set(key, [...(bySubscription.get(key) ?? []), workspace]);
    }
  }
  for (const list of bySubscription.values()) list.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  return bySubscription;
}
