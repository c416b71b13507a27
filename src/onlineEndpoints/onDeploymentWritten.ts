/**
 * ResourceWriteSuccess on an online deployment → the deployment re-read (`OnlineDeployments_Get`; the event is only a
 * hint) and governed exactly as the sweep governs it: capped in enforce mode, its owner told at once when it is Failed.
 * A write the app makes itself (the cap) raises the event again; the re-read finds it within the cap and does nothing.
 */
import { isAppError } from '../errors.js';
import type { EventOutcome, ResourceWriteSuccessEvent, WorkspaceReference } from '../events/domainEvent.js';
import type { GovernanceDeps } from '../governance/deps.js';
import { parseResourceReference } from '../events/resourceReference.js';
import { scopeOf } from '../policy/scope.js';
import { tagValueOf } from '../policy/tags.js';
import type { RunContext } from '../shared/useCaseContext.js';
import { governOnlineDeployment } from './governOnlineEndpoints.js';

export interface OnlineDeploymentReference {
  readonly workspace: WorkspaceReference;
  readonly endpointName: string;
  readonly deploymentName: string;
}

/** The online deployment a resource id names (`…/workspaces/{w}/onlineEndpoints/{e}/deployments/{d}`), if it names one. */
export function onlineDeploymentOf(resourceId: string): OnlineDeploymentReference | undefined {
  const reference = parseResourceReference(resourceId);
  if (reference.workspace === null) return undefined;
  const match = /\/onlineEndpoints\/([^/]+)\/deployments\/([^/]+)$/i.exec(resourceId.trim().replace(/\/+$/, ''));
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { workspace: reference.workspace, endpointName: match[1], deploymentName: match[2] };
}

export async function onDeploymentWritten(governance: GovernanceDeps, event: ResourceWriteSuccessEvent, context: RunContext): Promise<EventOutcome> {
  const named = onlineDeploymentOf(event.data.resourceUri || event.subject);
  if (named === undefined) return { handled: false, reason: 'not an online deployment' };
  const online = governance.onlineEndpoints;
  if (online === undefined || governance.policy.onlineEndpoints === undefined) return { handled: false, reason: 'the policy has no onlineEndpoints rules' };
  const scope = scopeOf(named.workspace, governance.policy);
  if (!scope.inScope) return { handled: false, reason: `out of scope: ${scope.reason}` };
  const name = `${named.endpointName}/${named.deploymentName}`;
  let workspaceTags: Readonly<Record<string, string>>;
  try {
    workspaceTags = (await governance.arm.readWorkspace(named.workspace)).tags;
  } catch (error) {
    if (isAppError(error) && (error.code === 'NotFound' || error.code === 'Forbidden')) return { handled: false, reason: `workspace unreadable: ${error.message}` };
    throw error;
  }
  const deployment = await online.gateway.readDeployment(named.workspace, named.endpointName, named.deploymentName);
  if (deployment === undefined) return { handled: false, reason: `online deployment ${name} does not exist any more` };
  const result = await governOnlineDeployment(
    { ...named.workspace, owner: tagValueOf(workspaceTags, 'owner'), tags: workspaceTags },
    deployment,
    governance.policy,
    online,
    governance.audit,
    governance.now,
    { correlationId: event.id, dryRun: context.dryRun },
  );
  if (result === undefined) return { handled: false, reason: 'the policy has no onlineEndpoints rules' };
  const reason = `online deployment ${name}: ${result.outcome}${result.change === undefined ? '' : ` (${result.change})`}${result.note === undefined ? '' : `; ${result.note}`}`;
  if (result.outcome === 'failed') context.log.warn(`Policy: ${reason}`);
  else context.log.info(`Policy: ${reason}`);
  return { handled: true, reason };
}
