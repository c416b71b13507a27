/**
 * RunCompleted, ModelDeployed (and DatasetDriftDetected when retraining is off): acknowledged, recorded in
 * telemetry under the event's short type name, and notified on the channel the policy's
 * `notifications.events` names for it — once per event id.
 */
import type { DatasetDriftDetectedEvent, ModelDeployedEvent, RunCompletedEvent } from '../events/domainEvent.js';
import { ensureError } from '../errors.js';
import type { Notification } from '../notifications/notification.js';
import { channelForEvent } from '../policy/notificationRoutes.js';
import { readJob, studioRunLink } from '../adapters/arm/amlRecords.js';
import { createEventDedup, eventDedupKeys } from '../adapters/tables/onceLedger.js';
import { sendNotification } from '../notifications/sendNotification.js';
import type { EventOutcome } from '../eventIntake/routeEvent.js';
import type { UseCaseContext } from '../shared/useCaseContext.js';

export type LifecycleEvent = RunCompletedEvent | ModelDeployedEvent | DatasetDriftDetectedEvent;

const DEDUP_PURPOSE = 'lifecycleNotification';

export async function onLifecycleEvent(event: LifecycleEvent, context: UseCaseContext): Promise<EventOutcome> {
  const { services, log } = context;
  if (!context.dryRun) services.telemetry.trackEvent(event.kind, { eventId: event.id, workspaceId: event.workspace?.id, subject: event.subject });
  const channel = channelForEvent(event.type, services.config.policy);
  if (channel === undefined) return { handled: true, reason: `${event.kind} acknowledged; the policy asks for no notification` };
  if (context.dryRun) return { handled: true, reason: `would notify channel '${channel}' of ${event.kind}` };

  const dedup = createEventDedup(services.state);
  const claim = await dedup.claimOrWait(eventDedupKeys(event.id, DEDUP_PURPOSE), event.id);
  if (claim.kind !== 'claimed') return { handled: true, reason: `event ${event.id} was already notified` };
  try {
    await sendNotification(context, channel, event.kind, await notificationFor(event, context));
    await dedup.complete(claim, { channel });
  } catch (error) {
    await dedup.release(claim, ensureError(error).message);
    log.warn(`Notification of ${event.kind} ${event.subject} failed: ${ensureError(error).message}`, { eventId: event.id });
    throw error;
  }
  return { handled: true, reason: `notified channel '${channel}'` };
}

async function notificationFor(event: LifecycleEvent, context: UseCaseContext): Promise<Notification> {
  const workspaceName = event.workspace?.workspaceName ?? '(unknown workspace)';
  switch (event.kind) {
    case 'RunCompleted': {
      const workspace = event.workspace;
      const job = workspace === null ? undefined : await readJob(context.services, workspace, event.data.runId);
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
            : { title: 'Open in Azure ML studio', url: studioRunLink(context.services.config.settings.studioUrl, workspace, job ?? { name: event.data.runId }) },
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
