import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { FunctionInvocationError } from '../../../dev/host/functionInvoker.js';
import { startHost, type FunctionsHost } from '../../../dev/host/host.js';
import { publishedFixtureUrl } from '../../helpers/publishedFixtures.js';

const SAMPLE_APP = 'test/fixtures/sampleApp.ts';
const EVENTS = publishedFixtureUrl('events/');

function eventFixture(name: string): string {
  return readFileSync(new URL(name, EVENTS), 'utf8');
}

function eventArray(name: string): Record<string, unknown>[] {
  return JSON.parse(eventFixture(name)) as Record<string, unknown>[];
}

interface Recorded {
  appStarts: number;
  events: { id: string; subject: string; type: string; data: Record<string, unknown>; functionName: string }[];
  timerRuns: { isPastDue: boolean; scheduleStatus: { last: string; next: string; lastUpdated: string } | null; schedule: { adjustForDST: boolean } }[];
  genericInputs: unknown[];
}

interface FunctionStatus {
  name: string;
  trigger: string;
  bindings: Record<string, unknown>[];
  invoke_url_template?: string;
}

async function recorded(host: FunctionsHost): Promise<Recorded> {
  const response = await fetch(`${host.url}/api/recorded`);
  expect(response.status).toBe(200);
  return (await response.json()) as Recorded;
}

function deliver(host: FunctionsHost, functionName: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(host.eventGridUrl(functionName), { method: 'POST', body, headers });
}

const NOTIFICATION = { 'aeg-event-type': 'Notification', 'content-type': 'application/json' };

