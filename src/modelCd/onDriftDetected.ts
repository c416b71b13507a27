/**
 * DatasetDriftDetected → retraining (when the policy's `driftRetrain` is enabled): start the configured target
 * once per drift run, through the same adapters and ledger as model CD, and tell the team. Retraining registers a
 * new model version, whose ModelRegistered event starts the model CD: drift → retrain → register → CD.
 */
import type { DatasetDriftDetectedEvent, EventOutcome } from '../events/domainEvent.js';
import { ensureError } from '../errors.js';
import { sendNotification } from '../notifications/sendNotification.js';
import { firstMatchingGlob } from '../policy/glob.js';
import { channelFor, channelForEvent } from '../policy/notificationRoutes.js';
import type { Policy } from '../policy/policySchema.js';
import type { RunContext } from '../shared/useCaseContext.js';
import { driftSubject } from './cdLedger.js';
import type { ModelCdDeps } from './deps.js';
import { CD_SKIPPED, startCdRunOnce } from './startCdRunOnce.js';

/** Whether the policy retrains on drift; otherwise a drift event is informational (a lifecycle notice). */
export function retrainsOnDrift(policy: Policy): boolean {
  return policy.driftRetrain?.enabled === true && policy.driftRetrain.target !== undefined;
}

export async function onDriftDetected(deps: ModelCdDeps, event: DatasetDriftDetectedEvent, context: RunContext): Promise<EventOutcome> {
  const { log } = context;
  const { policy } = deps;
  const rules = policy.driftRetrain;
  if (rules?.enabled !== true || rules.target === undefined) return { handled: false, reason: 'the policy does not retrain on drift' };

  const data = event.data;
  const what = `drift '${data.dataDriftName || data.dataDriftId}' (run ${data.runId || data.endTime})`;
  const skip = (reason: string): EventOutcome => {
    if (!context.dryRun) deps.telemetry.trackEvent(CD_SKIPPED, { eventId: event.id, workspaceId: event.workspace?.id, subject: what, reason });
    log.info(`Retraining skipped: ${reason}`);
    return { handled: true, reason: `${context.dryRun ? 'would skip' : 'skipped'} retraining for ${what}: ${reason}` };
  };

  if (rules.datasets !== undefined) {
    const datasets = [data.targetDatasetId, data.baseDatasetId, data.dataDriftName].filter((name) => name !== '');
    if (!datasets.some((name) => firstMatchingGlob(rules.datasets ?? [], name) !== undefined)) {
      return skip(`datasets ${datasets.join(', ')} match none of ${rules.datasets.join(', ')}`);
    }
  }
  const workspace = event.workspace;
  if (workspace === null) return skip('the event names no workspace');
  // Drift detectors have no ARM API; the workspace is what can be checked.
  if (!(await deps.registry.workspaceExists(workspace))) return skip(`workspace '${workspace.workspaceName}' does not exist`);
  const target = policy.cd.targets[rules.target];
  if (target === undefined) return skip(`target '${rules.target}' is not defined in cd.targets`);

  const outcome = await startCdRunOnce(deps, context, {
    eventId: event.id,
    key: { workspaceId: workspace.id, subject: driftSubject(data.dataDriftId, data.runId || data.endTime), target: rules.target },
    targetName: rules.target,
    target,
    parameters: {
      workspaceId: workspace.id,
      dataDriftName: data.dataDriftName,
      driftRunId: data.runId,
      targetDatasetId: data.targetDatasetId,
      driftCoefficient: data.driftCoefficient,
    },
    what,
    dimensions: { dataDriftId: data.dataDriftId, driftRunId: data.runId },
  });
  if (outcome.kind !== 'started') return { handled: true, reason: outcome.reason };

  const channel = channelForEvent(event.type, policy) ?? channelFor('cd', policy);
  if (channel !== undefined) {
    try {
      await sendNotification(deps, log, channel, 'driftRetrain', {
        title: `Retraining started for ${what}`,
        text: `Data drift coefficient ${data.driftCoefficient} between ${data.startTime} and ${data.endTime}; the retrained model will go through model CD when it is registered.`,
        severity: 'warning',
        facts: [
          { name: 'Workspace', value: workspace.workspaceName },
          { name: 'Target dataset', value: data.targetDatasetId },
          { name: 'Retraining', value: `${rules.target}${outcome.runId === undefined ? '' : ` run ${outcome.runId}`}` },
        ],
        link: outcome.link === undefined ? undefined : { title: 'Open the retraining run', url: outcome.link },
        eventId: event.id,
      });
    } catch (error) {
      // The run is started and recorded; a lost notice is not worth starting it twice.
      log.warn(`Could not notify channel '${channel}' that retraining started: ${ensureError(error).message}`);
    }
  }
  return { handled: true, reason: `started retraining run ${outcome.runId ?? '(no id)'}` };
}
