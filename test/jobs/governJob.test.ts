/**
 * Job governance end to end against the emulator and Azurite: RunStatusChanged(Running) → Jobs_Get → evaluation →
 * Jobs_Cancel → the owner told once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../dev/azurite.js';
import { workspaceEvent } from '../../dev/emulator/arm/resourceEvents.js';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { createJobGateway } from '../../src/adapters/arm/jobGateway.js';
import { createMachineLearningClientFactory } from '../../src/adapters/arm/machineLearning.js';
import { createOnceLedger } from '../../src/adapters/tables/onceLedger.js';
import { createStateStore } from '../../src/adapters/tables/tableState.js';
import type { RunStatusChangedEvent } from '../../src/events/domainEvent.js';
import { parseEvent } from '../../src/events/parseDelivery.js';
import { onJobStatusChanged, type JobGovernanceDeps } from '../../src/jobs/governJob.js';
import type { Notification } from '../../src/notifications/ports.js';
import type { Policy } from '../../src/policy/policySchema.js';
import { localIdpCredential, request } from '../helpers/emulatorServices.js';
import { quietLog, WORKSPACE_ID } from '../helpers/governanceKit.js';
import { policyWith } from '../policy/policyTestKit.js';

let emulator: RunningEmulator;
let azurite: AzuriteHandle;
let token: string;
let tables = 0;

beforeAll(async () => {
  [emulator, azurite] = await Promise.all([startEmulator({ port: 0, seed: 'playground', lroPolls: 0 }), startAzurite()]);
  token = (await localIdpCredential(emulator.url, emulator.caPem).getToken('https://management.azure.com/.default'))?.token ?? '';
});

afterAll(async () => {
  await Promise.all([emulator?.close(), azurite?.close()]);
});

async function putJob(name: string, tags: Record<string, string> = {}): Promise<void> {
  const response = await request(`${emulator.url}${WORKSPACE_ID}/jobs/${name}?api-version=2024-04-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}` },
    body: {
      properties: {
        jobType: 'Command',
        experimentName: 'train',
        status: 'Running',
        command: 'python train.py',
        environmentId: 'azureml:sklearn:1',
        tags,
        resources: { instanceType: 'Standard_NC24', instanceCount: 1 },
        queueSettings: { jobTier: 'Standard' },
        limits: { jobLimitsType: 'Command', timeout: 'PT1H' },
      },
    },
    ca: emulator.caPem,
  });
  expect(response.status).toBe(201);
}

async function jobStatus(name: string): Promise<unknown> {
  const response = await request(`${emulator.url}${WORKSPACE_ID}/jobs/${name}?api-version=2024-04-01`, { headers: { authorization: `Bearer ${token}` }, ca: emulator.caPem });
  return response.json<{ properties: { status: unknown } }>().properties.status;
}

function runningEvent(name: string): RunStatusChangedEvent {
  const raw = workspaceEvent(WORKSPACE_ID, 'Microsoft.MachineLearningServices.RunStatusChanged', `experiments/e/runs/${name}`, { runId: name, experimentName: 'train', runStatus: 'Running' }, new Date());
  const event = parseEvent(raw);
  if (event.kind !== 'RunStatusChanged') throw new Error(`expected RunStatusChanged, got ${event.kind}`);
  return event;
}

function cancelCalls(name: string) {
  return emulator.calls().filter((call) => call.method === 'POST' && call.path.toLowerCase().endsWith(`/jobs/${name}/cancel`));
}

function deps(policy: Policy, sent: Notification[]): JobGovernanceDeps {
  tables += 1;
  const clientFor = createMachineLearningClientFactory({ armEndpoint: emulator.url, credential: localIdpCredential(emulator.url, emulator.caPem), timeoutMs: 10_000, ca: emulator.caPem });
  const state = createStateStore({ state: { kind: 'connectionString', connectionString: azurite.connectionString }, tablePrefix: `jobs${tables}x${Math.random().toString(36).slice(2, 8)}`, timeoutMs: 10_000 });
  return {
    policy,
    jobs: createJobGateway({ armEndpoint: emulator.url, clientFor, pollIntervalMs: 1 }),
    once: createOnceLedger(state, 'ownernotices'),
    notify: async (notification) => {
      sent.push(notification);
    },
    studioUrl: 'https://ml.azure.com',
    now: () => new Date(),
  };
}

const rules = { action: 'cancel', allowedInstanceTypes: ['Standard_DS3_v2'] };
const context = { log: quietLog, dryRun: false };

describe('a job that starts running against the jobs policy', () => {
  it('is read from ARM, cancelled in enforce mode, and its owner told once with the reason; redelivery does nothing more', async () => {
    await putJob('train-big', { owner: 'scientist@contoso.com' });
    const sent: Notification[] = [];
    const governance = deps(policyWith({ mode: 'enforce', jobs: rules }), sent);
    const event = runningEvent('train-big');

    const outcome = await onJobStatusChanged(governance, event, context);
    expect(outcome.handled).toBe(true);
    expect(await jobStatus('train-big')).toBe('Canceled');
    expect(cancelCalls('train-big')).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.title).toContain('cancelled');
    expect(sent[0]?.text).toContain('Standard_NC24 is not allowed');
    expect(sent[0]?.facts).toContainEqual({ name: 'Owner', value: 'scientist@contoso.com' });
    expect(sent[0]?.facts).toContainEqual({ name: 'job.instanceType', value: 'expected Standard_DS3_v2, has Standard_NC24' });

    const again = await onJobStatusChanged(governance, event, context);
    expect(again.handled).toBe(false);
    expect(cancelCalls('train-big')).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  it('is only reported in audit mode', async () => {
    await putJob('train-audit');
    const sent: Notification[] = [];
    const outcome = await onJobStatusChanged(deps(policyWith({ mode: 'audit', jobs: rules }), sent), runningEvent('train-audit'), context);
    expect(outcome.reason).toContain('reported job train-audit');
    expect(await jobStatus('train-audit')).toBe('Running');
    expect(cancelCalls('train-audit')).toHaveLength(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.facts).toContainEqual({ name: 'Owner', value: expect.any(String) });
  });

  it('reported while the policy audits, is still cancelled once the policy enforces (one ledger entry per action)', async () => {
    await putJob('train-switch');
    const sent: Notification[] = [];
    const audited = deps(policyWith({ mode: 'audit', jobs: rules }), sent);
    expect((await onJobStatusChanged(audited, runningEvent('train-switch'), context)).reason).toContain('reported job train-switch');
    const enforced = { ...audited, policy: policyWith({ mode: 'enforce', jobs: rules }) };
    expect((await onJobStatusChanged(enforced, runningEvent('train-switch'), context)).reason).toContain('cancelled job train-switch');
    expect(await jobStatus('train-switch')).toBe('Canceled');
    expect(sent.map((notification) => notification.title)).toEqual([
      'Job train-switch breaks the jobs policy',
      'Job train-switch was cancelled: it breaks the jobs policy',
    ]);
  });

  it('is left alone when exempt, and only described in a dry run', async () => {
    await putJob('train-exempt', { 'aml-warden-exempt': '2999-12-31;benchmark' });
    await putJob('train-dry');
    const sent: Notification[] = [];
    const governance = deps(policyWith({ mode: 'enforce', jobs: rules }), sent);
    const exempt = await onJobStatusChanged(governance, runningEvent('train-exempt'), context);
    expect(exempt).toEqual({ handled: false, reason: 'exempt until 2999-12-31T23:59:59.999Z' });
    const dry = await onJobStatusChanged(governance, runningEvent('train-dry'), { log: quietLog, dryRun: true });
    expect(dry.reason).toMatch(/^would cancel job and notify/);
    expect(await jobStatus('train-exempt')).toBe('Running');
    expect(await jobStatus('train-dry')).toBe('Running');
    expect(cancelCalls('train-exempt').length + cancelCalls('train-dry').length).toBe(0);
    expect(sent).toHaveLength(0);
  });
});
