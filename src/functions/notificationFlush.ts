/**
 * notificationFlush — Storage queue `aml-warden-burst-flush`: a message each burst window of failed runs sends
 * itself, due when the window closes. Sends one summary for each closed window whose folded failures no message
 * reported yet; the windows are claimed conditionally, so any number of instances can run it.
 */
import { app, type InvocationContext } from '@azure/functions';
import { QUEUE_CONNECTION, queueNames } from '../queueNames.js';
import { retriedByQueue } from './transientFailure.js';

export async function notificationFlushHandler(message: unknown, context: InvocationContext): Promise<void> {
  const [{ getApp }, { flushDueWindows }, { plainLog }] = await Promise.all([
    import('../composition.js'),
    import('../runNotifications/flushBurstWindows.js'),
    import('../shared/log.js'),
  ]);
  const due: unknown = typeof message === 'object' && message !== null ? Reflect.get(message, 'due') : undefined;
  const dueAt = typeof due === 'string' && !Number.isNaN(Date.parse(due)) ? new Date(due) : undefined;
  await retriedByQueue(context, 'Burst summaries', async () => {
    const outcome = await flushDueWindows((await getApp()).runNotifications, plainLog(context), dueAt);
    if (outcome.sent + outcome.failed > 0) context.log(`Burst summaries: ${outcome.sent} sent, ${outcome.failed} not sent`);
  });
}

app.storageQueue('notificationFlush', { queueName: queueNames.burstFlush, connection: QUEUE_CONNECTION, handler: notificationFlushHandler });
