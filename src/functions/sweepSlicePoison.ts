/**
 * sweepSlicePoison — Storage queue `aml-warden-sweep-slices-poison`: a slice message that failed maxDequeueCount
 * times. Its failing workspaces are reported as failed in the run, and the subscription's chain goes on.
 */
import { app, type InvocationContext } from '@azure/functions';
import { QUEUE_CONNECTION, queueNames } from '../queueNames.js';
import { retriedByQueue } from './transientFailure.js';

export async function sweepSlicePoisonHandler(message: unknown, context: InvocationContext): Promise<void> {
  const [{ getApp }, { settlePoisonedSlice }, { parseSliceMessage }, { plainLog }] = await Promise.all([
    import('../composition.js'),
    import('../sweep/sweepSlice.js'),
    import('../sweep/sliceMessage.js'),
    import('../shared/log.js'),
  ]);
  const parsed = parseSliceMessage(message);
  // Retrying a malformed message cannot mend it: it is logged and dropped.
  if ('problem' in parsed) return context.error(`Compliance sweep: slice message dropped: ${parsed.problem}`);
  const { message: slice } = parsed;
  await retriedByQueue(context, `Compliance sweep: poisoned slice of subscription ${slice.subscriptionId}`, async () => settlePoisonedSlice((await getApp()).sweep, plainLog(context), slice));
}

app.storageQueue('sweepSlicePoison', { queueName: queueNames.sweepSlicesPoison, connection: QUEUE_CONNECTION, handler: sweepSlicePoisonHandler });
