import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { routeEvent } from '../../src/eventIntake/routeEvent.js';
import type { EventOutcome } from '../../src/events/domainEvent.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvent.js';
import type { DroppedEvent } from '../../src/eventIntake/droppedEvent.js';
import { createEventsWebhookHandler, type EventsWebhookDeps } from '../../src/http/eventsWebhookController.js';
import { BearerValidator } from '../../src/http/verifyBearer.js';
import { FAKE_CLIENT_ID, FAKE_TENANT_ID, fakeTenant, type FakeTenant } from '../helpers/fakeTenant.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';

const fixturesDir = publishedFixtureUrl('events/');
const fixtureText = (name: string): string => readFileSync(new URL(name, fixturesDir), 'utf8');
/** The (first) event a fixture file holds, as sent: a batch or a single CloudEvent. */
const firstEventOf = (name: string): Record<string, unknown> => {
  const body: unknown = JSON.parse(fixtureText(name));
  const [event] = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
  if (event === undefined) throw new Error(`${name} holds no event`);
  return event;
};

const webhookKey = 'k3y-' + randomUUID();
let tenant: FakeTenant;

beforeAll(async () => {
  tenant = await fakeTenant();
});

const DELIVERY_ROLE = 'AzureEventGridSecureWebhookSubscriber';

/** Event Grid's delivery token: an application's, holding the delivery role. */
const token = (options: { audience?: string; expiresAt?: number } = {}) =>
  tenant.sign({ sub: 'eventgrid', oid: 'eventgrid-oid', roles: [DELIVERY_ROLE], idtyp: 'app', azp: '4962773b-9cdb-44cf-a8bf-237846a00ab7' }, options);

interface Harness {
  readonly handler: ReturnType<typeof createEventsWebhookHandler>;
  readonly routed: DomainEvent[];
  readonly dropped: DroppedEvent[];
}

/** What the recording route answers for every event, so a test can see the webhook report the route's outcome. */
const recordedOutcome: EventOutcome = { handled: true, reason: 'recorded by the test route' };

interface HarnessOptions extends Partial<Omit<EventsWebhookDeps, 'auth'>> {
  readonly sharedKeySecretName?: string | undefined;
  getSecret?(name: string): Promise<string>;
  /** Answers for the recording route (default `recordedOutcome`); `route` replaces the recording route instead. */
  answer?: EventsWebhookDeps['route'];
}

function harness(overrides: HarnessOptions = {}): Harness {
  const routed: DomainEvent[] = [];
  const dropped: DroppedEvent[] = [];
  const secretName = 'sharedKeySecretName' in overrides ? overrides.sharedKeySecretName : 'events-webhook-key';
  const deps: EventsWebhookDeps = {
    maxEvents: overrides.maxEvents ?? 5000,
    auth: {
      tokens: new BearerValidator(tenant.auth, (url) => tenant.fetchJson(url)),
      requiredRole: DELIVERY_ROLE,
      sharedKeySecretName: secretName,
      getSecret:
        overrides.getSecret ??
        (async (name) => {
          if (name === 'events-webhook-key') return webhookKey;
          throw new AppError('NotFound', `secret ${name} not found`);
        }),
    },
    route:
      overrides.route ??
      (async (event, log) => {
        routed.push(event);
        return overrides.answer === undefined ? recordedOutcome : overrides.answer(event, log);
      }),
    countDropped: (event) => void dropped.push(event),
  };
  return { handler: createEventsWebhookHandler(async () => deps), routed, dropped };
}

const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/events',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? { string: body } : { bytes: body },
  });

/** A real context whose log lines are kept out of the test output. */
const quietContext = () => new InvocationContext({ logHandler: () => undefined });

const withKey = { 'x-aml-warden-key': webhookKey };

const jsonOf = (response: HttpResponseInit): Record<string, unknown> => response.jsonBody as Record<string, unknown>;
const headerOf = (response: HttpResponseInit, name: string): string | undefined =>
  new Headers(response.headers as Record<string, string> | undefined).get(name) ?? undefined;

