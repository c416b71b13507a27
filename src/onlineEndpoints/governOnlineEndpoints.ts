/**
 * A workspace's managed online endpoints and their deployments, evaluated against `onlineEndpoints:` and — in enforce
 * mode — acted on: an over-cap deployment is scaled down through `OnlineDeployments_Update` (`sku.capacity`), and a
 * deployment in `Failed` state (still billed) is told to its owner at once, reminded once after `remindAfter`, and
 * deleted after `delete.after` only when the policy opts in and the deployment is not exempt. Each notice, reminder
 * and deletion is claimed in a once-ledger (conditional writes), so concurrent sweeps act once.
 */
import { isAppError } from '../errors.js';
import type { AuditTrail } from '../governance/ports.js';
import type { Finding } from '../policy/findings.js';
import { environmentOf, overrideFor } from '../policy/effectiveRules.js';
import { readExemption } from '../policy/exemptions.js';
import {
  evaluateOnlineDeployment,
  evaluateOnlineEndpoint,
  failedDeploymentStep,
  type OnlineDeploymentResource,
  type OnlineEndpointRules,
} from '../policy/onlineEndpointRules.js';
import type { Mode, Policy } from '../policy/policySchema.js';
import { tagValueOf } from '../policy/tags.js';
import type { OnceKey } from '../shared/onceLedger.js';
import type { OnlineEndpointDeps, OnlineEndpointLocation } from './ports.js';

export type OnlineOutcome = 'compliant' | 'exempt' | 'violations' | 'remediated' | 'wouldChange' | 'failed';

export interface OnlineGovernResult {
  readonly resourceId: string;
  readonly resourceType: 'onlineEndpoint' | 'onlineDeployment';
  readonly name: string;
  readonly workspaceName: string;
  readonly subscriptionId: string;
  readonly owner: string | undefined;
  readonly outcome: OnlineOutcome;
  readonly findings: readonly Finding[];
  /** The write made, or that enforce mode would make (what-if). */
  readonly change: string | undefined;
  readonly note: string | undefined;
}

export interface OnlineGovernOptions {
  readonly correlationId: string;
  readonly modeOverride?: Mode | undefined;
  readonly dryRun?: boolean;
}

interface Context {
  readonly policy: Policy;
  readonly rules: OnlineEndpointRules;
  readonly deps: OnlineEndpointDeps;
  readonly audit: AuditTrail;
  readonly now: () => Date;
  readonly options: OnlineGovernOptions;
  readonly workspace: OnlineWorkspace;
}

/** The workspace swept: its owner (the default owner of what it holds) and its tags (the default environment). */
export type OnlineWorkspace = OnlineEndpointLocation & { readonly owner: string | undefined; readonly tags?: Readonly<Record<string, string>> };

