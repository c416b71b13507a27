/**
 * Azure Machine Learning management clients (`@azure/arm-machinelearning`), one per subscription,
 * pointed at the configured ARM endpoint. The SDK is imported on first use.
 */
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { perRetryPolicies } from '../pipelinePolicies.js';

/** The real ARM scope, also when the endpoint is the local emulator: tokens are asked for ARM's audience. */
export const ARM_SCOPE = 'https://management.azure.com/.default';

export interface MachineLearningClientOptions {
  readonly armEndpoint: string;
  readonly credential: TokenCredential;
  readonly timeoutMs: number;
  readonly ca?: string | undefined;
}

export type MachineLearningClientFactory = (subscriptionId: string) => Promise<AzureMachineLearningWorkspaces>;

/**
 * Returns `createMachineLearningClient(subscriptionId)`, caching one client per subscription.
 * Retries are the SDK's: 429 and 503 wait for Retry-After, other failures back off exponentially;
 * bounded so a throttled sweep slows down rather than failing, and an outage fails within minutes.
 * A Retry-After over `MAX_RETRY_AFTER_MS` is not waited out: the call fails as transient (`retryAfterLimitPolicy`).
 */
export function createMachineLearningClientFactory(options: MachineLearningClientOptions): MachineLearningClientFactory {
  const clients = new Map<string, Promise<AzureMachineLearningWorkspaces>>();
  return (subscriptionId) => {
    const key = subscriptionId.toLowerCase();
    let client = clients.get(key);
    if (client === undefined) {
      client = import('@azure/arm-machinelearning').then(
        ({ AzureMachineLearningWorkspaces: Client }) =>
          new Client(options.credential, subscriptionId, {
            endpoint: options.armEndpoint,
            credentialScopes: [ARM_SCOPE],
            ...(options.ca === undefined ? {} : { tlsOptions: { ca: options.ca } }),
            retryOptions: { maxRetries: 6, retryDelayInMs: 1_000, maxRetryDelayInMs: 30_000 },
            additionalPolicies: perRetryPolicies(options.timeoutMs),
            userAgentOptions: { userAgentPrefix: 'aml-warden' },
          }),
      );
      client.catch(() => clients.delete(key));
      clients.set(key, client);
    }
    return client;
  };
}