describe('eventsWebhook: CloudEvents abuse-protection handshake', () => {
  it('answers OPTIONS with WebHook-Allowed-Origin, without credentials', async () => {
    const { handler } = harness();
    const request = new HttpRequest({
      method: 'OPTIONS',
      url: 'http://127.0.0.1:7071/api/events',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    const response = await handler(request, quietContext());
    expect(response.status).toBe(200);
    expect(headerOf(response, 'WebHook-Allowed-Origin')).toBe('eventgrid.azure.net');
    expect(headerOf(response, 'WebHook-Allowed-Rate')).toBeUndefined();
  });

  it('grants any rate when one is asked for', async () => {
    const { handler } = harness();
    const request = new HttpRequest({
      method: 'OPTIONS',
      url: 'http://127.0.0.1:7071/api/events',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net', 'WebHook-Request-Rate': '120' },
    });
    expect(headerOf(await handler(request, quietContext()), 'WebHook-Allowed-Rate')).toBe('*');
  });

  it('refuses an OPTIONS that is not the handshake with 400 naming the header', async () => {
    const { handler } = harness();
    const response = await handler(new HttpRequest({ method: 'OPTIONS', url: 'http://127.0.0.1:7071/api/events' }), quietContext());
    expect(response.status).toBe(400);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'BadRequest', target: 'headers.WebHook-Request-Origin' } });
  });
});

describe('eventsWebhook: Event Grid subscription validation', () => {
  for (const name of ['eventgrid-SubscriptionValidationEvent.json', 'eventgrid-SubscriptionValidationEvent-2020doc.json']) {
    it(`${name} is answered with the documented validationResponse`, async () => {
      const { handler, routed } = harness();
      const response = await handler(post(fixtureText(name), withKey), quietContext());
      expect(response.status).toBe(200);
      expect(response.jsonBody).toEqual(JSON.parse(fixtureText('eventgrid-SubscriptionValidationResponse.json')));
      expect(routed).toEqual([]);
    });
  }

  it('needs a credential too', async () => {
    const { handler } = harness();
    const response = await handler(post(fixtureText('eventgrid-SubscriptionValidationEvent.json')), quietContext());
    expect(response.status).toBe(401);
    expect(JSON.stringify(response.jsonBody)).not.toContain('512d38b6');
  });
});

describe('eventsWebhook: authentication', () => {
  const body = fixtureText('eventgrid-ModelRegistered.json');

  it('refuses a delivery without any credential with 401 and routes nothing', async () => {
    const { handler, routed } = harness();
    const response = await handler(post(body), quietContext());
    expect(response.status).toBe(401);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'Unauthorized', message: expect.stringContaining('no credential') } });
    expect(headerOf(response, 'WWW-Authenticate')).toContain('Bearer');
    expect(routed).toEqual([]);
  });

  it('refuses a wrong shared key without revealing the right one', async () => {
    const { handler, routed } = harness();
    const response = await handler(post(body, { 'x-aml-warden-key': `${webhookKey}x` }), quietContext());
    expect(response.status).toBe(401);
    expect(jsonOf(response)).toMatchObject({ error: { message: 'the x-aml-warden-key header does not match' } });
    expect(JSON.stringify(response)).not.toContain(webhookKey);
    expect(routed).toEqual([]);
  });

  it('accepts the right shared key', async () => {
    const { handler, routed } = harness();
    const response = await handler(post(body, withKey), quietContext());
    expect(response.status).toBe(200);
    expect(routed.map((event) => event.kind)).toEqual(['ModelRegistered']);
  });

  it('refuses a shared key when no secret is configured for it', async () => {
    const { handler } = harness({ sharedKeySecretName: undefined });
    const response = await handler(post(body, withKey), quietContext());
    expect(response.status).toBe(401);
    expect(jsonOf(response)).toMatchObject({ error: { message: 'shared-key authentication is not configured' } });
  });

  it('answers 503 when the shared key cannot be read from Key Vault, so Event Grid retries', async () => {
    const { handler } = harness({
      getSecret: async () => {
        throw new AppError('UpstreamTransient', 'Key Vault did not answer');
      },
    });
    const response = await handler(post(body, withKey), quietContext());
    expect(response.status).toBe(503);
  });

  it("accepts Event Grid's token: an application's, holding the delivery role", async () => {
    const { handler, routed } = harness();
    const response = await handler(post(body, { authorization: `Bearer ${await token()}` }), quietContext());
    expect(response.status).toBe(200);
    expect(routed).toHaveLength(1);
  });

  it("refuses a user's token with 403 whatever its roles, and an application without the delivery role, routing nothing", async () => {
    const { handler, routed } = harness();
    const requester = await tenant.userToken('requester@contoso.com', ['ComputeRequester']);
    const userWithTheRole = await tenant.userToken('mallory@contoso.com', [DELIVERY_ROLE]);
    const noRoles = await tenant.userToken('nobody@contoso.com', []);
    for (const bearer of [requester, userWithTheRole, noRoles]) {
      const response = await handler(post(body, { authorization: `Bearer ${bearer}` }), quietContext());
      expect(response.status).toBe(403);
      expect(jsonOf(response)).toMatchObject({ error: { code: 'Forbidden', message: expect.stringContaining("a user's token is never enough") } });
    }
    const otherApp = await tenant.appToken('reporting-job', ['ComputeApprover']);
    const response = await handler(post(body, { authorization: `Bearer ${otherApp}` }), quietContext());
    expect(response.status).toBe(403);
    expect(jsonOf(response)).toMatchObject({ error: { message: expect.stringContaining(`need the app role ${DELIVERY_ROLE}`) } });
    expect(routed).toEqual([]);
  });

  it('refuses an expired token, a token for another audience and an unsigned token', async () => {
    const { handler, routed } = harness();
    const expired = await token({ expiresAt: Math.floor(Date.now() / 1000) - 3600 });
    const otherAudience = await token({ audience: 'api://someone-else' });
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: 'x', iss: `https://login.microsoftonline.com/${FAKE_TENANT_ID}/v2.0`, aud: FAKE_CLIENT_ID, exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    const cases: [string, string][] = [
      [expired, 'token has expired'],
      [otherAudience, 'token audience is not accepted'],
      [unsigned, 'token algorithm none is not accepted (RS256 only)'],
    ];
    for (const [bearer, reason] of cases) {
      const response = await handler(post(body, { authorization: `Bearer ${bearer}` }), quietContext());
      expect(response.status).toBe(401);
      expect(jsonOf(response)).toMatchObject({ error: { code: 'Unauthorized', message: reason } });
    }
    expect(routed).toEqual([]);
  });
});