/** Every endpoint and deployment of the workspace; nothing (and no ARM call) when the policy has no `onlineEndpoints:`. */
export async function governOnlineEndpoints(
  workspace: OnlineWorkspace,
  policy: Policy,
  deps: OnlineEndpointDeps,
  audit: AuditTrail,
  now: () => Date,
  options: OnlineGovernOptions,
): Promise<OnlineGovernResult[]> {
  const rules = policy.onlineEndpoints;
  if (rules === undefined) return [];
  const context: Context = { policy, rules, deps, audit, now, options, workspace };
  // The mode of the resource's environment (its own environment tag, else the workspace's), as for computes.
  const modeOf = (tags: Readonly<Record<string, string>>): Mode =>
    options.modeOverride ?? rules.mode ?? overrideFor(policy, environmentOf(policy, tags, workspace.tags))?.override.mode ?? policy.mode;
  const results: OnlineGovernResult[] = [];
  for (const endpoint of await deps.gateway.listEndpoints(workspace)) {
    const base = baseOf(context, endpoint.id, 'onlineEndpoint', endpoint.name, endpoint.tags);
    const exemption = readExemption(endpoint.tags, policy.exemptions, now());
    if (exemption.state === 'active') results.push({ ...base, outcome: 'exempt', findings: [] });
    else {
      const findings = evaluateOnlineEndpoint(endpoint, rules, modeOf(endpoint.tags));
      results.push({ ...base, outcome: findings.length === 0 ? 'compliant' : 'violations', findings });
    }
    for (const deployment of await deps.gateway.listDeployments(workspace, endpoint.name)) {
      // One deployment's trouble (a refused write, a channel down) is its own line, not the workspace's failure.
      try {
        results.push(await governDeployment(context, deployment, modeOf({ ...endpoint.tags, ...deployment.tags })));
      } catch (error) {
        const base = baseOf(context, deployment.id, 'onlineDeployment', `${deployment.endpointName}/${deployment.name}`, deployment.tags);
        results.push({ ...base, outcome: 'failed', findings: [], note: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return results;
}

/** One deployment, as a write of it names it: governed exactly as the sweep governs it. */
export async function governOnlineDeployment(
  workspace: OnlineWorkspace,
  deployment: OnlineDeploymentResource,
  policy: Policy,
  deps: OnlineEndpointDeps,
  audit: AuditTrail,
  now: () => Date,
  options: OnlineGovernOptions,
): Promise<OnlineGovernResult | undefined> {
  const rules = policy.onlineEndpoints;
  if (rules === undefined) return undefined;
  const context: Context = { policy, rules, deps, audit, now, options, workspace };
  const mode = options.modeOverride ?? rules.mode ?? overrideFor(policy, environmentOf(policy, deployment.tags, workspace.tags))?.override.mode ?? policy.mode;
  return governDeployment(context, deployment, mode);
}

function baseOf(context: Context, resourceId: string, resourceType: OnlineGovernResult['resourceType'], name: string, tags: Readonly<Record<string, string>>) {
  return {
    resourceId,
    resourceType,
    name,
    workspaceName: context.workspace.workspaceName,
    subscriptionId: context.workspace.subscriptionId,
    owner: tagValueOf(tags, 'owner') ?? context.workspace.owner,
    change: undefined,
    note: undefined,
  };
}

async function governDeployment(context: Context, deployment: OnlineDeploymentResource, mode: Mode): Promise<OnlineGovernResult> {
  const { deps, options, rules } = context;
  const base = baseOf(context, deployment.id, 'onlineDeployment', `${deployment.endpointName}/${deployment.name}`, deployment.tags);
  const exempt = readExemption(deployment.tags, context.policy.exemptions, context.now()).state === 'active';
  if (exempt) return { ...base, outcome: 'exempt', findings: [] };
  const evaluation = evaluateOnlineDeployment(deployment, rules, mode);
  const notes: string[] = [];
  let outcome: OnlineOutcome = evaluation.findings.length === 0 ? 'compliant' : 'violations';
  let change: string | undefined;
  if (evaluation.capacity !== undefined && mode === 'enforce') {
    change = `sku.capacity → ${evaluation.capacity}`;
    if (options.dryRun) outcome = 'wouldChange';
    else {
      try {
        const after = await deps.gateway.setCapacity(context.workspace, deployment, evaluation.capacity);
        outcome = after.capacity === evaluation.capacity ? 'remediated' : 'failed';
        if (outcome === 'failed') notes.push(`Azure accepted sku.capacity ${evaluation.capacity} and the deployment still shows ${String(after.capacity)}`);
      } catch (error) {
        outcome = 'failed';
        notes.push(`capping failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  // A Failed deployment with no instance bills nothing; one whose capacity is unknown is taken as billed.
  if (evaluation.failed && (deployment.capacity ?? 1) > 0 && !options.dryRun && deps.followUps !== false) {
    const note = await followUpFailed(context, deployment, base.owner, mode);
    if (note !== undefined) notes.push(note);
  } else if (!evaluation.failed && !options.dryRun && deps.followUps !== false) {
    await closeEpisode(context, deployment);
  }
  return { ...base, outcome, findings: evaluation.findings, change, note: notes.length === 0 ? undefined : notes.join('; ') };
}

type FollowUp = 'failed-notice' | 'failed-reminder' | 'failed-deletion';

/** A follow-up's key in the failure episode `episode` (the first episode keeps the bare item). */
const keyOf = (deployment: OnlineDeploymentResource, item: FollowUp | 'recovered', episode: number): OnceKey => ({
  group: deployment.id.toLowerCase(),
  item: item === 'recovered' || episode > 0 ? `${item}:${episode}` : item,
});

/**
 * Failure episodes: a deployment seen healthy after its owner was told ends the episode (`recovered:<n>`), so a later
 * failure is told afresh and its grace period before any deletion starts again.
 */
async function currentEpisode(context: Context, deployment: OnlineDeploymentResource): Promise<number> {
  let episode = 0;
  while ((await context.deps.ledger.settled(keyOf(deployment, 'recovered', episode)))?.kind === 'done') episode += 1;
  return episode;
}

async function closeEpisode(context: Context, deployment: OnlineDeploymentResource): Promise<void> {
  const episode = await currentEpisode(context, deployment);
  if ((await context.deps.ledger.settled(keyOf(deployment, 'failed-notice', episode)))?.kind !== 'done') return;
  const state = await context.deps.ledger.claim(keyOf(deployment, 'recovered', episode), context.options.correlationId);
  if (state.kind === 'claimed') await context.deps.ledger.complete(state, { at: context.now().toISOString() });
}

/** Notice, reminder or deletion, whichever is due; each happens once, by whichever sweep claims it first. */
async function followUpFailed(context: Context, deployment: OnlineDeploymentResource, owner: string | undefined, mode: Mode): Promise<string | undefined> {
  const { deps, rules } = context;
  const episode = await currentEpisode(context, deployment);
  const notice = await deps.ledger.settled(keyOf(deployment, 'failed-notice', episode));
  const reminder = await deps.ledger.settled(keyOf(deployment, 'failed-reminder', episode));
  const firstNoticeAt = notice?.kind === 'done' ? notice.result['at'] : undefined;
  const remindedAt = reminder?.kind === 'done' ? reminder.result['at'] : undefined;
  // A notice or reminder still being sent by another instance: nothing is due here now.
  if (notice?.kind === 'inProgress' || reminder?.kind === 'inProgress') return undefined;
  const now = context.now();
  const step = failedDeploymentStep({ firstNoticeAt, remindedAt }, rules, false, now);
  const name = `${deployment.endpointName}/${deployment.name}`;
  const billed = `It is still billed for its ${deployment.capacity ?? 'configured'} instance(s) of ${deployment.instanceType ?? 'its instance type'}.`;
  const deletion = rules.failedDeployments.delete;
  const deletionText = deletion === undefined ? '' : ` aml-warden deletes it ${deletion.after} after the first notice unless it is fixed or exempted.`;
  switch (step) {
    case 'wait':
      return undefined;
    case 'notify':
      return (await once(context, deployment, 'failed-notice', episode, () =>
        tell(context, deployment, owner, `Online deployment ${name} failed`, `The deployment is in Failed state. ${billed} Fix and redeploy it, or delete it.${deletionText}`),
      ))
        ? 'owner told of the Failed deployment'
        : undefined;
    case 'remind':
      return (await once(context, deployment, 'failed-reminder', episode, () =>
        tell(context, deployment, owner, `Reminder: online deployment ${name} is still Failed`, `It has been Failed since at least ${firstNoticeAt ?? 'the first notice'}. ${billed}${deletionText}`),
      ))
        ? 'owner reminded of the Failed deployment'
        : undefined;
    case 'delete': {
      const after = deletion?.after ?? '';
      // Deleting is a write: audit mode (and an audit run of an enforcing policy) only says it is due.
      if (mode !== 'enforce') return `due for deletion (Failed for more than ${after} since the first notice); enforce mode deletes it`;
      const deleteOnce = () => once(context, deployment, 'failed-deletion', episode, async () => {
        await deps.gateway.deleteDeployment(context.workspace, deployment);
        await context.audit.record({
          resourceId: deployment.id,
          resourceType: 'onlineDeployment',
          source: 'sweep',
          correlationId: context.options.correlationId,
          outcome: 'remediated',
          findings: evaluateOnlineDeployment(deployment, rules, 'enforce').findings.filter((finding) => finding.rule === 'onlineEndpoints.failedDeployment'),
          note: `deleted: Failed since ${firstNoticeAt ?? 'unknown'}, more than ${after} (onlineEndpoints.failedDeployments.delete)`,
          at: now.toISOString(),
        });
        await tell(context, deployment, owner, `Online deployment ${name} was deleted`, `It had been Failed for more than ${after} since the first notice, and the policy deletes such deployments.`);
      });
      let deleted: boolean;
      try {
        deleted = await deleteOnce();
      } catch (error) {
        // The governance role never deletes; deletion takes infra's opt-in role (allow_failed_deployment_deletion).
        // Without it Azure answers 403: the deployment is reported, the rest of the workspace is still swept.
        if (isAppError(error) && error.code === 'Forbidden') {
          return `not deleted: Azure refused the deletion (403); grant Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete (infra: allow_failed_deployment_deletion)`;
        }
        throw error;
      }
      return deleted ? `deleted after ${after} in Failed state` : undefined;
    }
  }
}

/** Claims the key and acts; `false` when another instance holds or held it. A failure gives the claim back. */
async function once(context: Context, deployment: OnlineDeploymentResource, item: FollowUp, episode: number, act: () => Promise<void>): Promise<boolean> {
  const state = await context.deps.ledger.claim(keyOf(deployment, item, episode), context.options.correlationId);
  if (state.kind !== 'claimed') return false;
  try {
    await act();
  } catch (error) {
    await context.deps.ledger.release(state, error instanceof Error ? error.message : String(error));
    throw error;
  }
  return context.deps.ledger.complete(state, { at: context.now().toISOString() });
}

async function tell(context: Context, deployment: OnlineDeploymentResource, owner: string | undefined, title: string, text: string): Promise<void> {
  const workspaceId = deployment.id.replace(/\/onlineEndpoints\/.*$/i, '');
  await context.deps.notify?.({ resourceId: deployment.id, name: deployment.name, owner, title, text, correlationId: context.options.correlationId, workspaceId, endpointName: deployment.endpointName });
}

