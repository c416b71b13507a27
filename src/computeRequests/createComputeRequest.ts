/**
 * A data scientist asks for a cluster. The workspace is re-read from ARM (404 when it does not exist),
 * the request is held to the policy (422 naming the rule), the name must be free both in Azure and among
 * open requests (409), and approvers are told. The request is stored `Pending` until it is decided or expires.
 */
import { AppError } from '../errors.js';
import { checkComputeRequest, computeRequestExpiry, computeRequestLimits } from '../policy/computeRequestRules.js';
import { parseArmResourceId } from '../policy/resources.js';
import { scopeOf } from '../policy/scope.js';
import { toView, type ComputeRequest, type ComputeRequestView } from './computeRequest.js';
import { auditTransition } from './computeRequestAudit.js';
import type { Caller, ComputeRequestDeps } from './ports.js';
import type { CreateComputeRequestInput } from './computeRequestSchemas.js';

const MODULE = 'computeRequests';

const fieldTargets: Readonly<Record<string, string>> = { workspace: 'body.workspaceId' };

export interface CreateOptions {
  /** Where the request can be read (`…/api/compute-requests/{id}`), for the approvers' card; built from the id. */
  readonly linkFor?: (id: string) => string;
}

export async function createComputeRequest(
  deps: ComputeRequestDeps,
  caller: Caller,
  input: CreateComputeRequestInput,
  options: CreateOptions = {},
): Promise<ComputeRequestView> {
  const location = parseArmResourceId(input.workspaceId);
  if (location === undefined) throw new AppError('BadRequest', 'body.workspaceId is not a workspace resource id', { target: 'body.workspaceId', module: MODULE });
  // Scope is decided by where the workspace is, before asking ARM about a workspace the app does not govern.
  const scope = scopeOf(location, deps.policy);
  if (!scope.inScope) {
    throw new AppError('PolicyViolation', `scope: the workspace is not governed by the policy: ${scope.reason}`, {
      target: 'body.workspaceId',
      module: MODULE,
      details: [{ target: 'scope', message: scope.reason }],
    });
  }
  const workspace = await deps.gateway.readWorkspace(input.workspaceId);
  if (workspace === undefined) {
    throw new AppError('NotFound', `workspace ${location.workspaceName} does not exist in resource group ${location.resourceGroup}`, {
      target: 'body.workspaceId',
      module: MODULE,
    });
  }
  const violations = checkComputeRequest({ ...input, workspace }, deps.policy);
  const first = violations[0];
  if (first !== undefined) {
    throw new AppError('PolicyViolation', `${first.rule}: ${first.message}`, {
      target: fieldTargets[first.field] ?? `body.${first.field}`,
      module: MODULE,
      details: violations.map((violation) => ({ target: violation.rule, message: violation.message })),
    });
  }
  if ((await deps.gateway.findCompute(workspace.id, input.computeName)) !== undefined) {
    throw new AppError('Conflict', `a compute named ${input.computeName} already exists in workspace ${workspace.workspaceName}`, {
      target: 'body.computeName',
      module: MODULE,
    });
  }

  const now = deps.now();
  const id = deps.newId();
  if (!(await deps.store.claimComputeName(workspace.id, input.computeName, id))) {
    throw new AppError('Conflict', `another open request already asks for a compute named ${input.computeName} in workspace ${workspace.workspaceName}`, {
      target: 'body.computeName',
      module: MODULE,
    });
  }
  const limits = computeRequestLimits(workspace, deps.policy);
  const at = now.toISOString();
  const request: ComputeRequest = {
    id,
    status: 'Pending',
    requestedBy: caller.name,
    requestedById: caller.id,
    workspaceId: workspace.id,
    computeName: input.computeName,
    vmSize: input.vmSize,
    maxNodeCount: input.maxNodeCount,
    minNodeCount: limits.minNodeCount,
    vmPriority: input.vmPriority ?? 'Dedicated',
    justification: input.justification,
    createdAt: at,
    updatedAt: at,
    expiresAt: computeRequestExpiry(now, workspace, deps.policy).toISOString(),
    provisioningAttempts: 0,
    history: [{ status: 'Pending', at, by: caller.name, byId: caller.id, comment: input.justification }],
  };
  try {
    await deps.store.create(request);
  } catch (error) {
    await deps.store.releaseComputeName(workspace.id, input.computeName, id).catch(() => undefined);
    throw error;
  }
  auditTransition(deps.telemetry, request, caller);
  await deps.notifier.requested(request, options.linkFor?.(id));
  return toView(request);
}
