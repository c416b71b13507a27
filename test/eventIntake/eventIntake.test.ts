/**
 * Event intake end to end: the real app on the offline host, its settings pointing at this file's emulator and
 * Azurite, fed the documented sample deliveries as Event Grid sends them — to the Event Grid triggers and to the
 * `POST /api/events` webhook.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { kindOfEventType } from '../../src/events/parseDelivery.js';
import { startEventsTestbed, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { request } from '../helpers/emulatorServices.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const ENTRY = join(repositoryRoot, 'src', 'index.ts');
const PLAYGROUND_POLICY = readFileSync(join(repositoryRoot, 'policy', 'playground.yaml'), 'utf8');
const fixturesDir = publishedFixtureUrl('events/');
const fixtureText = (name: string): string => readFileSync(new URL(name, fixturesDir), 'utf8');
const eventsIn = (name: string): Record<string, unknown>[] => {
  const body: unknown = JSON.parse(fixtureText(name));
  return (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
};

/** Every sample delivery of an event the app subscribes to, with the trigger its subscription points at. */
const deliveries = readdirSync(fixturesDir)
  .filter((name) => /^(eventgrid|cloudevents)-.+\.json$/.test(name) && !name.includes('SubscriptionValidation'))
  .sort()
  .map((name) => ({ name, functionName: name.includes('ResourceWriteSuccess') ? 'resourceEvents' : 'amlEvents' }));

const WEBHOOK_KEY = 'playground-events-webhook-key'; // the playground Key Vault's `events-webhook-key`

let bed: EventsTestbed;
let host: FunctionsHost;
const hostLog: string[] = [];

beforeAll(async () => {
  // The testbed's emulator, Azurite and settings; the app builds its own services from those settings, as deployed.
  bed = await startEventsTestbed({ policy: (url) => PLAYGROUND_POLICY.replaceAll('https://127.0.0.1:7443', url) });
  host = await startHost({
    entry: ENTRY,
    port: 0,
    timers: false,
    env: { ...bed.env, AML_WARDEN_EVENTS_SECRET_NAME: 'events-webhook-key' },
    log: (line) => hostLog.push(line),
  });
});

afterAll(async () => {
  await host?.close();
  await bed?.close();
});

/** The host's log lines from `start` on, without their timestamps. */
const appLines = (start = 0): string[] => hostLog.slice(start).map((line) => line.replace(/^\[[^\]]+\] /, ''));

/** POSTs to a path on the host, or to a full URL (the Event Grid webhook with its key). */
const post = (pathOrUrl: string, body: string, headers: Record<string, string>) =>
  fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${host.url}${pathOrUrl}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('event intake on the real app', () => {
  it('has sample deliveries for both Event Grid triggers', () => {
    expect(new Set(deliveries.map((delivery) => delivery.functionName))).toEqual(new Set(['amlEvents', 'resourceEvents']));
    expect(deliveries).toHaveLength(12);
  });

  for (const { name, functionName } of deliveries) {
    it(`accepts ${name} on ${functionName} and logs each event's decision on one line with its kind and id`, async () => {
      const contentType = name.startsWith('cloudevents-') ? 'application/cloudevents-batch+json; charset=utf-8' : 'application/json';
      const logStart = hostLog.length;
      const response = await post(host.eventGridUrl(functionName), fixtureText(name), {
        'aeg-event-type': 'Notification',
        'content-type': contentType,
      });
      expect(`${response.status} ${await response.text()}`).toBe('200 ');
      // The host answers once every invocation has finished, so this delivery's lines are all in.
      const logged = appLines(logStart);
      for (const event of eventsIn(name)) {
        const label = `${kindOfEventType(String(event['eventType'] ?? event['type']))} ${String(event['id'])} `;
        expect(logged.filter((line) => line.startsWith(label) && line.includes(' → ')).length).toBeGreaterThan(0);
      }
      // Every entry is one line: no object spread over several, no stack trace.
      expect(logged.filter((line) => line.includes('\n'))).toEqual([]);
      // A trigger answers 200 for an event it drops as malformed too; none of the samples may be.
      expect(logged.filter((line) => line.includes('→ dropped'))).toEqual([]);
    });
  }

  it('answers the Event Grid validation handshake for a trigger', async () => {
    const response = await post(host.eventGridUrl('amlEvents'), fixtureText('eventgrid-SubscriptionValidationEvent.json'), {
      'aeg-event-type': 'SubscriptionValidation',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(fixtureText('eventgrid-SubscriptionValidationResponse.json')));
  });

  it('answers the webhook validation event with its validationResponse, given the playground key', async () => {
    for (const name of ['eventgrid-SubscriptionValidationEvent.json', 'eventgrid-SubscriptionValidationEvent-2020doc.json']) {
      const response = await post('/api/events', fixtureText(name), { 'x-aml-warden-key': WEBHOOK_KEY });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(JSON.parse(fixtureText('eventgrid-SubscriptionValidationResponse.json')));
    }
  });

  it('refuses a webhook delivery without the key with 401', async () => {
    const response = await post('/api/events', fixtureText('eventgrid-SubscriptionValidationEvent.json'), {});
    expect(response.status).toBe(401);
    expect(JSON.stringify(await response.json())).not.toContain('512d38b6');
  });

  it("refuses a person's token on the webhook whatever its roles: a ComputeRequester's DatasetDriftDetected gets 403 and starts nothing", async () => {
    const minted = await request(`${bed.emulator.url}/idp/dev/token`, { method: 'POST', body: { user: 'mallory@contoso.com', roles: ['ComputeRequester'] }, ca: bed.emulator.caPem });
    const token = minted.json<{ access_token: string }>().access_token;
    const runsBefore = (await bed.adoRuns(2)).length;
    const response = await post('/api/events', fixtureText('eventgrid-DatasetDriftDetected.json'), { authorization: `Bearer ${token}` });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("a user's token is never enough");
    expect((await bed.adoRuns(2)).length).toBe(runsBefore);
  });

  it('logs an event whose id and subject hold a line break on one line, on the webhook and on the trigger', async () => {
    const [event] = eventsIn('eventgrid-ModelRegistered.json');
    const forged = (id: string) => JSON.stringify([{ ...event, id: `${id}\nFORGED Compute request approved`, subject: 'models/sklearn_regression_model:20\nFORGED Compute request approved' }]);
    const logStart = hostLog.length;
    expect((await post('/api/events', forged('forged-webhook'), { 'x-aml-warden-key': WEBHOOK_KEY })).status).toBe(200);
    expect((await post(host.eventGridUrl('amlEvents'), forged('forged-trigger'), { 'aeg-event-type': 'Notification' })).status).toBe(200);
    const lines = hostLog.slice(logStart).flatMap((line) => line.split('\n'));
    expect(lines.filter((line) => line.startsWith('FORGED'))).toEqual([]);
    expect(lines.filter((line) => line.includes('\\u000aFORGED')).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a malformed webhook delivery with 400 naming the field', async () => {
    const [event] = eventsIn('eventgrid-ModelRegistered.json');
    const broken = { ...event, data: { ModelVersion: 20 } };
    const response = await post('/api/events', JSON.stringify([broken]), { 'x-aml-warden-key': WEBHOOK_KEY });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string; target: string } };
    expect(body.error).toMatchObject({ code: 'BadRequest', target: 'body[0].data.modelName' });
    expect(body.error.message).toContain('modelName');
  });
});
