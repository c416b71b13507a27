/**
 * computeRequestsWorker — timer (NCRONTAB from `AML_WARDEN_PROVISION_SCHEDULE`, default every 10 seconds)
 * that expires Pending compute requests past the policy's window, provisions Approved ones and tracks
 * Provisioning ones to Succeeded or Failed. The state is in Table Storage, so any instance can run it.
 */
import { app, type InvocationContext } from '@azure/functions';
import { timerScheduleBinding } from '../settingDefaults.js';

export async function computeRequestsWorkerHandler(_timer: unknown, context: InvocationContext): Promise<void> {
  const [{ getApp }, { runComputeRequestWork }] = await Promise.all([import('../composition.js'), import('../computeRequests/runComputeRequestWork.js')]);
  const summary = await runComputeRequestWork((await getApp()).computeRequests);
  if (summary.expired + summary.advanced + summary.failures > 0) {
    context.log(`Compute requests: ${summary.expired} expired, ${summary.advanced} advanced, ${summary.failures} failed to advance`);
  }
}

app.timer('computeRequestsWorker', {
  schedule: timerScheduleBinding('AML_WARDEN_PROVISION_SCHEDULE'),
  handler: computeRequestsWorkerHandler,
});
