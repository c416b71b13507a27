/**
 * A model monitor's Azure Monitor alert → retraining (the policy's `modelMonitoring`): a Fired metric alert on a
 * monitor a rule names starts that rule's CD target once per (workspace, monitor, alert window), through the same
 * ledger as model CD (`startCdRunOnce`). A Resolved notification, a redelivery, or a monitor no rule names starts
 * nothing. This replaces `DatasetDriftDetected` (data drift v1, retired 2025-09-01), which `onDriftDetected` keeps
 * handling for older workspaces.
 */
import { ensureError } from '../errors.js';
import { parseResourceReference } from '../events/resourceReference.js';
import type { WorkspaceReference } from '../events/domainEvent.js';
import { sendNotification } from '../notifications/sendNotification.js';
import { firstMatchingGlob } from '../policy/glob.js';
import { channelFor } from '../policy/notificationRoutes.js';
import type { ModelMonitoringRule, ModelMonitoringRules } from '../policy/modelMonitoringSchema.js';
import type { RunContext } from '../shared/useCaseContext.js';
import { monitorAlertSubject } from './cdLedger.js';
import type { CommonAlert, MetricCriterion } from './commonAlertSchema.js';
import type { ModelCdDeps } from './deps.js';
import { startCdRunOnce } from './startCdRunOnce.js';

/** What became of one monitor named by the alert. */
export interface MonitorRetrainResult {
  readonly monitor: string;
  /** `started` (a run started now), or `none` (nothing started: already started for this window, no rule, …). */
  readonly outcome: 'started' | 'none' | 'failed';
  readonly reason: string;
  readonly target?: string;
  readonly runId?: string;
}

export interface MonitorAlertOutcome {
  readonly alertId: string;
  readonly monitorCondition: 'Fired' | 'Resolved';
  readonly reason: string;
  readonly monitors: readonly MonitorRetrainResult[];
}

export async function onMonitorAlert(deps: ModelCdDeps, alert: CommonAlert, context: RunContext): Promise<MonitorAlertOutcome> {
  const { essentials, alertContext } = alert.data;
  const base = { alertId: essentials.alertId, monitorCondition: essentials.monitorCondition };
  const nothing = (reason: string): MonitorAlertOutcome => {
    context.log.info(`Model monitor alert '${essentials.alertRule}' starts nothing: ${reason}`);
    return { ...base, reason, monitors: [] };
  };

  const rules = deps.policy.modelMonitoring;
  if (rules === undefined || rules.rules.length === 0) return nothing('the policy has no modelMonitoring rules');
  // Azure Monitor notifies again when a stateful alert resolves; only firing means the metric crossed its threshold.
  if (essentials.monitorCondition !== 'Fired') return nothing('a resolved alert starts nothing');
  const condition = alertContext.condition;
  if (condition === undefined) return nothing(`signal type ${essentials.signalType} is not a metric alert with a condition window`);
  const workspace = essentials.alertTargetIDs.map((id) => parseResourceReference(id).workspace).find((found) => found !== null);
  if (workspace === undefined) return nothing('the alert targets no Azure ML workspace');

  const monitors = monitorsNamed(rules, condition.allOf);
  if (monitors.length === 0) return nothing(`no criterion has the dimension '${rules.monitorDimension}' that names the model monitor`);
  if (!(await deps.registry.workspaceExists(workspace))) return nothing(`workspace '${workspace.workspaceName}' does not exist`);

  const results: MonitorRetrainResult[] = [];
  for (const monitor of monitors) {
    results.push(await retrain(deps, context, alert, workspace, monitor, ruleFor(rules, workspace, monitor)));
  }
  const started = results.filter((result) => result.outcome === 'started').length;
  return { ...base, reason: `started ${started} retraining run${started === 1 ? '' : 's'} for ${monitors.length} monitor${monitors.length === 1 ? '' : 's'}`, monitors: results };
}

