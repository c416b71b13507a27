/**
 * complianceSweep — timer (NCRONTAB from `AML_WARDEN_SWEEP_SCHEDULE`, default every 6 hours) that
 * runs the compliance sweep use case.
 */
import { app, type InvocationContext } from '@azure/functions';

export async function complianceSweepHandler(timer: unknown, context: InvocationContext): Promise<void> {
  const isPastDue = typeof timer === 'object' && timer !== null && 'isPastDue' in timer && timer.isPastDue === true;
  if (isPastDue) context.warn('Compliance sweep is running late (the previous schedule was missed)');
  const { runSweep } = await import('../app/sweep.js');
  await runSweep(context);
}

app.timer('complianceSweep', {
  // Resolved by the host from the app setting, so the schedule changes without a redeploy.
  schedule: '%AML_WARDEN_SWEEP_SCHEDULE%',
  handler: complianceSweepHandler,
});
