/**
 * A throttled call whose Retry-After is longer than an invocation may wait fails at once as transient
 * (so Event Grid redelivers later); a short Retry-After is still waited out and retried.
 */
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { ArmRequester, armUrl, type ArmPipelineClient } from '../../src/adapters/arm/armRequest.js';
import { fromAzureError } from '../../src/adapters/azureErrors.js';
import { LocalIdpCredential } from '../../src/adapters/identity/credential.js';
import { ARM_SCOPE, createMachineLearningClientFactory, type MachineLearningClientFactory } from '../../src/adapters/arm/machineLearning.js';
import { AppError } from '../../src/errors.js';
import { createHttpClient } from '../../src/adapters/http/httpClient.js';
import { createSecretStore } from '../../src/adapters/keyvault/secrets.js';

const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
const COMPUTE_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo/computes/cpu-cluster`;
const THROTTLED = { error: { code: 'TooManyRequests', message: 'throttled' } };

let emulator: RunningEmulator;
let credential: LocalIdpCredential;
let clients: MachineLearningClientFactory;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'playground' });
  credential = new LocalIdpCredential(`${emulator.url}/idp`, createHttpClient({ timeoutMs: 5_000, ca: emulator.caPem }));
  clients = createMachineLearningClientFactory({ armEndpoint: emulator.url, credential, timeoutMs: 5_000, ca: emulator.caPem });
  // Token and client are fetched before each test resets the call log.
  await (await clients(SUBSCRIPTION)).computeOperations.get('rg-mlops-demo', 'mlw-demo', 'cpu-cluster');
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(() => {
  emulator.resetCalls();
});

/** Statuses the emulator answered for `path` (a regular expression source, anchored at both ends). */
function statusesOf(path: string): number[] {
  const pattern = new RegExp(`^${path}$`, 'i');
  return emulator
    .calls()
    .filter((call) => pattern.test(call.path))
    .map((call) => call.status);
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (reason: unknown) => reason,
  );
}

function throttle(path: string, retryAfter: string, times = 1): void {
  emulator.injectFault({ method: 'GET', path: `${path}$`, status: 429, headers: { 'retry-after': retryAfter }, body: THROTTLED, times });
}

describe('Azure ML client under a long Retry-After', () => {
  it('fails a compute read as transient after one request when Retry-After is 120 s', async () => {
    throttle(COMPUTE_PATH, '120');
    const client = await clients(SUBSCRIPTION);
    const error = fromAzureError(await failureOf(client.computeOperations.get('rg-mlops-demo', 'mlw-demo', 'cpu-cluster')), "Reading compute 'cpu-cluster'", {
      module: 'test',
    });
    expect(error.code).toBe('UpstreamTransient');
    expect(error.transient).toBe(true);
    expect(error.message).toContain('429');
    expect(statusesOf(COMPUTE_PATH)).toEqual([429]);
  });

  it('fails as transient after one request when Retry-After is an HTTP date an hour away', async () => {
    throttle(COMPUTE_PATH, new Date(Date.now() + 3_600_000).toUTCString());
    const client = await clients(SUBSCRIPTION);
    const error = fromAzureError(await failureOf(client.computeOperations.get('rg-mlops-demo', 'mlw-demo', 'cpu-cluster')), 'Reading compute', { module: 'test' });
    expect(error.code).toBe('UpstreamTransient');
    expect(statusesOf(COMPUTE_PATH)).toEqual([429]);
  });

  it('fails a 503 with a long Retry-After as transient without retrying it', async () => {
    emulator.injectFault({ method: 'GET', path: `${COMPUTE_PATH}$`, status: 503, headers: { 'retry-after': '600' }, times: 1 });
    const client = await clients(SUBSCRIPTION);
    const error = fromAzureError(await failureOf(client.computeOperations.get('rg-mlops-demo', 'mlw-demo', 'cpu-cluster')), 'Reading compute', { module: 'test' });
    expect(error.code).toBe('UpstreamTransient');
    expect(statusesOf(COMPUTE_PATH)).toEqual([503]);
  });

  it('still waits out a 1 s Retry-After and retries the compute read to success', async () => {
    throttle(COMPUTE_PATH, '1');
    const client = await clients(SUBSCRIPTION);
    const compute = await client.computeOperations.get('rg-mlops-demo', 'mlw-demo', 'cpu-cluster');
    expect(compute.name).toBe('cpu-cluster');
    expect(statusesOf(COMPUTE_PATH)).toEqual([429, 200]);
  });
});

describe('ArmRequester under a long Retry-After', () => {
  const call = () => ({ subscriptionId: SUBSCRIPTION, method: 'GET' as const, url: armUrl(emulator.url, COMPUTE_PATH, '2023-04-01'), what: "Reading compute 'cpu-cluster'" });

  it("fails as transient after one request over the app's client when Retry-After is 120 s", async () => {
    throttle(COMPUTE_PATH, '120');
    const requester = new ArmRequester({ clientFor: clients });
    const error = await failureOf(requester.send(call()));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UpstreamTransient');
    expect((error as AppError).message).toContain('429');
    expect(statusesOf(COMPUTE_PATH)).toEqual([429]);
  });

  it("retries over the app's client when Retry-After is 1 s and returns the compute", async () => {
    throttle(COMPUTE_PATH, '1');
    const requester = new ArmRequester({ clientFor: clients });
    const answer = await requester.send(call());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ name: 'cpu-cluster' });
    expect(statusesOf(COMPUTE_PATH)).toEqual([429, 200]);
  });

  describe('with a pipeline that does not retry, so its own loop decides', () => {
    let bare: ArmPipelineClient;
    beforeAll(() => {
      bare = new AzureMachineLearningWorkspaces(credential, SUBSCRIPTION, {
        endpoint: emulator.url,
        credentialScopes: [ARM_SCOPE],
        tlsOptions: { ca: emulator.caPem },
        retryOptions: { maxRetries: 0 },
      });
    });

    it('does not sleep through a 120 s Retry-After: one request, then a transient failure', async () => {
      throttle(COMPUTE_PATH, '120');
      const waits: number[] = [];
      const requester = new ArmRequester({ clientFor: async () => bare, sleep: async (ms) => void waits.push(ms) });
      const error = await failureOf(requester.send(call()));
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('UpstreamTransient');
      expect(waits).toEqual([]);
      expect(statusesOf(COMPUTE_PATH)).toEqual([429]);
    });

    it('waits a 1 s Retry-After and retries to success', async () => {
      throttle(COMPUTE_PATH, '1');
      const waits: number[] = [];
      const requester = new ArmRequester({ clientFor: async () => bare, sleep: async (ms) => void waits.push(ms) });
      const answer = await requester.send(call());
      expect(answer.status).toBe(200);
      expect(waits).toEqual([1000]);
      expect(statusesOf(COMPUTE_PATH)).toEqual([429, 200]);
    });
  });
});

describe('Key Vault secrets under a long Retry-After', () => {
  it('fails a secret read as transient after one request when Retry-After is 120 s', async () => {
    const secrets = createSecretStore({ keyVaultUrl: emulator.url, credential, credentialKind: 'local', ttlSeconds: 300, timeoutMs: 5_000, ca: emulator.caPem });
    // Warm the client (its first request is the unauthenticated challenge) on another secret.
    await secrets.getSecret('github-token');
    emulator.resetCalls();
    throttle('/secrets/ado-pat/?', '120');
    const error = await failureOf(secrets.getSecret('ado-pat'));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UpstreamTransient');
    expect(statusesOf('/secrets/ado-pat/?')).toEqual([429]);
  });
});
