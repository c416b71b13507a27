/**
 * notificationFlush — timer (NCRONTAB from `AML_WARDEN_FLUSH_SCHEDULE`, default every minute) that sends one
 * summary for each closed burst window of failed runs whose folded failures no message reported yet. The
 * windows are in Table Storage and claimed conditionally, so any number of instances can run it.
 */
import { app, type InvocationContext } from '@azure/functions';
import { timerScheduleBinding } from '../settingDefaults.js';

export async function notificationFlushHandler(_timer: unknown, context: InvocationContext): Promise<void> {
  const [{ appOrLogWhyNot }, { flushBurstWindows }, { plainLog }] = await Promise.all([
    import('../composition.js'),
    import('../runNotifications/flushBurstWindows.js'),
    import('../shared/log.js'),
  ]);
  const composed = await appOrLogWhyNot(context, 'Notification flush');
  if (composed === undefined) return;
  const outcome = await flushBurstWindows(composed.runNotifications, plainLog(context));
  if (outcome.sent + outcome.failed > 0) context.log(`Burst summaries: ${outcome.sent} sent, ${outcome.failed} not sent`);
}

app.timer('notificationFlush', {
  schedule: timerScheduleBinding('AML_WARDEN_FLUSH_SCHEDULE'),
  handler: notificationFlushHandler,
});
