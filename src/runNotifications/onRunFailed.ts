/**
 * RunStatusChanged (failed) → a notification to the owning team. The job is re-read from ARM for its status,
 * error, owner and studio link; the policy routes it (per workspace / experiment) to a channel; one message per
 * event id (dedup ledger) and one per burst of one experiment's failures (`burstWindow`); the failures folded into
 * a burst are summarised once its window closes (`flushBurstWindows`).
 */
import type { EventOutcome, RunStatusChangedEvent, WorkspaceReference } from '../events/domainEvent.js';
import { ensureError } from '../errors.js';
import type { NotificationFact } from '../notifications/ports.js';
import { sendNotification } from '../notifications/sendNotification.js';
import { parseIsoDuration } from '../policy/duration.js';
import { routeFailedRun } from '../policy/notificationRoutes.js';
import { tagValueOf } from '../policy/tags.js';
import type { RunContext } from '../shared/useCaseContext.js';
import type { RunNotificationDeps } from './deps.js';
import { failedRunText } from './failedRunMessages.js';
import type { RunRecord } from './ports.js';
import { studioRunLink } from './studioLinks.js';

export const NOTIFICATION_FOLDED = 'NotificationFolded';
const DEDUP_PURPOSE = 'failedRunNotification';
const OWNER_TAG = 'owner';

export async function onRunFailed(deps: RunNotificationDeps, event: RunStatusChangedEvent, context: RunContext): Promise<EventOutcome> {
  const { log } = context;
  const { runId } = event.data;
  const ignore = (reason: string): EventOutcome => {
    log.info(`No failed-run notification: ${reason}`);
    return { handled: false, reason };
  };

  // Azure raises RunStatusChanged on every status change; only a failure is worth an ARM read.
  if (event.data.runStatus !== undefined && event.data.runStatus !== 'Failed') return ignore(`run status is ${event.data.runStatus}`);
  const workspace = event.workspace;
  if (workspace === null) return ignore('the event names no workspace');
  const job = await deps.runs.job(workspace, runId);
  if (job === undefined) return ignore(`job '${runId}' does not exist in workspace '${workspace.workspaceName}'`);
  if (job.status !== undefined && job.status !== 'Failed') return ignore(`job '${runId}' is ${job.status} in the workspace, not Failed`);

  const { policy } = deps;
  const experimentName = job.experimentName ?? (event.data.experimentName === '' ? undefined : event.data.experimentName);
  const channel = routeFailedRun({ workspaceName: workspace.workspaceName, experimentName }, policy);
  if (channel === undefined) return ignore(`the policy routes failures of experiment '${experimentName ?? '(none)'}' nowhere (muted or no default channel)`);
  if (context.dryRun) return { handled: true, reason: `would notify channel '${channel}' that run ${runId} failed` };

  const { dedup, bursts } = deps;
  const claim = await dedup.claimOrWait({ group: event.id, item: DEDUP_PURPOSE }, event.id);
  if (claim.kind !== 'claimed') return ignore(`event ${event.id} was already ${claim.kind === 'done' ? 'handled' : 'handled and failed for good'}`);

  try {
    const burstKey = { workspaceId: workspace.id, experimentName: experimentName ?? '', channel };
    const windowMs = parseIsoDuration(policy.notifications.failedRuns.burstWindow) ?? 300_000;
    const studioLink = studioRunLink(deps.studioUrl, workspace, job);
    const decision = await bursts.admit(burstKey, event.id, deps.now(), windowMs, {
      workspaceName: workspace.workspaceName,
      jobName: job.name,
      errorText: job.errorText,
      studioLink,
    });
    if (!decision.send) {
      await dedup.complete(claim, { folded: String(decision.count) });
      deps.telemetry.trackEvent(NOTIFICATION_FOLDED, { eventId: event.id, channel, experimentName, count: decision.count });
      log.info(`Failure folded into the open burst window of experiment '${experimentName ?? ''}' (${decision.count} so far)`);
      return { handled: true, reason: `folded into an open burst window (${decision.count} failures)` };
    }
    // The window this message opens is summed up when it closes, if failures fold into it meanwhile.
    await deps.flushes.flushAfter(new Date(decision.windowEnd));
    const owner = await ownerOf(deps, workspace, job);
    await sendNotification(deps, log, channel, 'failedRuns', {
      title: `Run failed: ${experimentName ?? 'job'} / ${job.displayName ?? job.name}`,
      text: failedRunText({ errorText: job.errorText, previousFolded: decision.previousFolded, previousWindowStart: decision.previousWindowStart, windowMs }),
      severity: 'error',
      facts: facts(workspace, job, experimentName, owner),
      link: { title: 'Open in Azure ML studio', url: studioLink },
      eventId: event.id,
    });
    await bursts.markSent(burstKey, event.id);
    await dedup.complete(claim, { channel });
    return { handled: true, reason: `notified channel '${channel}'` };
  } catch (error) {
    // Nothing was sent (or it failed): the next delivery of this event tries again. The event intake logs the failure.
    await dedup.release(claim, ensureError(error).message);
    throw error;
  }
}

async function ownerOf(deps: RunNotificationDeps, workspace: WorkspaceReference, job: RunRecord): Promise<string | undefined> {
  const fromJob = tagValueOf(job.tags, OWNER_TAG);
  if (fromJob !== undefined && fromJob !== '') return fromJob;
  if (job.parentJobName !== undefined) {
    const parent = await deps.runs.job(workspace, job.parentJobName);
    const fromParent = parent === undefined ? undefined : tagValueOf(parent.tags, OWNER_TAG);
    if (fromParent !== undefined && fromParent !== '') return fromParent;
  }
  const workspaceTags = await deps.runs.workspaceTags(workspace);
  const fromWorkspace = workspaceTags === undefined ? undefined : tagValueOf(workspaceTags, OWNER_TAG);
  return fromWorkspace !== undefined && fromWorkspace !== '' ? fromWorkspace : job.createdBy;
}

function facts(workspace: WorkspaceReference, job: RunRecord, experimentName: string | undefined, owner: string | undefined): NotificationFact[] {
  return [
    { name: 'Workspace', value: workspace.workspaceName },
    { name: 'Experiment', value: experimentName ?? '(none)' },
    { name: 'Job', value: job.name },
    { name: 'Type', value: job.jobType },
    { name: 'Owner', value: owner ?? 'unknown' },
  ];
}
