/**
 * Hands a parsed event to its capability's use case: the route table, spelled out so a reader finds the path from
 * trigger to use case here. Events about a workspace the policy does not govern are acknowledged before any use
 * case reads ARM or acts on them.
 */
import type { DomainEvent, DomainEventKind, EventOutcome } from '../events/domainEvent.js';
import { enforceResource, ignoreResourceEvent, isGovernedResourceEvent } from '../governance/enforceResource.js';
import type { GovernanceDeps } from '../governance/deps.js';
import type { ModelCdDeps } from '../modelCd/deps.js';
import { onDriftDetected, retrainsOnDrift } from '../modelCd/onDriftDetected.js';
import { onModelRegistered } from '../modelCd/onModelRegistered.js';
import type { Policy } from '../policy/policySchema.js';
import { scopeOf } from '../policy/scope.js';
import type { RunNotificationDeps } from '../runNotifications/deps.js';
import { onLifecycleEvent } from '../runNotifications/onLifecycleEvent.js';
import { onRunStatusChanged } from '../jobs/onRunStatusChanged.js';
import { onDeploymentWritten, onlineDeploymentOf } from '../onlineEndpoints/onDeploymentWritten.js';
import { forLog, type Log } from '../shared/log.js';
import type { RunContext } from '../shared/useCaseContext.js';
import { eventLog } from './eventLabel.js';

/** The capabilities events are routed to. */
export interface EventHandlers {
  readonly policy: Policy;
  readonly modelCd: ModelCdDeps;
  readonly runNotifications: RunNotificationDeps;
  readonly governance: GovernanceDeps;
}

export interface RouteOptions {
  /** Decide and report, but write and send nothing (use cases that support it). */
  readonly dryRun?: boolean;
}

type EventOfKind = { readonly [K in DomainEventKind]: Extract<DomainEvent, { kind: K }> };
/** The handlers are asked for only by the routes that need them: most writes on a subscription topic need none. */
type Route<K extends DomainEventKind> = (event: EventOfKind[K], handlers: () => Promise<EventHandlers>, context: RunContext) => Promise<EventOutcome>;

/** Out of the policy's scope, or naming no workspace: acknowledged, and nothing read or done. */
function outOfScope(event: DomainEvent, policy: Policy, log: Log): EventOutcome | undefined {
  const scope = event.workspace === null ? { inScope: false, reason: 'the event names no workspace' } : scopeOf(event.workspace, policy);
  if (scope.inScope) return undefined;
  const where = event.workspace === null ? '' : `workspace ${forLog(event.workspace.workspaceName)} `;
  log.info(`${where}ignored: out of scope (${scope.reason})`);
  return { handled: false, reason: `out of scope: ${scope.reason}` };
}

/** A route to a use case, for events inside the policy's scope. */
function scoped<E extends DomainEvent>(useCase: (handlers: EventHandlers, event: E, context: RunContext) => Promise<EventOutcome>) {
  return async (event: E, handlers: () => Promise<EventHandlers>, context: RunContext): Promise<EventOutcome> => {
    const resolved = await handlers();
    return outOfScope(event, resolved.policy, context.log) ?? useCase(resolved, event, context);
  };
}

// A deleted workspace or compute has no settings left to check or correct.
const acknowledgeDelete = async (): Promise<EventOutcome> => ({ handled: false, reason: 'nothing to govern on delete' });

const acknowledgeOnly = async (): Promise<EventOutcome> => ({ handled: false, reason: 'event type not handled' });

const routes: { readonly [K in DomainEventKind]: Route<K> } = {
  ModelRegistered: scoped((handlers, event, context) => onModelRegistered(handlers.modelCd, event, context)),
  ModelDeployed: scoped((handlers, event, context) => onLifecycleEvent(handlers.runNotifications, event, context)),
  RunCompleted: scoped((handlers, event, context) => onLifecycleEvent(handlers.runNotifications, event, context)),
  RunStatusChanged: scoped((handlers, event, context) => onRunStatusChanged(handlers, event, context)),
  // Drift retrains when the policy says so; otherwise it is informational, notified where the policy asks.
  DatasetDriftDetected: scoped((handlers, event, context) =>
    retrainsOnDrift(handlers.policy) ? onDriftDetected(handlers.modelCd, event, context) : onLifecycleEvent(handlers.runNotifications, event, context),
  ),
  ResourceWriteSuccess: async (event, handlers, context) => {
    if (isGovernedResourceEvent(event)) return enforceResource((await handlers()).governance, event, context);
    if (onlineDeploymentOf(event.data.resourceUri || event.subject) !== undefined) return onDeploymentWritten((await handlers()).governance, event, context);
    return ignoreResourceEvent();
  },
  ResourceDeleteSuccess: acknowledgeDelete,
  // The webhook answers the handshake itself; a validation event reaching a trigger needs nothing.
  SubscriptionValidation: acknowledgeOnly,
  Unknown: acknowledgeOnly,
};

function dispatch<K extends DomainEventKind>(kind: K, event: EventOfKind[K], handlers: () => Promise<EventHandlers>, context: RunContext): Promise<EventOutcome> {
  const route: Route<K> = routes[kind];
  return route(event, handlers, context);
}

/**
 * Hands a domain event to the use case for its kind. The use case logs its decision as one line starting with the
 * event's label (`eventLog`); when it has nothing to say (an acknowledged or ignored event), the outcome is that
 * line, so every accepted event is visible, once, with its id.
 */
export async function routeEvent(event: DomainEvent, handlers: () => Promise<EventHandlers>, log: Log, options: RouteOptions = {}): Promise<EventOutcome> {
  const about = eventLog(log, event);
  const outcome = await dispatch(event.kind, event, handlers, { log: about, dryRun: options.dryRun === true });
  if (about.lines === 0) about.info(outcome.reason);
  return outcome;
}
