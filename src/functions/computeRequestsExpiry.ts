/**
 * computeRequestsExpiry — timer (NCRONTAB from `AML_WARDEN_EXPIRY_SCHEDULE`, default every 15 minutes) that expires
 * pending compute requests past the policy's window and queues again approved ones nothing is provisioning.
 */
import { app, type InvocationContext } from '@azure/functions';
import { timerScheduleBinding } from '../settingDefaults.js';

export async function computeRequestsExpiryHandler(_timer: unknown, context: InvocationContext): Promise<void> {
  const [{ appOrLogWhyNot }, { runComputeRequestWork }] = await Promise.all([import('../composition.js'), import('../computeRequests/runComputeRequestWork.js')]);
  const composed = await appOrLogWhyNot(context, 'Compute-request expiry');
  if (composed === undefined) return;
  const summary = await runComputeRequestWork(composed.computeRequests);
  if (summary.expired + summary.resumed > 0) context.log(`Compute requests: ${summary.expired} expired, ${summary.resumed} resumed`);
}

app.timer('computeRequestsExpiry', {
  schedule: timerScheduleBinding('AML_WARDEN_EXPIRY_SCHEDULE'),
  handler: computeRequestsExpiryHandler,
});
