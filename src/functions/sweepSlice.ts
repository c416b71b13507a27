/**
 * sweepSlice — Storage queue `aml-warden-sweep-slices`: one step of a subscription's sweep chain per message (a
 * bounded slice of its workspaces, then the next message). A slice whose workspaces keep failing ends in
 * `aml-warden-sweep-slices-poison` after maxDequeueCount tries.
 */
import { app, type InvocationContext } from '@azure/functions';
import { QUEUE_CONNECTION, queueNames } from '../queueNames.js';
import { retriedByQueue } from './transientFailure.js';

export async function sweepSliceHandler(message: unknown, context: InvocationContext): Promise<void> {
  const [{ getApp }, { sweepSlice }, { parseSliceMessage }, { plainLog }] = await Promise.all([
    import('../composition.js'),
    import('../sweep/sweepSlice.js'),
    import('../sweep/sliceMessage.js'),
    import('../shared/log.js'),
  ]);
  const parsed = parseSliceMessage(message);
  // Retrying a malformed message cannot mend it: it is logged and dropped.
  if ('problem' in parsed) return context.error(`Compliance sweep: slice message dropped: ${parsed.problem}`);
  const { message: slice } = parsed;
  await retriedByQueue(context, `Compliance sweep: slice of subscription ${slice.subscriptionId}`, async () => sweepSlice((await getApp()).sweep, plainLog(context), slice));
}

app.storageQueue('sweepSlice', { queueName: queueNames.sweepSlices, connection: QUEUE_CONNECTION, handler: sweepSliceHandler });
