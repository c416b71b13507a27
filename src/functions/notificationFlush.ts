/**
 * notificationFlush — timer (NCRONTAB from `AML_WARDEN_FLUSH_SCHEDULE`, default every minute) that sends one
 * summary for each closed burst window of failed runs whose folded failures no message reported yet. The
 * windows are in Table Storage and claimed conditionally, so any number of instances can run it.
 */
import { app, type InvocationContext } from '@azure/functions';
import { timerScheduleBinding } from '../settingDefaults.js';

export async function notificationFlushHandler(_timer: unknown, context: InvocationContext): Promise<void> {
  const [{ getServices }, { flushBurstWindows }, { isAppError }, { plainLog }] = await Promise.all([
    import('../services.js'),
    import('../runNotifications/flushBurstWindows.js'),
    import('../errors.js'),
    import('../shared/forLog.js'),
  ]);
  let services;
  try {
    services = await getServices();
  } catch (error) {
    // A misconfigured app says why once per tick (and /api/health answers 503) instead of failing obscurely.
    if (isAppError(error) && (error.code === 'ConfigurationError' || error.code === 'PolicyFileError')) {
      context.error(`Notification flush not configured: ${error.message}`);
      return;
    }
    throw error;
  }
  const outcome = await flushBurstWindows(services, plainLog(context));
  if (outcome.sent + outcome.failed > 0) context.log(`Burst summaries: ${outcome.sent} sent, ${outcome.failed} not sent`);
}

app.timer('notificationFlush', {
  schedule: timerScheduleBinding('AML_WARDEN_FLUSH_SCHEDULE'),
  handler: notificationFlushHandler,
});