describe('eventsWebhook: bodies', () => {
  it('refuses a body over 1 MB with 413', async () => {
    const { handler, routed } = harness();
    const big = JSON.stringify([{ padding: 'x'.repeat(1_048_576) }]);
    const response = await handler(post(big, withKey), quietContext());
    expect(response.status).toBe(413);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'PayloadTooLarge' } });
    expect(routed).toEqual([]);
  });

  it('refuses a delivery of more events than Event Grid batches with 413 saying the limit, before parsing any', async () => {
    const { handler, routed } = harness({ maxEvents: 3 });
    const event = firstEventOf('eventgrid-ModelRegistered.json');
    const four = JSON.stringify([event, event, event, { not: 'even an event' }]);
    const response = await handler(post(four, withKey), quietContext());
    expect(response.status).toBe(413);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'PayloadTooLarge', message: 'a delivery carries at most 3 events (Event Grid\'s largest batch); this one carries 4', target: 'body' } });
    expect(routed).toEqual([]);
    const three = await handler(post(JSON.stringify([event, event, event]), withKey), quietContext());
    expect(three.status).toBe(200);
  });

  it('refuses a non-JSON content type with 415', async () => {
    const { handler } = harness();
    const response = await handler(post('hello', { ...withKey, 'content-type': 'text/plain' }), quietContext());
    expect(response.status).toBe(415);
  });

  it('refuses a malformed event with 400 naming the field, and routes none of the batch', async () => {
    const { handler, routed } = harness();
    const events = JSON.parse(fixtureText('eventgrid-ModelRegistered.json')) as Record<string, unknown>[];
    const broken = structuredClone(events[0]) as Record<string, unknown>;
    delete (broken['data'] as Record<string, unknown>)['ModelName'];
    const response = await handler(post(JSON.stringify([events[0], broken]), withKey), quietContext());
    expect(response.status).toBe(400);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'BadRequest', target: 'body[1].data.modelName' } });
    expect(routed).toEqual([]);
  });

  it('refuses invalid JSON with 400', async () => {
    const { handler } = harness();
    const response = await handler(post('[{"id":', withKey), quietContext());
    expect(response.status).toBe(400);
    expect(jsonOf(response)).toMatchObject({ error: { target: 'body' } });
  });
});