describe('the offline host serving an app registered with @azure/functions', () => {
  let host: FunctionsHost;
  const lines: string[] = [];

  const master = () => ({ 'x-functions-key': host.keys.masterKey });
  const functionKey = () => ({ 'x-functions-key': host.keys.functionKeys['default'] ?? '' });

  beforeAll(async () => {
    host = await startHost({ entry: SAMPLE_APP, env: { SAMPLE_SCHEDULE: '*/1 * * * * *' }, timers: false, log: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await host.close();
  });

  test('GET /admin/functions shows each trigger binding as the host receives it, app settings resolved', async () => {
    const response = await fetch(`${host.url}/admin/functions`, { headers: master() });
    expect(response.status).toBe(200);
    const functions = (await response.json()) as FunctionStatus[];
    const byName = new Map(functions.map((fn) => [fn.name, fn]));
    expect([...byName.keys()].sort()).toEqual(['sampleEcho', 'sampleEvents', 'sampleFailure', 'sampleGeneric', 'sampleGreeting', 'sampleRecorded', 'sampleTimer']);

    const greeting = byName.get('sampleGreeting');
    expect(greeting?.bindings).toContainEqual(
      expect.objectContaining({ type: 'httpTrigger', direction: 'in', route: 'greetings/{name}/{id:int?}', methods: ['GET'], authLevel: 'function' }),
    );
    expect(greeting?.bindings).toContainEqual(expect.objectContaining({ name: '$return', type: 'http', direction: 'out' }));
    expect(greeting?.invoke_url_template).toBe(`${host.url}/api/greetings/{name}/{id:int?}`);
    expect(byName.get('sampleEcho')?.bindings).toContainEqual(expect.objectContaining({ type: 'httpTrigger', methods: ['POST'], authLevel: 'anonymous' }));
    expect(byName.get('sampleTimer')?.bindings).toContainEqual(expect.objectContaining({ type: 'timerTrigger', direction: 'in', schedule: '*/1 * * * * *' }));
    expect(byName.get('sampleEvents')?.trigger).toBe('eventGridTrigger');
    expect(byName.get('sampleGeneric')?.bindings).toContainEqual(expect.objectContaining({ type: 'queueTrigger', queueName: 'samples', connection: 'SampleStorage' }));
  });

  test('the host reports itself running and ran the app start hook once', async () => {
    const status = await fetch(`${host.url}/admin/host/status`, { headers: master() });
    expect(await status.json()).toMatchObject({ state: 'Running' });
    expect((await recorded(host)).appStarts).toBe(1);
  });

  test('an HTTP route binds its parameters and the query, matching the path case-insensitively', async () => {
    const response = await fetch(`${host.url}/API/Greetings/ada/42?x=1&x=2&y=z`, { headers: functionKey() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ name: 'ada', id: '42', query: { x: '1,2', y: 'z' }, method: 'GET' });

    const withoutOptional = await fetch(`${host.url}/api/greetings/grace?code=${host.keys.functionKeys['default'] ?? ''}`);
    expect(await withoutOptional.json()).toMatchObject({ name: 'grace', id: null });
    expect(lines.some((line) => line.endsWith('greeting grace'))).toBe(true);
  });

  test('a route parameter that fails its constraint does not match the route', async () => {
    const response = await fetch(`${host.url}/api/greetings/ada/not-a-number`, { headers: functionKey() });
    expect(response.status).toBe(404);
  });

  test('a function-level HTTP function needs a function key or the master key, an anonymous one none', async () => {
    expect((await fetch(`${host.url}/api/greetings/ada`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/greetings/ada`, { headers: { 'x-functions-key': host.keys.systemKeys['eventgrid_extension'] ?? '' } })).status).toBe(401);
    expect((await fetch(`${host.url}/api/greetings/ada`, { headers: master() })).status).toBe(200);
    expect((await fetch(`${host.url}/api/echo`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).not.toBe(401);
  });

  test('a JSON body round-trips through a POST function, with its status, headers and cookies', async () => {
    const response = await fetch(`${host.url}/api/echo`, {
      method: 'POST',
      body: JSON.stringify({ model: 'sklearn_regression_model', version: 20 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-sample')).toBe('echo');
    expect(response.headers.get('set-cookie')).toBe('session=abc; Path=/; HttpOnly; SameSite=Strict');
    expect(await response.json()).toEqual({ received: { model: 'sklearn_regression_model', version: 20 }, contentType: 'application/json' });
  });

  test('unknown paths, and methods a function does not accept, answer 404', async () => {
    expect((await fetch(`${host.url}/api/nowhere`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/echo`)).status).toBe(404);
    expect((await fetch(`${host.url}/elsewhere`)).status).toBe(404);
  });

  test('a handler that throws answers 500 with nothing of the error in the body, and the host logs the failure', async () => {
    const response = await fetch(`${host.url}/api/failure`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('');
    expect(lines.some((line) => line.includes("Executed 'Functions.sampleFailure' (Failed"))).toBe(true);
    // As the Functions host does, with the error the worker hands it: its message and its whole stack.
    const exception = lines.find((line) => line.includes('Exception while executing function: Functions.sampleFailure. Error: the sample failed')) ?? '';
    expect(exception.split('\n').filter((frame) => /^\s+at /.test(frame)).length).toBeGreaterThan(0);
  });

  test('an Event Grid delivery invokes the function once per event and answers 200', async () => {
    const before = (await recorded(host)).events.length;
    const events = [...eventArray('eventgrid-ModelRegistered.json'), ...eventArray('eventgrid-RunStatusChanged.json')];
    const response = await deliver(host, 'sampleEvents', JSON.stringify(events), NOTIFICATION);
    expect(response.status).toBe(200);
    const added = (await recorded(host)).events.slice(before);
    expect(added.map((event) => event.type).sort()).toEqual(['Microsoft.MachineLearningServices.ModelRegistered', 'Microsoft.MachineLearningServices.RunStatusChanged']);
    expect(added.find((event) => event.type.endsWith('ModelRegistered'))?.data).toMatchObject({ ModelName: 'sklearn_regression_model', ModelVersion: 20 });
  });

  test('a delivery with one event whose invocation throws answers 500, so Event Grid redelivers it', async () => {
    const [deployed] = eventArray('eventgrid-ModelDeployed.json');
    const failing = { ...deployed, id: 'b7a4f0c2-0000-4000-8000-000000000001', subject: 'endpoints/throw-on-purpose' };
    const response = await deliver(host, 'sampleEvents', JSON.stringify([deployed, failing]), NOTIFICATION);
    expect(response.status).toBe(500);
    expect(lines.some((line) => line.includes('refusing event b7a4f0c2-0000-4000-8000-000000000001'))).toBe(true);
  });

  test('CloudEvents 1.0 deliveries are accepted as a batch and as a single event', async () => {
    const before = (await recorded(host)).events.length;
    const batch = await deliver(host, 'sampleEvents', eventFixture('cloudevents-ModelRegistered.json'), {
      'aeg-event-type': 'Notification',
      'content-type': 'application/cloudevents-batch+json; charset=utf-8',
    });
    expect(batch.status).toBe(200);
    const single = await deliver(host, 'sampleEvents', eventFixture('cloudevents-ResourceWriteSuccess.json'), { 'content-type': 'application/cloudevents+json' });
    expect(single.status).toBe(200);
    const added = (await recorded(host)).events.slice(before);
    expect(added.map((event) => event.type)).toEqual(['Microsoft.MachineLearningServices.ModelRegistered', 'Microsoft.Resources.ResourceWriteSuccess']);
  });

  test('the subscription validation handshake answers the validation code', async () => {
    const response = await deliver(host, 'sampleEvents', eventFixture('eventgrid-SubscriptionValidationEvent.json'), {
      'aeg-event-type': 'SubscriptionValidation',
      'content-type': 'application/json',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(eventFixture('eventgrid-SubscriptionValidationResponse.json')));
  });

  test('the CloudEvents abuse-protection handshake echoes the requesting origin', async () => {
    const response = await fetch(host.eventGridUrl('sampleEvents'), {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  test('the Event Grid webhook answers 404 for a function that is not an Event Grid trigger and 400 for a body that is not an event array', async () => {
    const body = eventFixture('eventgrid-ModelRegistered.json');
    expect((await deliver(host, 'nothingHere', body, NOTIFICATION)).status).toBe(404);
    expect((await deliver(host, 'sampleTimer', body, NOTIFICATION)).status).toBe(404);
    expect((await deliver(host, 'sampleEvents', '{"id": "not-an-array"}', NOTIFICATION)).status).toBe(400);
    expect((await deliver(host, 'sampleEvents', 'not json', NOTIFICATION)).status).toBe(400);
  });

  test('the Event Grid webhook refuses a delivery without the eventgrid_extension system key, or with another key, as Azure does', async () => {
    const body = eventFixture('eventgrid-ModelRegistered.json');
    const before = (await recorded(host)).events.length;
    const bare = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=sampleEvents`, { method: 'POST', body, headers: NOTIFICATION });
    expect(bare.status).toBe(401);
    const wrong = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=sampleEvents&code=${'x'.repeat(54)}`, { method: 'POST', body, headers: NOTIFICATION });
    expect(wrong.status).toBe(401);
    // A key of the right length in characters but not in bytes is refused like any other.
    const wide = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=sampleEvents&code=${encodeURIComponent('é'.repeat(54))}`, { method: 'POST', body, headers: NOTIFICATION });
    expect(wide.status).toBe(401);
    const handshake = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=sampleEvents`, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(handshake.status).toBe(401);
    expect((await recorded(host)).events.length).toBe(before);
    // The key in the x-functions-key header works as well as in code=.
    const keyed = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=sampleEvents`, {
      method: 'POST',
      body,
      headers: { ...NOTIFICATION, 'x-functions-key': host.keys.systemKeys['eventgrid_extension'] ?? '' },
    });
    expect(keyed.status).toBe(200);
  });

  test('the admin API needs the master key, and gives the Event Grid system key to who holds it', async () => {
    expect((await fetch(`${host.url}/admin/functions`)).status).toBe(401);
    expect((await fetch(`${host.url}/admin/functions/sampleTimer`, { method: 'POST', body: '{}', headers: { 'x-functions-key': host.keys.systemKeys['eventgrid_extension'] ?? '' } })).status).toBe(401);
    const systemKey = await fetch(`${host.url}/admin/host/systemkeys/eventgrid_extension`, { headers: master() });
    expect(await systemKey.json()).toEqual({ name: 'eventgrid_extension', value: host.keys.systemKeys['eventgrid_extension'] });
  });

  test('POST /admin/functions/NAME answers 202 and runs a timer function with the timer input', async () => {
    const response = await fetch(`${host.url}/admin/functions/sampleTimer`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', ...master() } });
    expect(response.status).toBe(202);
    const runs = await vi.waitFor(
      async () => {
        const { timerRuns } = await recorded(host);
        if (timerRuns.length === 0) throw new Error('the timer function has not run yet');
        return timerRuns;
      },
      { timeout: 10_000, interval: 50 },
    );
    // Timers are off in this host, so this is the one run the admin call asked for.
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true } });
    expect(Number.isNaN(Date.parse(runs[0]?.scheduleStatus?.next ?? ''))).toBe(false);
  });

  test('POST /admin/functions/NAME passes the input to a generic function, and refuses HTTP and unknown functions', async () => {
    const response = await fetch(`${host.url}/admin/functions/sampleGeneric`, { method: 'POST', body: JSON.stringify({ input: 'from-admin' }), headers: master() });
    expect(response.status).toBe(202);
    await vi.waitFor(
      async () => {
        expect((await recorded(host)).genericInputs).toContain('from-admin');
      },
      { timeout: 10_000, interval: 50 },
    );
    expect((await fetch(`${host.url}/admin/functions/sampleEcho`, { method: 'POST', body: '{}', headers: master() })).status).toBe(400);
    expect((await fetch(`${host.url}/admin/functions/noSuchFunction`, { method: 'POST', body: '{}', headers: master() })).status).toBe(404);
  });

  test('invoke() runs a function and rejects with the invocation error when it throws', async () => {
    const result = await host.invoke('sampleGeneric', 'from-invoke');
    expect(result.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await recorded(host)).genericInputs).toContain('from-invoke');
    await expect(host.invoke('sampleEvents', { id: 'e-1', subject: 'throw', eventType: 'Sample', data: {} })).rejects.toBeInstanceOf(FunctionInvocationError);
    await expect(host.invoke('sampleEcho')).rejects.toThrow(/HTTP function/);
  });
});

describe('a second host in the same process', () => {
  let host: FunctionsHost;

  beforeAll(async () => {
    host = await startHost({ entry: SAMPLE_APP, env: { SAMPLE_SCHEDULE: '*/1 * * * * *' }, log: () => {} });
  });
  afterAll(async () => {
    await host.close();
  });

  test('serves the registry the app filled once, and runs the start hook again', async () => {
    expect(host.functions.map((fn) => fn.name)).toContain('sampleTimer');
    expect((await recorded(host)).appStarts).toBe(2);
  });

  test('refuses to load a different entry into the same process', async () => {
    await expect(startHost({ entry: 'test/fixtures/anotherApp.ts', timers: false, log: () => {} })).rejects.toThrow(/already serves the app/);
  });

  test('a timer with an every-second schedule fires on its own', async () => {
    const before = (await recorded(host)).timerRuns.length;
    await vi.waitFor(
      async () => {
        expect((await recorded(host)).timerRuns.length).toBeGreaterThanOrEqual(before + 2);
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});
