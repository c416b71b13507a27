import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedEvent } from '../../../dev/emulator/context.js';
import { PLAYGROUND } from '../../../dev/emulator/seed.js';
import { startEmulator, type RunningEmulator } from '../../../dev/emulator/server.js';
import { localIdpCredential, request } from '../../helpers/emulatorServices.js';

const { subscriptionId, resourceGroup, workspace } = PLAYGROUND;
const ARM_SCOPE = 'https://management.azure.com/.default';
const workspacePath = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;

let emulator: RunningEmulator;
let client: AzureMachineLearningWorkspaces;
let token: string;
const events: EmulatedEvent[] = [];
let sink: http.Server;

async function putJob(name: string, status: string): Promise<void> {
  const response = await request(`${emulator.url}${workspacePath}/jobs/${name}?api-version=2024-04-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}` },
    body: { properties: { jobType: 'Command', experimentName: 'x', status, command: 'python train.py', environmentId: 'azureml:env:1', resources: { instanceType: 'Standard_NC24' } } },
    ca: emulator.caPem,
  });
  expect(response.status).toBe(201);
}

function statusesOf(name: string): unknown[] {
  return events.filter((event) => event.eventType === 'Microsoft.MachineLearningServices.RunStatusChanged' && event.data['runId'] === name).map((event) => event.data['runStatus']);
}

beforeAll(async () => {
  sink = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      events.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as EmulatedEvent[]));
      outgoing.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/events`;
  // The operation completes by polls alone, so what a poll sees is exact.
  emulator = await startEmulator({ port: 0, lroPolls: 2, lroCompleteAfterMs: Infinity, eventSubscriptions: [{ endpoint: url }] });
  const credential = localIdpCredential(emulator.url, emulator.caPem);
  token = (await credential.getToken(ARM_SCOPE))?.token ?? '';
  client = new AzureMachineLearningWorkspaces(credential, subscriptionId, {
    endpoint: emulator.url,
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: emulator.caPem },
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
  });
});

afterAll(async () => {
  await emulator?.close();
  await new Promise<void>((resolve) => sink?.close(() => resolve()));
});

describe('Jobs_Cancel (mfe.json 2024-04-01) through @azure/arm-machinelearning', () => {
  it('answers 202 with a Location, moves the job to CancelRequested, then Canceled when the operation completes, raising RunStatusChanged each time', async () => {
    await putJob('train-cancel', 'Running');
    const raw = await request(`${emulator.url}${workspacePath}/jobs/train-cancel/cancel?api-version=2024-04-01`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, ca: emulator.caPem });
    expect(raw.status).toBe(202);
    expect(raw.headers['location']).toMatch(/\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/mfeOperationResults\/[^/?]+\?api-version=2024-04-01$/);
    expect((await client.jobs.get(resourceGroup, workspace, 'train-cancel')).properties.status).toBe('CancelRequested');

    await putJob('train-cancel-sdk', 'Running');
    await client.jobs.beginCancelAndWait(resourceGroup, workspace, 'train-cancel-sdk', { updateIntervalInMs: 1 });
    expect((await client.jobs.get(resourceGroup, workspace, 'train-cancel-sdk')).properties.status).toBe('Canceled');
    await emulator.events.idle();
    expect(statusesOf('train-cancel-sdk')).toEqual(['Running', 'CancelRequested', 'Canceled']);
  });

  it('leaves a finished job as it is, and answers 404 for a job that does not exist', async () => {
    await putJob('train-done', 'Completed');
    await client.jobs.beginCancelAndWait(resourceGroup, workspace, 'train-done', { updateIntervalInMs: 1 });
    expect((await client.jobs.get(resourceGroup, workspace, 'train-done')).properties.status).toBe('Completed');
    await expect(client.jobs.beginCancelAndWait(resourceGroup, workspace, 'no-such-job', { updateIntervalInMs: 1 })).rejects.toMatchObject({ statusCode: 404 });
  });
});
