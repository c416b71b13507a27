import { ensureError, isAppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvent.js';
import type { DroppedEvent } from './droppedEvent.js';
import type { EventLog } from '../shared/eventLog.js';
import { plainLog } from '../shared/forLog.js';
import { parseEvent } from '../events/parseDelivery.js';

export type { DroppedEvent };

export interface TriggeredEventDeps {
  /** Hands the parsed event to its use case (`routeEvent`). */
  route(event: DomainEvent, log: EventLog): Promise<unknown>;
  /** Counts a dropped event (the `EventsDropped` metric). */
  countDropped(dropped: DroppedEvent): Promise<void> | void;
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

async function drop(dropped: DroppedEvent, message: string, log: EventLog, deps: TriggeredEventDeps): Promise<void> {
  log.warn(`Dropped event ${dropped.eventId} (${dropped.eventType}): ${message}`);
  try {
    await deps.countDropped(dropped);
  } catch (error) {
    // Counting is best effort; failing here would make Event Grid redeliver an event we already decided to drop.
    log.warn(`Could not count the dropped event: ${ensureError(error).message}`);
  }
}

/**
 * One event from an Event Grid trigger: parse, route. A malformed event or a permanent failure is
 * logged, counted and dropped (the invocation succeeds, so Event Grid does not retry in vain);
 * a transient failure is rethrown so Event Grid redelivers.
 */
export async function receiveTriggeredEvent(raw: unknown, invocationLog: EventLog, deps: TriggeredEventDeps): Promise<void> {
  const log = plainLog(invocationLog);
  let event: DomainEvent;
  try {
    event = parseEvent(raw, 'event');
  } catch (error) {
    await drop({ ...identify(raw), reason: 'malformed' }, ensureError(error).message, log, deps);
    return;
  }
  try {
    await deps.route(event, log);
  } catch (error) {
    if (isAppError(error) && error.transient) throw error;
    const reason = isAppError(error) ? error.code : 'Internal';
    await drop({ eventId: event.id, eventType: event.type, reason }, ensureError(error).message, log, deps);
  }
}
