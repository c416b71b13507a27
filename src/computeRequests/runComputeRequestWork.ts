/** The background pass the `computeRequestsWorker` timer runs: expire what is overdue, provision what is approved, track what is running. */
import type { ComputeRequestDeps } from './ports.js';
import { expireComputeRequests } from './expireComputeRequests.js';
import { provisionComputeRequests, type WorkSummary } from './provisionComputeRequests.js';

export async function runComputeRequestWork(deps: ComputeRequestDeps): Promise<WorkSummary> {
  const expired = await expireComputeRequests(deps);
  const { advanced, failures } = await provisionComputeRequests(deps);
  if (failures > 0) deps.telemetry.trackMetric('ComputeRequestStepFailures', failures);
  return { expired, advanced, failures };
}