describe('eventsWebhook: deliveries', () => {
  const deliveries = [
    'eventgrid-ModelRegistered.json',
    'eventgrid-ModelDeployed.json',
    'eventgrid-RunCompleted.json',
    'eventgrid-RunStatusChanged.json',
    'eventgrid-DatasetDriftDetected.json',
    'eventgrid-ResourceWriteSuccess.json',
    'cloudevents-ModelRegistered.json',
    'cloudevents-ModelDeployed.json',
    'cloudevents-RunCompleted.json',
    'cloudevents-RunStatusChanged.json',
    'cloudevents-DatasetDriftDetected.json',
    'cloudevents-ResourceWriteSuccess.json',
  ];
  for (const name of deliveries) {
    it(`${name} is accepted, routed by its kind with its id and subject, and answered with the route's outcome`, async () => {
      const { handler, routed } = harness();
      const contentType = name.startsWith('cloudevents-') ? 'application/cloudevents-batch+json; charset=utf-8' : 'application/json';
      const response = await handler(post(fixtureText(name), { ...withKey, 'content-type': contentType }), quietContext());
      expect(response.status).toBe(200);
      const sent = firstEventOf(name);
      const expectedKind = name.replace(/^(eventgrid|cloudevents)-/, '').replace(/\.json$/, '');
      expect(routed.map(({ kind, id, subject }) => ({ kind, id, subject }))).toEqual([{ kind: expectedKind, id: sent['id'], subject: sent['subject'] }]);
      expect(jsonOf(response)).toEqual({ received: 1, events: [{ id: sent['id'], type: sent['eventType'] ?? sent['type'], ...recordedOutcome }] });
    });
  }

  it('acknowledges an event of an unknown type with 200, saying it is not handled', async () => {
    const { handler, routed } = harness({
      answer: (event, log) =>
        routeEvent(event, async () => {
          throw new Error('an unknown event needs no capability');
        }, log),
    });
    const event = { id: 'e1', eventType: 'Microsoft.Storage.BlobCreated', subject: '/blobServices/default/containers/c/blobs/b', eventTime: '2024-01-01T00:00:00Z', data: {} };
    const response = await handler(post(JSON.stringify([event]), withKey), quietContext());
    expect(response.status).toBe(200);
    expect(routed.map((routedEvent) => routedEvent.kind)).toEqual(['Unknown']);
    expect(jsonOf(response)).toEqual({ received: 1, events: [{ id: 'e1', type: 'Microsoft.Storage.BlobCreated', handled: false, reason: 'event type not handled' }] });
  });

  it('answers 503 when a use case fails transiently, so Event Grid redelivers', async () => {
    const { handler, dropped } = harness({
      route: async () => {
        throw new AppError('UpstreamTransient', 'ARM answered 429');
      },
    });
    const response = await handler(post(fixtureText('eventgrid-ModelRegistered.json'), withKey), quietContext());
    expect(response.status).toBe(503);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'UpstreamTransient' } });
    expect(dropped).toEqual([]);
  });

  it('logs, counts and drops a permanent failure, still answering 200', async () => {
    const { handler, dropped } = harness({
      route: async () => {
        throw new AppError('NotFound', 'workspace not found');
      },
    });
    const response = await handler(post(fixtureText('eventgrid-RunStatusChanged.json'), withKey), quietContext());
    expect(response.status).toBe(200);
    expect(dropped).toEqual([{ eventId: '831e1650-001e-001b-66ab-eeb76e069631', eventType: 'Microsoft.MachineLearningServices.RunStatusChanged', reason: 'NotFound' }]);
    expect(jsonOf(response)).toMatchObject({ events: [{ handled: false, reason: 'dropped: NotFound' }] });
  });

  it('logs what the delivery and the use case say on single lines: an id or a message with a line break cannot forge a line', async () => {
    const lines: string[] = [];
    const context = new InvocationContext({ logHandler: (_level, ...args) => void lines.push(args.filter((arg) => typeof arg === 'string').join(' ')) });
    const { handler } = harness({
      route: async (_event, log) => {
        log.info('the use case read\nFORGED from the event');
        throw new AppError('NotFound', 'model churn\nFORGED not found');
      },
    });
    const forged = JSON.stringify([{ ...firstEventOf('eventgrid-RunStatusChanged.json'), id: 'evt-1\nFORGED id' }]);
    expect((await handler(post(forged, withKey), context)).status).toBe(200);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((line) => line.includes('\n'))).toEqual([]);
    expect(lines.some((line) => line.startsWith('RunStatusChanged evt-1\\u000aFORGED id run=') && line.includes(' → dropped (NotFound): model churn\\u000aFORGED not found'))).toBe(true);
  });
});
