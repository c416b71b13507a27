/**
 * Sends work to the app's Storage queues (`@azure/storage-queue`, imported on first use). Messages are JSON,
 * base64-encoded as the Functions queue trigger expects by default (`messageEncoding: base64`); a delay is the
 * message's initial visibility timeout (Queue service "Put Message" `visibilitytimeout`, at most 7 days).
 * Infra creates the queues; a queue that does not exist yet (Azurite) is created on first send.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { QueueServiceClient } from '@azure/storage-queue';
import type { QueueSettings } from '../../config.js';
import { AppError } from '../../errors.js';
import { QUEUE_CONNECTION, type QueueName } from '../../queueNames.js';
import { azureErrorFacts, fromAzureError } from '../azureErrors.js';

const MODULE = 'queues';
const MAX_DELAY_SECONDS = 7 * 24 * 60 * 60;

export interface WorkQueues {
  /** Sends `message` to `queue`, visible after `delaySeconds` (default at once). */
  send(queue: QueueName, message: unknown, options?: { readonly delaySeconds?: number }): Promise<void>;
}

export interface WorkQueueOptions {
  readonly settings: QueueSettings | undefined;
  readonly credential: TokenCredential;
  readonly timeoutMs: number;
}

export function createWorkQueues(options: WorkQueueOptions): WorkQueues {
  let service: Promise<QueueServiceClient> | undefined;
  const created = new Set<string>();
  const serviceClient = (): Promise<QueueServiceClient> => {
    const { settings } = options;
    if (settings === undefined) {
      return Promise.reject(
        new AppError('ConfigurationError', `${QUEUE_CONNECTION}: set ${QUEUE_CONNECTION} (a connection string) or ${QUEUE_CONNECTION}__queueServiceUri (with the app's identity)`, {
          target: QUEUE_CONNECTION,
          module: MODULE,
        }),
      );
    }
    service ??= import('@azure/storage-queue').then(({ QueueServiceClient }) => {
      // The storage SDK's own retry policy bounds each try (its pipeline takes no core-rest-pipeline policies).
      const clientOptions = { retryOptions: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 10_000, tryTimeoutInMs: options.timeoutMs } };
      return settings.kind === 'connectionString'
        ? QueueServiceClient.fromConnectionString(settings.connectionString, clientOptions)
        : new QueueServiceClient(settings.url, options.credential, clientOptions);
    });
    service.catch(() => {
      service = undefined;
    });
    return service;
  };

  return {
    async send(queue, message, sendOptions = {}) {
      const client = (await serviceClient()).getQueueClient(queue);
      const text = Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
      const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(sendOptions.delaySeconds ?? 0)));
      const put = () => client.sendMessage(text, delaySeconds > 0 ? { visibilityTimeout: delaySeconds } : {});
      try {
        try {
          await put();
        } catch (error) {
          if (azureErrorFacts(error).statusCode !== 404 || created.has(queue)) throw error;
          await client.createIfNotExists();
          created.add(queue);
          await put();
        }
      } catch (error) {
        throw fromAzureError(error, `Sending to queue '${queue}'`, { module: MODULE });
      }
    },
  };
}
