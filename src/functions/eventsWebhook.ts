/**
 * eventsWebhook — `POST /api/events`: Event Grid (Event Grid schema or CloudEvents 1.0) delivering
 * to a plain webhook. Answers both validation handshakes, authenticates every delivery, then hands
 * each event to `routeEvent`. A transient failure answers 503 so Event Grid redelivers.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { EventOutcome } from '../eventIntake/routeEvent.js';
import { AppError, ensureError, isAppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvent.js';
import type { DroppedEvent } from '../eventIntake/droppedEvent.js';
import type { EventLog } from '../shared/eventLog.js';
import { plainLog } from '../shared/forLog.js';
import type { DeliveryAuth } from '../http/authenticateDelivery.js';
import { answerAbuseProtectionHandshake } from '../http/cloudEventsHandshake.js';
import { httpHandler } from '../http/httpHandler.js';
import { defaultMaxBodyBytes, readJsonBody } from '../http/readJsonBody.js';

const functionName = 'eventsWebhook';

export interface EventsWebhookDeps {
  readonly auth: DeliveryAuth;
  /** The most events one delivery may carry. */
  readonly maxEvents: number;
  route(event: DomainEvent, log: EventLog): Promise<EventOutcome>;
  countDropped(dropped: DroppedEvent): void;
}

/** Production wiring from the app's services. Loaded on first use to keep the entry light. */
async function defaultDeps(): Promise<EventsWebhookDeps> {
  const [{ getServices }, { routeEvent }, { countDroppedEvent }] = await Promise.all([
    import('../services.js'),
    import('../eventIntake/routeEvent.js'),
    import('../eventIntake/droppedEvent.js'),
  ]);
  const services = await getServices();
  const { settings } = services.config;
  return {
    maxEvents: settings.eventsMaxBatch,
    auth: {
      bearer: settings.auth,
      requiredRole: settings.eventsRole,
      sharedKeySecretName: settings.eventsSecretName,
      getSecret: (name) => services.secrets.getSecret(name),
      fetchJson: (url) => services.http.getJson(url),
    },
    route: routeEvent,
    countDropped: (dropped) => countDroppedEvent(services.telemetry, dropped, functionName),
  };
}

async function routeAll(events: readonly DomainEvent[], log: EventLog, deps: EventsWebhookDeps) {
  const results: { id: string; type: string; handled: boolean; reason: string }[] = [];
  for (const event of events) {
    try {
      const outcome = await deps.route(event, log);
      results.push({ id: event.id, type: event.type, handled: outcome.handled, reason: outcome.reason });
    } catch (error) {
      // Transient: fail the whole delivery (503) so Event Grid redelivers it; dedup makes the repeat safe.
      if (isAppError(error) && error.transient) throw error;
      const reason = isAppError(error) ? error.code : 'Internal';
      log.warn(`Dropped event ${event.id} (${event.type}): ${ensureError(error).message}`);
      deps.countDropped({ eventId: event.id, eventType: event.type, reason });
      results.push({ id: event.id, type: event.type, handled: false, reason: `dropped: ${reason}` });
    }
  }
  return results;
}

export function createEventsWebhookHandler(loadDeps: () => Promise<EventsWebhookDeps> = defaultDeps) {
  return httpHandler(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    // Unauthenticated on purpose: Event Grid sends this OPTIONS without any configured delivery
    // headers or token, it only echoes the caller's origin, and every delivery that follows is
    // authenticated.
    if (request.method === 'OPTIONS') return answerAbuseProtectionHandshake(request);

    const deps = await loadDeps();
    const [{ authenticateDelivery }, { parseDelivery }] = await Promise.all([
      import('../http/authenticateDelivery.js'),
      import('../events/parseDelivery.js'),
    ]);
    // Before reading the body: strangers get a 401, not a parser.
    await authenticateDelivery(request, deps.auth);
    const body = await readJsonBody(request, { maxBytes: defaultMaxBodyBytes });
    // Counted before anything is parsed: a delivery larger than Event Grid's own batches is not Event Grid's.
    if (Array.isArray(body) && body.length > deps.maxEvents) {
      throw new AppError('PayloadTooLarge', `a delivery carries at most ${deps.maxEvents} events (Event Grid's largest batch); this one carries ${body.length}`, {
        target: 'body',
        module: 'events',
      });
    }
    const events = parseDelivery(body);

    const validation = events.find((event) => event.kind === 'SubscriptionValidation');
    if (validation?.kind === 'SubscriptionValidation') {
      plainLog(context).info(`Event Grid subscription validation ${validation.id} for ${validation.source || '(no topic)'}`);
      return { status: 200, jsonBody: { validationResponse: validation.data.validationCode } };
    }

    return { status: 200, jsonBody: { received: events.length, events: await routeAll(events, plainLog(context), deps) } };
  });
}

export const eventsWebhookHandler = createEventsWebhookHandler();

app.http(functionName, {
  route: 'events',
  methods: ['POST', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: eventsWebhookHandler,
});
