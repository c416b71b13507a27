/**
 * RunCompleted, ModelDeployed (and DatasetDriftDetected when retraining is off): acknowledged, recorded in
 * telemetry under the event's short type name, and notified on the channel the policy's
 * `notifications.events` names for it — once per event id.
 */
import type { DatasetDriftDetectedEvent, EventOutcome, ModelDeployedEvent, RunCompletedEvent } from '../events/domainEvent.js';
import { ensureError } from '../errors.js';
import type { Notification } from '../notifications/ports.js';
import { sendNotification } from '../notifications/sendNotification.js';
import { channelForEvent } from '../policy/notificationRoutes.js';
import type { RunContext } from '../shared/useCaseContext.js';
import type { RunNotificationDeps } from './deps.js';
import { studioRunLink } from './studioLinks.js';

export type LifecycleEvent = RunCompletedEvent | ModelDeployedEvent | DatasetDriftDetectedEvent;

const DEDUP_PURPOSE = 'lifecycleNotification';

export async function onLifecycleEvent(deps: RunNotificationDeps, event: LifecycleEvent, context: RunContext): Promise<EventOutcome> {
  const { log } = context;
  if (!context.dryRun) deps.telemetry.trackEvent(event.kind, { eventId: event.id, workspaceId: event.workspace?.id, subject: event.subject });
  const channel = channelForEvent(event.type, deps.policy);
  if (channel === undefined) return { handled: true, reason: `${event.kind} acknowledged; the policy asks for no notification` };
  if (context.dryRun) return { handled: true, reason: `would notify channel '${channel}' of ${event.kind}` };

  const { dedup } = deps;
  const claim = await dedup.claimOrWait({ group: event.id, item: DEDUP_PURPOSE }, event.id);
  if (claim.kind !== 'claimed') return { handled: true, reason: `event ${event.id} was already notified` };
  try {
    await sendNotification(deps, log, channel, event.kind, await notificationFor(deps, event));
    await dedup.complete(claim, { channel });
  } catch (error) {
    // The event intake logs the failure, and whether the event is delivered again.
    await dedup.release(claim, ensureError(error).message);
    throw error;
  }
  return { handled: true, reason: `notified channel '${channel}'` };
}

async function notificationFor(deps: RunNotificationDeps, event: LifecycleEvent): Promise<Notification> {
  const workspaceName = event.workspace?.workspaceName ?? '(unknown workspace)';
  switch (event.kind) {
    case 'RunCompleted': {
      const workspace = event.workspace;
      const job = workspace === null ? undefined : await deps.runs.job(workspace, event.data.runId);
      const experiment = job?.experimentName ?? event.data.experimentName;
      return {
        title: `Run completed: ${experiment} / ${job?.displayName ?? event.data.runId}`,
        text: `Job ${event.data.runId} completed${job?.status === undefined ? '' : ` (status ${job.status})`}.`,
        severity: 'info',
        facts: [
          { name: 'Workspace', value: workspaceName },
          { name: 'Experiment', value: experiment },
          { name: 'Job', value: event.data.runId },
        ],
        link:
          workspace === null
            ? undefined
            : { title: 'Open in Azure ML studio', url: studioRunLink(deps.studioUrl, workspace, job ?? { name: event.data.runId }) },
        eventId: event.id,
      };
    }
    case 'ModelDeployed':
      return {
        title: `Model deployed: ${event.data.serviceName}`,
        text: `Service ${event.data.serviceName} (${event.data.serviceComputeType || 'compute'}) now serves ${event.data.modelIds.join(', ') || 'its models'}.`,
        severity: 'info',
        facts: [
          { name: 'Workspace', value: workspaceName },
          { name: 'Service', value: event.data.serviceName },
          { name: 'Models', value: event.data.modelIds.join(', ') },
        ],
        eventId: event.id,
      };
    case 'DatasetDriftDetected':
      return {
        title: `Data drift detected: ${event.data.dataDriftName || event.data.dataDriftId}`,
        text: `Drift coefficient ${event.data.driftCoefficient} between ${event.data.startTime} and ${event.data.endTime}.`,
        severity: 'warning',
        facts: [
          { name: 'Workspace', value: workspaceName },
          { name: 'Target dataset', value: event.data.targetDatasetId },
          { name: 'Base dataset', value: event.data.baseDatasetId },
        ],
        eventId: event.id,
      };
  }
}
