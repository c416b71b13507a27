/**
 * Provisioning approved requests, in the background. All progress lives in the table, so any instance —
 * the timer on another machine, or this one after a restart — carries on where the last one stopped:
 *
 * - `Approved` → claim it (`Provisioning`, ETag-guarded: one instance wins) → one PUT through
 *   `computeOperations.beginCreateOrUpdate` with the policy's settings and tags → the operation's state stored.
 *   The name is checked right before the PUT, which also asks for `If-None-Match: *`: a compute someone created
 *   under that name since the request was filed is never overwritten; the request fails, naming it;
 * - `Provisioning` → resume the stored operation, look once → `Succeeded` / `Failed` with Azure's reason;
 *   a claim whose PUT never got recorded (a crash in between) is retried once it is stale.
 */
import { isAppError } from '../errors.js';
import { plainLog } from '../shared/log.js';
import { computeSpecFor, type ComputeSpec } from '../policy/computeRequestRules.js';
import { appActor, requestTagName, terminalStatuses, transition, type ComputeRequest } from './computeRequest.js';
import { auditTransition } from './computeRequestAudit.js';
import type { ComputeRequestDeps, ExistingCompute, ProvisioningProgress } from './ports.js';

/** A claim without a recorded operation is taken over after this long. */
const staleClaimMs = 60_000;
/** Attempts (claims) before a request that never reaches Azure is given up as Failed. */
const maxProvisioningAttempts = 5;
/** How long an approval carries its request forward in the approving process (30 looks, 2 s apart) before leaving it to the timer. */
const nudgeSteps = 30;
const nudgeIntervalMs = 2_000;

type AdvanceOutcome = 'changed' | 'waiting' | 'skipped' | 'done';

/** The cluster an approved request gets: the policy's spec plus the owner and the request's id. */
export function specForRequest(request: ComputeRequest, baseSpec: ComputeSpec): ComputeSpec {
  return { ...baseSpec, tags: { ...baseSpec.tags, owner: request.requestedBy, [requestTagName]: request.id } };
}

function isConflict(error: unknown): boolean {
  return isAppError(error) && error.code === 'Conflict';
}

