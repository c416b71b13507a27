/** What the `computeRequestsExpiry` timer runs: expire what is overdue, and queue again what nothing is provisioning. */
import { expireComputeRequests } from './expireComputeRequests.js';
import type { ComputeRequestDeps } from './ports.js';
import { resumeStalledRequests, type WorkSummary } from './provisionComputeRequests.js';

export async function runComputeRequestWork(deps: ComputeRequestDeps): Promise<WorkSummary> {
  const expired = await expireComputeRequests(deps);
  const resumed = await resumeStalledRequests(deps);
  if (resumed > 0) deps.telemetry.trackMetric('ComputeRequestsResumed', resumed);
  return { expired, resumed };
}
