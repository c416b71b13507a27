/**
 * What the app's functions print on the offline host, as `npm start` shows it: an event's decision is one line with
 * the event's id; an expected transient failure (a 429, a 503) is one warning line saying what retries it, and the
 * invocation fails without a stack trace; any other failure keeps its stack. The real app, its emulator and Azurite.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { retrainedModelsPolicy } from '../../dev/playgroundPolicy.js';
import { FunctionInvocationError } from '../../dev/host/functionInvoker.js';
import type { FunctionsHost } from '../../dev/host/host.js';
import { modelRegisteredEvent, seedModelVersion, startEventsTestbed, WORKSPACE_ID, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { pendingComputeRequest } from '../helpers/computeRequestFixture.js';

let bed: EventsTestbed;
let host: FunctionsHost;

beforeAll(async () => {
  bed = await startEventsTestbed({ policy: retrainedModelsPolicy, host: true });
  if (bed.host === undefined) throw new Error('the testbed started no host');
  host = bed.host;
});

afterAll(async () => {
  await bed?.close();
});

/** A line the host printed, without its timestamp. */
const text = (line: string): string => line.replace(/^\[[^\]]+\] /, '');

/** The host's lines of the one invocation of a function that printed `marker`, from `Executing` to its exception, if any. */
function invocationLines(functionName: string, marker: string, from = 0): string[] {
  const lines = bed.hostLog.slice(from).map(text);
  const executing = lines.flatMap((line, index) => (line.startsWith(`Executing 'Functions.${functionName}'`) ? [index] : []));
  for (const start of executing) {
    const id = /Id=([0-9a-f-]+)\)$/.exec(lines[start] ?? '')?.[1] ?? '';
    const end = lines.findIndex((line, index) => index > start && line.startsWith(`Executed 'Functions.${functionName}'`) && line.includes(`Id=${id},`));
    if (end < 0) continue;
    const own = lines.slice(start, end + 1);
    const exception = lines[end + 1]?.startsWith(`Exception while executing function: Functions.${functionName}.`) ? [lines[end + 1] ?? ''] : [];
    if (own.some((line) => line.includes(marker))) return [...own, ...exception];
  }
  return [];
}

/** Stack frames (`    at …`) anywhere in these entries (an entry may hold several lines). */
const framesIn = (lines: readonly string[]): string[] => lines.flatMap((line) => line.split('\n')).filter((line) => /^\s+at /.test(line));

/** A ModelRegistered for a version a retraining pipeline produced: the playground policy starts pipeline 1 for it. */
async function retrainedVersion(version: string) {
  return seedModelVersion(await bed.arm(), { name: 'churn', version, experiment: 'retrain-churn', pipeline: true });
}