/** The monitors a metric alert is about: the values of the configured dimension, once each. */
function monitorsNamed(rules: ModelMonitoringRules, criteria: readonly MetricCriterion[]): string[] {
  const wanted = rules.monitorDimension.toLowerCase();
  const names = criteria.flatMap((criterion) => criterion.dimensions.filter((dimension) => dimension.name.toLowerCase() === wanted).map((dimension) => dimension.value.trim()));
  return [...new Set(names.filter((name) => name !== ''))];
}

function ruleFor(rules: ModelMonitoringRules, workspace: WorkspaceReference, monitor: string): ModelMonitoringRule | undefined {
  return rules.rules.find(
    (rule) => firstMatchingGlob(rule.monitors, monitor) !== undefined && (rule.workspaces === undefined || firstMatchingGlob(rule.workspaces, workspace.workspaceName) !== undefined),
  );
}

async function retrain(
  deps: ModelCdDeps,
  context: RunContext,
  alert: CommonAlert,
  workspace: WorkspaceReference,
  monitor: string,
  rule: ModelMonitoringRule | undefined,
): Promise<MonitorRetrainResult> {
  if (rule === undefined) return { monitor, outcome: 'none', reason: `no modelMonitoring rule names monitor '${monitor}' in workspace '${workspace.workspaceName}'` };
  const target = deps.policy.cd.targets[rule.target];
  if (target === undefined) return { monitor, outcome: 'none', target: rule.target, reason: `target '${rule.target}' is not defined in cd.targets` };
  const { essentials } = alert.data;
  const condition = alert.data.alertContext.condition;
  const windowStartTime = condition?.windowStartTime ?? essentials.firedDateTime;
  const windowEndTime = condition?.windowEndTime ?? essentials.firedDateTime;
  const metricNames = [...new Set(condition?.allOf.map((criterion) => criterion.metricName) ?? [])].join(',');
  const what = `model monitor '${monitor}' (${windowStartTime} to ${windowEndTime})`;

  const outcome = await startCdRunOnce(deps, context, {
    eventId: essentials.alertId,
    key: { workspaceId: workspace.id, subject: monitorAlertSubject(monitor, windowStartTime, windowEndTime), target: rule.target },
    targetName: rule.target,
    target,
    parameters: { workspaceId: workspace.id, monitorName: monitor, alertRule: essentials.alertRule, metricName: metricNames, windowStartTime, windowEndTime },
    what,
    dimensions: { monitorName: monitor, alertRule: essentials.alertRule },
  });
  if (outcome.kind === 'failed') return { monitor, outcome: 'failed', target: rule.target, reason: outcome.reason };
  if (outcome.kind !== 'started') return { monitor, outcome: 'none', target: rule.target, reason: outcome.reason };

  const channel = channelFor('cd', deps.policy);
  if (channel !== undefined) {
    try {
      await sendNotification(deps, context.log, channel, 'modelMonitoring', {
        title: `Retraining started for ${what}`,
        text: `Azure Monitor alert '${essentials.alertRule}' fired on ${metricNames}; the retrained model will go through model CD when it is registered.`,
        severity: 'warning',
        facts: [
          { name: 'Workspace', value: workspace.workspaceName },
          { name: 'Monitor', value: monitor },
          { name: 'Retraining', value: `${rule.target}${outcome.runId === undefined ? '' : ` run ${outcome.runId}`}` },
        ],
        link: outcome.link === undefined ? undefined : { title: 'Open the retraining run', url: outcome.link },
        eventId: essentials.alertId,
      });
    } catch (error) {
      // The run is started and recorded; a lost notice is not worth starting it twice.
      context.log.warn(`Could not notify channel '${channel}' that retraining started: ${ensureError(error).message}`);
    }
  }
  return { monitor, outcome: 'started', target: rule.target, reason: `started retraining run ${outcome.runId ?? '(no id)'}`, ...(outcome.runId === undefined ? {} : { runId: outcome.runId }) };
}
