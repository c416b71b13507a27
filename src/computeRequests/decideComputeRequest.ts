/**
 * An approver decides a Pending request. A decision needs a person: an application's token, whatever app roles it
 * holds, is refused (403), so no automation can approve what a person asked for. The requester never decides their
 * own (403), compared by object id (`oid`) in the app's tenant. The decision is written only if the request is still
 * the version that was read, so of two approvals racing exactly one wins and the other gets 409 — and only the
 * winner's approval is provisioned. An approval queues its provisioning (`provisionComputeRequest`).
 */
import { AppError, ensureError } from '../errors.js';
import { plainLog } from '../shared/log.js';
import { toView, transition, type ComputeRequestStatus, type ComputeRequestView } from './computeRequest.js';
import { auditTransition } from './computeRequestAudit.js';
import type { Caller, ComputeRequestDeps } from './ports.js';
import { STALLED_AFTER_MINUTES } from './provisionComputeRequests.js';

const MODULE = 'computeRequests';

async function decide(
  deps: ComputeRequestDeps,
  caller: Caller,
  id: string,
  to: Extract<ComputeRequestStatus, 'Approved' | 'Rejected'>,
  comment: string | undefined,
): Promise<ComputeRequestView> {
  if (caller.kind !== 'user') {
    throw new AppError('Forbidden', "approving or rejecting needs a person's token (delegated), not an application's", { target: 'headers.authorization', module: MODULE });
  }
  const found = await deps.store.get(id);
  if (found === undefined) throw new AppError('NotFound', `compute request ${id} was not found`, { target: 'id', module: MODULE });
  const { request, etag } = found;
  if (request.requestedById === caller.id) {
    throw new AppError('Forbidden', 'the requester cannot decide their own compute request; another approver must', { target: 'id', module: MODULE });
  }
  const now = deps.now();
  const decided = transition(request, to, {
    by: caller,
    at: now,
    comment,
    changes: { decidedBy: caller.name, decidedAt: now.toISOString(), decisionComment: comment },
  });
  await deps.store.update(decided, etag);
  if (to === 'Rejected') await deps.store.releaseComputeName(request.workspaceId, request.computeName, request.id);
  auditTransition(deps.telemetry, decided, caller);
  await deps.notifier.decided(decided);
  if (to === 'Approved') {
    try {
      await deps.provisioning.enqueue(decided.id);
    } catch (error) {
      // The approval stands; the expiry timer resumes an approved request nobody is provisioning.
      plainLog(deps.log).warn(`Compute request ${decided.id}: approved, but its provisioning could not be queued now (${ensureError(error).message}); it is resumed within ${STALLED_AFTER_MINUTES} minutes`);
    }
  }
  return toView(decided);
}

export function approveComputeRequest(deps: ComputeRequestDeps, caller: Caller, id: string, comment?: string): Promise<ComputeRequestView> {
  return decide(deps, caller, id, 'Approved', comment);
}

export function rejectComputeRequest(deps: ComputeRequestDeps, caller: Caller, id: string, reason: string): Promise<ComputeRequestView> {
  return decide(deps, caller, id, 'Rejected', reason);
}
