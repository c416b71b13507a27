/**
 * complianceSweep — timer (NCRONTAB from `AML_WARDEN_SWEEP_SCHEDULE`, default every 6 hours) that plans the
 * compliance sweep: the run is written and one message per subscription is queued; `sweepSlice` does the work.
 */
import { app, type InvocationContext } from '@azure/functions';
import { timerScheduleBinding } from '../settingDefaults.js';

export async function complianceSweepHandler(timer: unknown, context: InvocationContext): Promise<void> {
  const isPastDue = typeof timer === 'object' && timer !== null && 'isPastDue' in timer && timer.isPastDue === true;
  if (isPastDue) context.warn('Compliance sweep is running late (the previous schedule was missed)');
  const [{ appOrLogWhyNot }, { planSweep }, { plainLog }] = await Promise.all([import('../composition.js'), import('../sweep/planSweep.js'), import('../shared/log.js')]);
  const composed = await appOrLogWhyNot(context, 'Compliance sweep: sweep');
  if (composed === undefined) return;
  await planSweep(composed.sweep, plainLog(context));
}

app.timer('complianceSweep', {
  schedule: timerScheduleBinding('AML_WARDEN_SWEEP_SCHEDULE'),
  handler: complianceSweepHandler,
});
