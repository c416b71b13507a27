/**
 * complianceSweep — timer (NCRONTAB from `AML_WARDEN_SWEEP_SCHEDULE`, default every 6 hours) that
 * runs the compliance sweep use case.
 */
import { app, type InvocationContext } from '@azure/functions';
import { timerScheduleBinding } from '../settingDefaults.js';

/**
 * host.json's functionTimeout is 10 minutes: stop starting workspaces after 8 so the invocation ends cleanly;
 * the sweep records progress per workspace and the next run resumes where this one stopped.
 */
const SWEEP_BUDGET_MS = 8 * 60_000;

export async function complianceSweepHandler(timer: unknown, context: InvocationContext): Promise<void> {
  const isPastDue = typeof timer === 'object' && timer !== null && 'isPastDue' in timer && timer.isPastDue === true;
  if (isPastDue) context.warn('Compliance sweep is running late (the previous schedule was missed)');
  const [{ appOrLogWhyNot }, { runSweep }, { plainLog }] = await Promise.all([import('../composition.js'), import('../sweep/sweep.js'), import('../shared/log.js')]);
  const composed = await appOrLogWhyNot(context, 'Compliance sweep: sweep');
  if (composed === undefined) return;
  await runSweep(composed.sweep, plainLog(context), { budgetMs: SWEEP_BUDGET_MS });
}

app.timer('complianceSweep', {
  schedule: timerScheduleBinding('AML_WARDEN_SWEEP_SCHEDULE'),
  handler: complianceSweepHandler,
});
