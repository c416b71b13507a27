import type { DomainEvent, DomainEventKind } from '../events/domainEvent.js';
import type { EventLog } from '../events/eventLog.js';

export type { EventLog };

export interface EventOutcome {
  /** Whether a use case acted on (or deliberately decided about) the event. */
  readonly handled: boolean;
  /** Why not, or what was done, for logs and the webhook's answer. */
  readonly reason: string;
}

type EventOfKind = { readonly [K in DomainEventKind]: Extract<DomainEvent, { kind: K }> };
type Route<K extends DomainEventKind> = (event: EventOfKind[K], log: EventLog) => Promise<EventOutcome>;

const noUseCaseYet = async (): Promise<EventOutcome> => ({ handled: false, reason: 'no use case yet' });

const acknowledgeOnly = async (): Promise<EventOutcome> => ({ handled: false, reason: 'event type not handled' });

/** Each kind's use case, spelled out so a reader finds the path from trigger to use case here. */
const routes: { readonly [K in DomainEventKind]: Route<K> } = {
  ModelRegistered: noUseCaseYet,
  ModelDeployed: noUseCaseYet,
  RunCompleted: noUseCaseYet,
  RunStatusChanged: noUseCaseYet,
  DatasetDriftDetected: noUseCaseYet,
  ResourceWriteSuccess: noUseCaseYet,
  ResourceDeleteSuccess: noUseCaseYet,
  // The webhook answers the handshake itself; a validation event reaching a trigger needs nothing.
  SubscriptionValidation: acknowledgeOnly,
  Unknown: acknowledgeOnly,
};

function dispatch<K extends DomainEventKind>(kind: K, event: EventOfKind[K], log: EventLog): Promise<EventOutcome> {
  const route: Route<K> = routes[kind];
  return route(event, log);
}

/**
 * Hands a domain event to the use case for its kind. Every event is logged by type and subject,
 * so an accepted delivery is always visible even when nothing acts on it.
 */
export async function routeEvent(event: DomainEvent, log: EventLog): Promise<EventOutcome> {
  log.info(`${event.type} ${event.subject}`, { eventId: event.id, kind: event.kind, schema: event.schema });
  return dispatch(event.kind, event, log);
}
