/**
 * Event intake, one path for both ways events arrive — an Event Grid trigger (one event per invocation) and the
 * `POST /api/events` webhook (a delivery of many): parse → route → the drop policy.
 *
 * - A malformed event: a trigger cannot refuse it, so it is dropped (logged, counted); the webhook refuses the
 *   whole delivery with 400 naming the field, before any of it is routed, so the sender sees what is wrong.
 * - A permanent failure (a resource that is gone, a refused run): logged, counted and dropped, so Event Grid does
 *   not retry in vain. An unexpected error (a bug) is dropped the same way, and logged with its stack.
 * - A transient failure: one warning line saying it will be retried, and rethrown, so Event Grid delivers the
 *   event again (the trigger's invocation fails; the webhook answers 503).
 *
 * Every line is logged escaped (event strings come from outside) and starts with the event's label
 * (`eventLabel.ts`), so each event reads as one line with its id.
 */
import { ensureError, isAppError } from '../errors.js';
import type { DomainEvent, EventOutcome, SubscriptionValidationEvent } from '../events/domainEvent.js';
import { parseDelivery, parseEvent } from '../events/parseDelivery.js';
import { escapeUnsafe, forLog, plainLog, stackFrames, type Log } from '../shared/log.js';
import type { DroppedEvent } from './droppedEvent.js';
import { eventLabel } from './eventLabel.js';

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

/** Where the intake writes: every string escaped, and the host's own log for the frames of an unexpected error. */
interface IntakeLogs {
  readonly plain: Log;
  readonly invocation: Log;
}

function logsOf(invocationLog: Log): IntakeLogs {
  return { plain: plainLog(invocationLog), invocation: invocationLog };
}

/** Who delivers a transiently failed event again, for its log line. */
const TRIGGER_RETRY = 'Event Grid redelivery';
const WEBHOOK_RETRY = 'Event Grid redelivery (answered 503)';

async function countDrop(dropped: DroppedEvent, log: Log, deps: IntakeDeps): Promise<IntakeResult> {
  try {
    await deps.countDropped(dropped);
  } catch (error) {
    // Counting is best effort; failing here would make Event Grid redeliver an event already decided to be dropped.
    log.warn(`Could not count the dropped event: ${ensureError(error).message}`);
  }
  return { id: dropped.eventId, type: dropped.eventType, handled: false, reason: `dropped: ${dropped.reason}` };
}

/** An error the app did not expect: not an AppError, or one that wraps such a failure as `Internal`. */
function unexpectedError(error: unknown): Error | undefined {
  if (!isAppError(error)) return ensureError(error);
  if (error.code !== 'Internal') return undefined;
  return error.cause instanceof Error ? error.cause : error;
}

/** One parsed event: routed; a permanent failure is dropped, a transient one logged and rethrown. */
async function handle(event: DomainEvent, logs: IntakeLogs, deps: IntakeDeps, retriedBy: string): Promise<IntakeResult> {
  try {
    const outcome = await deps.route(event, logs.plain);
    return { id: event.id, type: event.type, handled: outcome.handled, reason: outcome.reason };
  } catch (error) {
    const failure = ensureError(error);
    const about = `${eventLabel(event)} → `;
    if (isAppError(error) && error.transient) {
      logs.plain.warn(`${about}not done, will be retried by ${retriedBy}: ${failure.message}`);
      throw error;
    }
    const reason = isAppError(error) ? error.code : 'Internal';
    const line = `${about}dropped (${reason}): ${failure.message}`;
    const unexpected = unexpectedError(error);
    // A bug's place in the code is the news: its frames follow the line (escaped, one per line).
    if (unexpected === undefined) logs.plain.warn(line);
    else logs.invocation.error([escapeUnsafe(line), ...stackFrames(unexpected)].join('\n'));
    return countDrop({ eventId: event.id, eventType: event.type, reason }, logs.plain, deps);
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
  const logs = logsOf(invocationLog);
  let event: DomainEvent;
  try {
    event = parseEvent(raw, 'event');
  } catch (error) {
    const dropped: DroppedEvent = { ...identify(raw), reason: 'malformed' };
    logs.plain.warn(`${forLog(dropped.eventType)} ${forLog(dropped.eventId)} → dropped (malformed): ${ensureError(error).message}`);
    return countDrop(dropped, logs.plain, deps);
  }
  return handle(event, logs, deps, TRIGGER_RETRY);
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
  const logs = logsOf(invocationLog);
  const events = parseDelivery(body);
  const validation = events.find((event): event is SubscriptionValidationEvent => event.kind === 'SubscriptionValidation');
  if (validation !== undefined) {
    logs.plain.info(`Event Grid subscription validation ${validation.id} for ${validation.source || '(no topic)'}`);
    return { kind: 'validation', event: validation };
  }
  const results: IntakeResult[] = [];
  for (const event of events) results.push(await handle(event, logs, deps, WEBHOOK_RETRY));
  return { kind: 'events', results };
}
