/**
 * computeRequestProvisioning — Storage queue `aml-warden-provisioning`: one provisioning step of an approved
 * compute request per message; while Azure creates the cluster the step queues the next look with a delay. A
 * message that keeps failing ends in `aml-warden-provisioning-poison`, and the expiry timer resumes the request.
 */
import { app, type InvocationContext } from '@azure/functions';
import { QUEUE_CONNECTION, queueNames } from '../queueNames.js';
import { retriedByQueue } from './transientFailure.js';

export async function computeRequestProvisioningHandler(message: unknown, context: InvocationContext): Promise<void> {
  const [{ getApp }, { provisionComputeRequest }, { provisioningMessage }] = await Promise.all([
    import('../composition.js'),
    import('../computeRequests/provisionComputeRequests.js'),
    import('../computeRequests/provisioningMessage.js'),
  ]);
  const { requestId } = provisioningMessage(message);
  await retriedByQueue(context, `Compute request ${requestId}: provisioning`, async () => {
    const step = await provisionComputeRequest((await getApp()).computeRequests, requestId);
    context.log(`Compute request ${requestId}: ${step === 'following' ? 'Azure is still creating the cluster; looked at again shortly' : 'provisioning step done'}`);
  });
}

app.storageQueue('computeRequestProvisioning', { queueName: queueNames.provisioning, connection: QUEUE_CONNECTION, handler: computeRequestProvisioningHandler });
