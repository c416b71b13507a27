/** The work-queue adapter against Azurite's Queue service: what the Functions queue trigger will read. */
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../dev/azurite.js';
import { createWorkQueues } from '../../../src/adapters/queues/workQueues.js';
import { appErrorOf } from '../../helpers/appErrors.js';

let azurite: AzuriteHandle;
const noCredential = { getToken: async () => null };

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

describe('work queues', () => {
  it('creates a missing queue on first send and sends base64 JSON, visible at once or after its delay', async () => {
    const queues = createWorkQueues({ settings: { kind: 'connectionString', connectionString: azurite.connectionString }, credential: noCredential, timeoutMs: 5_000 });
    await queues.send('aml-warden-provisioning', { requestId: 'r-1' });
    await queues.send('aml-warden-provisioning', { requestId: 'r-2' }, { delaySeconds: 60 });
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('aml-warden-provisioning');
    const visible = await queue.receiveMessages({ numberOfMessages: 32 });
    expect(visible.receivedMessageItems.map((message) => JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8')))).toEqual([{ requestId: 'r-1' }]);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(2);
  });

  it('names the setting when no queue connection is configured', async () => {
    const queues = createWorkQueues({ settings: undefined, credential: noCredential, timeoutMs: 5_000 });
    const error = await appErrorOf(queues.send('aml-warden-burst-flush', {}));
    expect(error.code).toBe('ConfigurationError');
    expect(error.target).toBe('AML_WARDEN_QUEUE');
  });
});
