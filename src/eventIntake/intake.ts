/**
 * Event intake, one path for both ways events arrive — an Event Grid trigger (one event per invocation) and the
 * `POST /api/events` webhook (a delivery of many): parse → route → the drop policy.
 *
 * - A malformed event: a trigger cannot refuse it, so it is dropped (logged, counted); the webhook refuses the
 *   whole delivery with 400 naming the field, before any of it is routed, so the sender sees what is wrong.
 * - A permanent failure (a resource that is gone, a refused run): logged, counted and dropped, so Event Grid does
 *   not retry in vain.
 * - A transient failure: rethrown, so Event Grid delivers again (the webhook answers 503).
 *
 * Every line is logged escaped: event strings come from outside.
 */
import { ensureError, isAppError } from '../errors.js';
import type { DomainEvent, EventOutcome, SubscriptionValidationEvent } from '../events/domainEvent.js';
import { parseDelivery, parseEvent } from '../events/parseDelivery.js';
import { plainLog, type Log } from '../shared/log.js';
import type { DroppedEvent } from './droppedEvent.js';

export interface IntakeDeps {
  /** Hands a parsed event to its use case (`routeEvent`). */
  route(event: DomainEvent, log: Log): Promise<EventOutcome>;
  /** Counts a dropped event (the `EventsDropped` metric). */
  countDropped(dropped: DroppedEvent): Promise<void> | void;
}

export interface IntakeResult {
  readonly id: string;
  readonly type: string;
  readonly handled: boolean;
  readonly reason: string;
}

async function drop(dropped: DroppedEvent, message: string, log: Log, deps: IntakeDeps): Promise<IntakeResult> {
  log.warn(`Dropped event ${dropped.eventId} (${dropped.eventType}): ${message}`);
  try {
    await deps.countDropped(dropped);
  } catch (error) {
    // Counting is best effort; failing here would make Event Grid redeliver an event already decided to be dropped.
    log.warn(`Could not count the dropped event: ${ensureError(error).message}`);
  }
  return { id: dropped.eventId, type: dropped.eventType, handled: false, reason: `dropped: ${dropped.reason}` };
}

/** One parsed event: routed; a permanent failure is dropped, a transient one rethrown. */
async function handle(event: DomainEvent, log: Log, deps: IntakeDeps): Promise<IntakeResult> {
  try {
    const outcome = await deps.route(event, log);
    return { id: event.id, type: event.type, handled: outcome.handled, reason: outcome.reason };
  } catch (error) {
    if (isAppError(error) && error.transient) throw error;
    const reason = isAppError(error) ? error.code : 'Internal';
    return drop({ eventId: event.id, eventType: event.type, reason }, ensureError(error).message, log, deps);
  }
}

/** Best-effort id and type of something that failed to parse, for the log line. */
function identify(raw: unknown): { eventId: string; eventType: string } {
  if (typeof raw !== 'object' || raw === null) return { eventId: '(none)', eventType: '(none)' };
  const field = (name: string): string | undefined => {
    const value: unknown = Reflect.get(raw, name);
    return typeof value === 'string' ? value : undefined;
  };
  return { eventId: field('id') ?? '(none)', eventType: field('eventType') ?? field('type') ?? '(none)' };
}

/** One event from an Event Grid trigger. */
export async function receiveEvent(raw: unknown, invocationLog: Log, deps: IntakeDeps): Promise<IntakeResult> {
  const log = plainLog(invocationLog);
  let event: DomainEvent;
  try {
    event = parseEvent(raw, 'event');
  } catch (error) {
    return drop({ ...identify(raw), reason: 'malformed' }, ensureError(error).message, log, deps);
  }
  return handle(event, log, deps);
}

export type DeliveryOutcome =
  | { readonly kind: 'validation'; readonly event: SubscriptionValidationEvent }
  | { readonly kind: 'events'; readonly results: readonly IntakeResult[] };

/**
 * A webhook delivery (Event Grid schema or CloudEvents, one or many): parsed whole — a malformed event throws
 * `BadRequest` naming it — then a subscription validation is answered by the caller, or each event is handled in
 * order.
 */
export async function receiveDelivery(body: unknown, invocationLog: Log, deps: IntakeDeps): Promise<DeliveryOutcome> {
  const log = plainLog(invocationLog);
  const events = parseDelivery(body);
  const validation = events.find((event): event is SubscriptionValidationEvent => event.kind === 'SubscriptionValidation');
  if (validation !== undefined) {
    log.info(`Event Grid subscription validation ${validation.id} for ${validation.source || '(no topic)'}`);
    return { kind: 'validation', event: validation };
  }
  const results: IntakeResult[] = [];
  for (const event of events) results.push(await handle(event, log, deps));
  return { kind: 'events', results };
}
