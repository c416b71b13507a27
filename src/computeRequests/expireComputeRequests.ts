/** Pending requests past the policy's window expire: recorded in the history, counted, and the requester told. */
import { isAppError } from '../errors.js';
import { appActor, transition } from './computeRequest.js';
import { auditTransition } from './computeRequestAudit.js';
import type { ComputeRequestDeps } from './ports.js';

export async function expireComputeRequests(deps: ComputeRequestDeps): Promise<number> {
  const now = deps.now();
  let expired = 0;
  for (const { request, etag } of await deps.store.list({ status: 'Pending' })) {
    if (Date.parse(request.expiresAt) > now.getTime()) continue;
    const next = transition(request, 'Expired', { by: appActor, at: now, comment: `not decided before ${request.expiresAt}` });
    try {
      await deps.store.update(next, etag);
    } catch (error) {
      // Decided (or expired by another instance) since it was listed.
      if (isAppError(error) && error.code === 'Conflict') continue;
      throw error;
    }
    expired += 1;
    await deps.store.releaseComputeName(request.workspaceId, request.computeName, request.id);
    auditTransition(deps.telemetry, next, appActor);
    await deps.notifier.decided(next);
  }
  return expired;
}
