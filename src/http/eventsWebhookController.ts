/**
 * `POST /api/events`: Event Grid (Event Grid schema or CloudEvents 1.0) delivering to a plain webhook. Answers both
 * validation handshakes, authenticates every delivery, then hands it to the intake (`intake.ts`). A transient
 * failure answers 503 so Event Grid redelivers.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AppError } from '../errors.js';
import type { DeliveryAuth } from './authenticateDelivery.js';
import { answerAbuseProtectionHandshake } from './cloudEventsHandshake.js';
import { httpHandler } from './httpHandler.js';
import { defaultMaxBodyBytes, readJsonBody } from './readJsonBody.js';
import type { IntakeDeps } from '../eventIntake/intake.js';

export interface EventsWebhookDeps extends IntakeDeps {
  readonly auth: DeliveryAuth;
  /** The most events one delivery may carry. */
  readonly maxEvents: number;
}

export function createEventsWebhookHandler(loadDeps: () => Promise<EventsWebhookDeps>) {
  return httpHandler(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    // Unauthenticated on purpose: Event Grid sends this OPTIONS without any configured delivery headers or token,
    // it only echoes the caller's origin, and every delivery that follows is authenticated.
    if (request.method === 'OPTIONS') return answerAbuseProtectionHandshake(request);

    const deps = await loadDeps();
    const [{ authenticateDelivery }, { receiveDelivery }] = await Promise.all([import('./authenticateDelivery.js'), import('../eventIntake/intake.js')]);
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
    const outcome = await receiveDelivery(body, context, deps);
    if (outcome.kind === 'validation') return { status: 200, jsonBody: { validationResponse: outcome.event.data.validationCode } };
    return { status: 200, jsonBody: { received: outcome.results.length, events: outcome.results } };
  });
}