describe('an event on the offline host', () => {
  it("logs the decision as one line with the event's id, between the host's Executing and Executed lines", async () => {
    const id = '6f1c2a8e-4b7d-4c1e-9a35-0d2b7e8f1a01';
    expect(await bed.deliver([modelRegisteredEvent(id, await retrainedVersion('4'))])).toBe(200);

    const lines = invocationLines('amlEvents', id);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^ModelRegistered ${id} model=churn:4 → CD started on 'model-cd' \\(run \\d+\\): Azure DevOps contoso/mlops pipeline 1 https://`));
    expect(lines[2]).toMatch(/^Executed 'Functions\.amlEvents' \(Succeeded, /);
    // The ids, names and outcome are telemetry's too.
    const triggered = bed.telemetryEvents('CdTriggered').find((item) => item.properties['eventId'] === id);
    expect(triggered?.properties).toMatchObject({ modelName: 'churn', modelVersion: '4', target: 'model-cd' });
  });

  it('a throttled read (429) is one warning saying Event Grid redelivers it, the invocation fails without a stack, and the redelivery starts the run', async () => {
    const id = '6f1c2a8e-4b7d-4c1e-9a35-0d2b7e8f1a02';
    const event = modelRegisteredEvent(id, await retrainedVersion('5'));
    // ARM throttles the version's read with a wait longer than an invocation waits out.
    bed.emulator.injectFault({ method: 'GET', path: '/models/churn/versions/5$', status: 429, headers: { 'Retry-After': '120' }, times: 1 });
    const from = bed.hostLog.length;
    expect(await bed.deliver([event])).toBe(500);

    const lines = invocationLines('amlEvents', id, from);
    expect(lines).toEqual([
      expect.stringMatching(/^Executing 'Functions\.amlEvents' /),
      `ModelRegistered ${id} model=churn:5 → not done, will be retried by Event Grid redelivery: Reading model version 'churn:5' failed: 429 RetryAfterTooLong`,
      expect.stringMatching(/^Executed 'Functions\.amlEvents' \(Failed, /),
      "Exception while executing function: Functions.amlEvents. AppError: Reading model version 'churn:5' failed: 429 RetryAfterTooLong",
    ]);
    expect(framesIn(lines)).toEqual([]);

    // Event Grid delivers it again; ARM answers now.
    expect(await bed.deliver([event])).toBe(200);
    expect(invocationLines('amlEvents', 'CD started', from)[1]).toMatch(new RegExp(`^ModelRegistered ${id} model=churn:5 → CD started on 'model-cd'`));
  });

  it('a CD target that answers 503 is one warning too, and the event is not dropped', async () => {
    const id = '6f1c2a8e-4b7d-4c1e-9a35-0d2b7e8f1a03';
    bed.emulator.injectFault({ method: 'POST', path: '^/ado/contoso/mlops/_apis/pipelines/1/runs$', status: 503, times: 1 });
    const from = bed.hostLog.length;
    expect(await bed.deliver([modelRegisteredEvent(id, await retrainedVersion('6'))])).toBe(500);

    const lines = invocationLines('amlEvents', id, from);
    expect(lines.filter((line) => line.includes(id))).toEqual([
      `ModelRegistered ${id} model=churn:6 → not done, will be retried by Event Grid redelivery: Azure DevOps contoso/mlops pipeline 1 answered 503`,
    ]);
    expect(lines.at(-1)).toBe('Exception while executing function: Functions.amlEvents. AppError: Azure DevOps contoso/mlops pipeline 1 answered 503');
    expect(framesIn(lines)).toEqual([]);
    expect(bed.telemetryEvents('CdFailed').find((item) => item.properties['eventId'] === id)?.properties).toMatchObject({ retry: 'true', target: 'model-cd' });
  });
});

describe('a Storage queue message on the offline host', () => {
  it('a throttled read (429) is one warning saying the queue retries it after its visibility timeout, and the invocation fails without a stack', async () => {
    // An approved request whose provisioning message the queue hands to the app; ARM throttles the workspace's read.
    const request = { ...pendingComputeRequest, id: 'cr-throttled', computeName: 'throttled-1', workspaceId: WORKSPACE_ID, status: 'Approved' as const };
    await bed.app.computeRequests.store.create(request);
    bed.emulator.injectFault({ method: 'GET', path: '/workspaces/mlw-demo$', status: 429, headers: { 'Retry-After': '120' }, times: 1 });
    const from = bed.hostLog.length;
    await bed.app.computeRequests.provisioning.enqueue(request.id);

    const warning = "Compute request cr-throttled: provisioning → not done, will be retried by the queue after its visibility timeout (dequeue count 1): Reading workspace 'mlw-demo' failed: 429 RetryAfterTooLong";
    const lines = await vi.waitFor(
      () => {
        const found = invocationLines('computeRequestProvisioning', warning, from);
        if (found.length === 0) throw new Error('the message has not failed yet');
        return found;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(lines).toEqual([
      expect.stringMatching(/^Executing 'Functions\.computeRequestProvisioning' \(Reason='New queue message detected on 'aml-warden-provisioning'\.'/),
      warning,
      expect.stringMatching(/^Executed 'Functions\.computeRequestProvisioning' \(Failed, /),
      "Exception while executing function: Functions.computeRequestProvisioning. AppError: Reading workspace 'mlw-demo' failed: 429 RetryAfterTooLong",
    ]);
    expect(framesIn(lines)).toEqual([]);
  });

  it('a message the app never sends fails with its full stack: that failure is not expected', async () => {
    const from = bed.hostLog.length;
    await expect(host.invoke('computeRequestProvisioning', { request: 'not-an-id' })).rejects.toBeInstanceOf(FunctionInvocationError);

    const exception = bed.hostLog
      .slice(from)
      .map(text)
      .find((line) => line.startsWith('Exception while executing function: Functions.computeRequestProvisioning.'));
    expect(exception?.split('\n')[0]).toBe('Exception while executing function: Functions.computeRequestProvisioning. AppError: a provisioning message names no requestId');
    expect(framesIn([exception ?? ''])[0]).toMatch(/^\s+at provisioningMessage \(.*provisioningMessage\.ts:\d+:\d+\)$/);
  });
});
