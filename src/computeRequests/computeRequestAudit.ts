/**
 * Every request and decision as a telemetry event (`ComputeRequestCreated`, `…Approved`, `…Rejected`,
 * `…Expired`, `…Provisioning`, `…Succeeded`, `…Failed`), with who and what — never secrets. The store's
 * history is the durable record; telemetry is what dashboards and alerts read.
 */
import type { Telemetry } from '../shared/telemetry.js';
import type { Actor, ComputeRequest } from './computeRequest.js';

export function auditTransition(telemetry: Telemetry, request: ComputeRequest, by: Actor): void {
  telemetry.trackEvent(`ComputeRequest${request.status === 'Pending' ? 'Created' : request.status}`, {
    requestId: request.id,
    status: request.status,
    workspaceId: request.workspaceId,
    computeName: request.computeName,
    vmSize: request.vmSize,
    requestedBy: request.requestedBy,
    by: by.name,
    ...(request.failureReason === undefined ? {} : { failureReason: request.failureReason }),
  }, { maxNodeCount: request.maxNodeCount });
}