async function finish(deps: ComputeRequestDeps, request: ComputeRequest, etag: string, progress: ProvisioningProgress): Promise<AdvanceOutcome> {
  const now = deps.now();
  let next: ComputeRequest;
  if (progress.kind === 'succeeded') {
    next = transition(request, 'Succeeded', { by: appActor, at: now, comment: 'the cluster exists', changes: { computeId: progress.computeId, operationState: undefined } });
  } else if (progress.kind === 'failed') {
    next = transition(request, 'Failed', { by: appActor, at: now, comment: progress.reason, changes: { failureReason: progress.reason, operationState: undefined } });
  } else {
    const operationState = progress.kind === 'running' ? progress.operationState : undefined;
    if (operationState === undefined || operationState === request.operationState) return 'waiting';
    try {
      await deps.store.update({ ...request, operationState }, etag);
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    return 'waiting';
  }
  try {
    await deps.store.update(next, etag);
  } catch (error) {
    // Another instance recorded the outcome first.
    if (isConflict(error)) return 'skipped';
    throw error;
  }
  await deps.store.releaseComputeName(request.workspaceId, request.computeName, request.id);
  auditTransition(deps.telemetry, next, appActor);
  plainLog(deps.log).info(`Compute request ${request.id}: ${next.status}${next.failureReason === undefined ? '' : ` (${next.failureReason})`}`);
  await deps.notifier.provisioned(next);
  return 'done';
}

/** Claims the request for one provisioning attempt; `undefined` when another instance holds it. */
async function claim(deps: ComputeRequestDeps, request: ComputeRequest, etag: string): Promise<{ request: ComputeRequest; etag: string } | undefined> {
  const now = deps.now();
  const attempt = request.provisioningAttempts + 1;
  const claimed = transition(request, 'Provisioning', {
    by: appActor,
    at: now,
    comment: attempt === 1 ? 'creating the cluster' : `creating the cluster (attempt ${attempt})`,
    changes: {
      provisioningAttempts: attempt,
      computeId: `${request.workspaceId}/computes/${request.computeName}`,
      operationState: undefined,
    },
  });
  try {
    const stored = await deps.store.update(claimed, etag);
    if (attempt === 1) auditTransition(deps.telemetry, claimed, appActor);
    return stored;
  } catch (error) {
    if (isConflict(error)) return undefined;
    throw error;
  }
}

/** What a compute found under the requested name means for the request: it is ours (carry on) or the name is taken. */
function progressOfExisting(request: ComputeRequest, existing: ExistingCompute): ProvisioningProgress {
  if (existing.requestId === request.id) return existing.progress;
  return { kind: 'failed', reason: nameTakenReason(request) };
}

/** Azure refused the create with 409/412: the name taken meanwhile (someone's compute), or something else (its reason). */
async function afterCreateConflict(deps: ComputeRequestDeps, request: ComputeRequest, reason: string): Promise<ProvisioningProgress> {
  const existing = await deps.gateway.findCompute(request.workspaceId, request.computeName);
  return existing === undefined ? { kind: 'failed', reason } : progressOfExisting(request, existing);
}

function nameTakenReason(request: ComputeRequest): string {
  return `the name ${request.computeName} was taken after the request was filed: a compute of that name exists in the workspace and was left as it is`;
}

async function create(deps: ComputeRequestDeps, request: ComputeRequest, etag: string): Promise<AdvanceOutcome> {
  // Re-read: location and inherited tags come from the workspace as it is now.
  const workspace = await deps.gateway.readWorkspace(request.workspaceId);
  if (workspace === undefined) return finish(deps, request, etag, { kind: 'failed', reason: 'the workspace no longer exists' });
  // Right before the PUT: a compute created under this name since the request was filed is someone else's.
  const existing = await deps.gateway.findCompute(request.workspaceId, request.computeName);
  if (existing !== undefined) return finish(deps, request, etag, progressOfExisting(request, existing));
  const spec = specForRequest(
    request,
    computeSpecFor({ workspace, computeName: request.computeName, vmSize: request.vmSize, maxNodeCount: request.maxNodeCount, vmPriority: request.vmPriority }, deps.policy),
  );
  const sent = await deps.gateway.beginCreate(workspace, request.computeName, spec);
  const progress: ProvisioningProgress = sent.kind === 'conflict' ? await afterCreateConflict(deps, request, sent.reason) : sent;
  const outcome = await finish(deps, request, etag, progress);
  return outcome === 'waiting' ? 'changed' : outcome;
}

/**
 * Moves one request as far as it can go now. Safe to run concurrently on many instances: every write is
 * conditional, and the loser of a race leaves the request to the winner.
 */
async function advanceComputeRequest(deps: ComputeRequestDeps, id: string): Promise<AdvanceOutcome> {
  const found = await deps.store.get(id);
  if (found === undefined || terminalStatuses.has(found.request.status)) return 'done';
  const { request, etag } = found;
  if (request.status === 'Approved') {
    const claimed = await claim(deps, request, etag);
    if (claimed === undefined) return 'skipped';
    return create(deps, claimed.request, claimed.etag);
  }
  if (request.status !== 'Provisioning') return 'skipped';

  if (request.operationState !== undefined) {
    return finish(deps, request, etag, await deps.gateway.track(request.workspaceId, request.computeName, request.operationState));
  }
  // Claimed, but no operation recorded: the claimer is sending the PUT, or died before recording it. Nothing
  // writes the request between the claim and recording its operation, so `updatedAt` is the claim's time.
  if (deps.now().getTime() - Date.parse(request.updatedAt) < staleClaimMs) return 'waiting';
  const existing = await deps.gateway.findCompute(request.workspaceId, request.computeName);
  if (existing !== undefined) return finish(deps, request, etag, progressOfExisting(request, existing));
  if (request.provisioningAttempts >= maxProvisioningAttempts) {
    return finish(deps, request, etag, { kind: 'failed', reason: `the cluster could not be created after ${request.provisioningAttempts} attempts` });
  }
  // Back to a fresh claim: Provisioning → Provisioning with a new attempt, ETag-guarded.
  const reclaimed = await claim(deps, request, etag);
  if (reclaimed === undefined) return 'skipped';
  return create(deps, reclaimed.request, reclaimed.etag);
}

export interface WorkSummary {
  readonly expired: number;
  /** Approved or provisioning requests nothing had moved for a while, queued again. */
  readonly resumed: number;
}

/** How long a creation is left to Azure before it is looked at again (each look is one message). */
export const FOLLOW_UP_SECONDS = 5;
/** An approved or provisioning request untouched this long has lost its message (a send that failed): it is queued again. */
export const STALLED_AFTER_MINUTES = 15;

/**
 * One provisioning step, for one queue message: moves the request as far as it can go now, and while Azure is still
 * creating the cluster, queues the next look with a delay. Safe on any number of instances: every write is
 * conditional, and a request another instance holds is left to it.
 */
export async function provisionComputeRequest(deps: ComputeRequestDeps, id: string): Promise<'finished' | 'following'> {
  const outcome = await advanceComputeRequest(deps, id);
  if (outcome === 'done' || outcome === 'skipped') return 'finished';
  await deps.provisioning.enqueue(id, FOLLOW_UP_SECONDS);
  return 'following';
}

/**
 * Queues again every approved or provisioning request nothing has moved for `STALLED_AFTER_MINUTES`: one whose
 * message was never sent (the queue was down at approval) or was lost. A request that is in fact still followed
 * gets a second message; the conditional writes keep that harmless.
 */
export async function resumeStalledRequests(deps: ComputeRequestDeps): Promise<number> {
  const stalledBefore = deps.now().getTime() - STALLED_AFTER_MINUTES * 60_000;
  let resumed = 0;
  for (const { request } of await deps.store.list({ statuses: ['Approved', 'Provisioning'] })) {
    if (Date.parse(request.updatedAt) > stalledBefore) continue;
    await deps.provisioning.enqueue(request.id);
    resumed += 1;
  }
  return resumed;
}
