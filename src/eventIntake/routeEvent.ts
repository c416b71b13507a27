import type { DomainEvent, DomainEventKind } from '../events/domainEvent.js';
import { forLog } from '../shared/forLog.js';
import { scopeOf } from '../policy/scope.js';
import type { EventLog } from '../shared/eventLog.js';
import { enforceResource, ignoreResourceEvent, isGovernedResourceEvent } from '../governance/enforceResource.js';
import { onDriftDetected } from '../modelCd/onDriftDetected.js';
import { onLifecycleEvent } from '../runNotifications/onLifecycleEvent.js';
import { onModelRegistered } from '../modelCd/onModelRegistered.js';
import { onRunFailed } from '../runNotifications/onRunFailed.js';
import { getServices, type Services } from '../services.js';
import type { UseCaseContext } from '../shared/useCaseContext.js';

export type { EventLog };

export interface RouteOptions {
  /** The services to act with; default: the process's (`getServices()`). The CLI and tests pass their own. */
  readonly services?: Services;
  /** Decide and report, but write and send nothing (use cases that support it). */
  readonly dryRun?: boolean;
}

export interface EventOutcome {
  /** Whether a use case acted on (or deliberately decided about) the event. */
  readonly handled: boolean;
  /** Why not, or what was done, for logs and the webhook's answer. */
  readonly reason: string;
}

type EventOfKind = { readonly [K in DomainEventKind]: Extract<DomainEvent, { kind: K }> };
type Route<K extends DomainEventKind> = (event: EventOfKind[K], log: EventLog, options: RouteOptions) => Promise<EventOutcome>;

/**
 * Events about a workspace the policy does not govern are acknowledged before any use case reads ARM or acts on
 * them: an event for someone else's workspace never starts a run or sends a message. An Azure ML event whose topic
 * names no workspace is nobody's the policy governs either.
 */
function scoped<E extends DomainEvent>(useCase: (event: E, context: UseCaseContext) => Promise<EventOutcome>) {
  return async (event: E, context: UseCaseContext): Promise<EventOutcome> => {
    const scope = event.workspace === null ? { inScope: false, reason: 'the event names no workspace' } : scopeOf(event.workspace, context.services.config.policy);
    if (!scope.inScope) {
      const where = event.workspace === null ? '' : ` for workspace ${forLog(event.workspace.workspaceName)}`;
      context.log.info(`${event.type}${where} ignored: out of scope (${scope.reason})`, { eventId: event.id });
      return { handled: false, reason: `out of scope: ${scope.reason}` };
    }
    return useCase(event, context);
  };
}

/** Adapts a use case that needs the services to a route. */
function withServices<E>(useCase: (event: E, context: UseCaseContext) => Promise<EventOutcome>) {
  return async (event: E, log: EventLog, options: RouteOptions): Promise<EventOutcome> =>
    useCase(event, { services: options.services ?? (await getServices()), log, dryRun: options.dryRun === true });
}

// A deleted workspace or compute has no settings left to check or correct.
const acknowledgeDelete = async (): Promise<EventOutcome> => ({ handled: false, reason: 'nothing to govern on delete' });

const acknowledgeOnly = async (): Promise<EventOutcome> => ({ handled: false, reason: 'event type not handled' });

/** Each kind's use case, spelled out so a reader finds the path from trigger to use case here. */
const routes: { readonly [K in DomainEventKind]: Route<K> } = {
  ModelRegistered: withServices(scoped(onModelRegistered)),
  ModelDeployed: withServices(scoped(onLifecycleEvent)),
  RunCompleted: withServices(scoped(onLifecycleEvent)),
  RunStatusChanged: withServices(scoped(onRunFailed)),
  DatasetDriftDetected: withServices(scoped(onDriftDetected)),
  // Most writes on a subscription topic are not Azure ML's: those need no services at all.
  ResourceWriteSuccess: (event, log, options) => (isGovernedResourceEvent(event) ? withServices(enforceResource)(event, log, options) : ignoreResourceEvent()),
  ResourceDeleteSuccess: acknowledgeDelete,
  // The webhook answers the handshake itself; a validation event reaching a trigger needs nothing.
  SubscriptionValidation: acknowledgeOnly,
  Unknown: acknowledgeOnly,
};

function dispatch<K extends DomainEventKind>(kind: K, event: EventOfKind[K], log: EventLog, options: RouteOptions): Promise<EventOutcome> {
  const route: Route<K> = routes[kind];
  return route(event, log, options);
}

/**
 * Hands a domain event to the use case for its kind. Every event is logged by type and subject,
 * so an accepted delivery is always visible even when nothing acts on it.
 */
export async function routeEvent(event: DomainEvent, log: EventLog, options: RouteOptions = {}): Promise<EventOutcome> {
  log.info(`${forLog(event.type)} ${forLog(event.subject)}`, { eventId: event.id, kind: event.kind, schema: event.schema });
  return dispatch(event.kind, event, log, options);
}
