/**
 * How an event is named in the log: its kind, its id and what it is about, e.g.
 * `ModelRegistered 831e1650-… model=churn:4`. Every line written about an event starts with it, followed by
 * `→` and the decision (`… → CD started on 'model-cd' (run 17): …`), so one event reads as one line and its
 * lines can be found by its id. The ids, names and outcomes are also in telemetry (`docs/telemetry.md`).
 */
import type { DomainEvent } from '../events/domainEvent.js';
import { parseResourceReference } from '../events/resourceReference.js';
import { forLog, prefixedLog, type CountingLog, type Log } from '../shared/log.js';

/** What the event is about, as `name=value`; event strings come from outside, so each value is escaped and cut. */
function aboutOf(event: DomainEvent): string {
  switch (event.kind) {
    case 'ModelRegistered':
      return `model=${forLog(`${event.data.modelName}:${event.data.modelVersion}`)}`;
    case 'ModelDeployed':
      return `service=${forLog(event.data.serviceName)}`;
    case 'RunCompleted':
    case 'RunStatusChanged':
      return `run=${forLog(event.data.runId)}`;
    case 'DatasetDriftDetected':
      return `drift=${forLog(event.data.dataDriftName || event.data.dataDriftId)}${event.data.runId === '' ? '' : ` run=${forLog(event.data.runId)}`}`;
    case 'ResourceWriteSuccess':
    case 'ResourceDeleteSuccess':
      return resourceAbout(event.data.resourceUri || event.subject);
    case 'SubscriptionValidation':
      return `subject=${event.subject === '' ? '(none)' : forLog(event.subject)}`;
    case 'Unknown':
      return `type=${forLog(event.type)}`;
  }
}

/** `compute=mlw-demo/gpu-cluster`, `workspace=mlw-demo`, or the last `type/name` of any other resource id. */
function resourceAbout(resourceId: string): string {
  const reference = parseResourceReference(resourceId);
  if (reference.workspace !== null && reference.kind === 'compute') return `compute=${forLog(`${reference.workspace.workspaceName}/${reference.computeName ?? ''}`)}`;
  if (reference.workspace !== null && reference.kind === 'workspace') return `workspace=${forLog(reference.workspace.workspaceName)}`;
  const segments = resourceId.split('/').filter((segment) => segment !== '');
  return `resource=${forLog(segments.slice(-2).join('/') || resourceId)}`;
}

/** `ModelRegistered 831e1650-… model=churn:4`: the start of every line about the event. */
export function eventLabel(event: DomainEvent): string {
  return `${event.kind} ${forLog(event.id)} ${aboutOf(event)}`;
}

/** The log a use case writes to about one event: each line starts with the event's label and `→`. */
export function eventLog(log: Log, event: DomainEvent): CountingLog {
  return prefixedLog(log, `${eventLabel(event)} → `);
}
