/**
 * What a compute request for one workspace may ask for, for a form to offer before anything is filed. The workspace is
 * found as `createComputeRequest` finds it (in the policy's scope, else 422; read from ARM, else 404), and every answer
 * comes from the functions that check the request and build its cluster — `computeRequestLimits`,
 * `checkComputeRequest`, `computeSpecFor` — and the body schema's own bounds, so the form and `POST` cannot disagree.
 */
import { AppError } from '../errors.js';
import { checkComputeRequest, computeRequestLimits, computeSpecFor, vmPriorities, type ComputeRequestInput } from '../policy/computeRequestRules.js';
import { effectiveRules, environmentOf } from '../policy/effectiveRules.js';
import { parseArmResourceId } from '../policy/resources.js';
import { scopeOf } from '../policy/scope.js';
import { createComputeRequestBody, type ComputeRequestOptions } from './computeRequestSchemas.js';
import type { ComputeRequestDeps } from './ports.js';

const MODULE = 'computeRequests';
const TARGET = 'query.workspaceId';

export async function computeRequestOptions(deps: Pick<ComputeRequestDeps, 'gateway' | 'policy'>, workspaceId: string): Promise<ComputeRequestOptions> {
  const location = parseArmResourceId(workspaceId);
  if (location === undefined || location.computeName !== undefined) {
    throw new AppError('BadRequest', `${TARGET} is not a workspace resource id`, { target: TARGET, module: MODULE });
  }
  // As for a request: scope first, so ARM is never asked about a workspace the app does not govern.
  const scope = scopeOf(location, deps.policy);
  if (!scope.inScope) {
    throw new AppError('PolicyViolation', `scope: the workspace is not governed by the policy: ${scope.reason}`, {
      target: TARGET,
      module: MODULE,
      details: [{ target: 'scope', message: scope.reason }],
    });
  }
  const workspace = await deps.gateway.readWorkspace(workspaceId);
  if (workspace === undefined) {
    throw new AppError('NotFound', `workspace ${location.workspaceName} does not exist in resource group ${location.resourceGroup}`, {
      target: TARGET,
      module: MODULE,
    });
  }

  const { policy } = deps;
  const limits = computeRequestLimits(workspace, policy);
  // A request as the form would start it; only the verdicts and the settings the policy gives the cluster are read.
  const draft: ComputeRequestInput = { workspace, computeName: 'draft', vmSize: limits.allowedVmSizes?.[0] ?? 'draft', maxNodeCount: 1 };
  const cluster = computeSpecFor(draft, policy);
  const settings = cluster.properties.properties;
  const acceptedPriorities = vmPriorities.filter(
    (vmPriority) => !checkComputeRequest({ ...draft, vmPriority }, policy).some((violation) => violation.field === 'vmPriority'),
  );
  // The body schema bounds maxNodeCount whatever the policy says; the policy's cap may only narrow it.
  const bounds = createComputeRequestBody.shape.maxNodeCount;
  const maximum = Math.min(limits.maxNodeCount ?? Number.MAX_SAFE_INTEGER, bounds.maxValue ?? Number.MAX_SAFE_INTEGER);
  const environment = environmentOf(policy, workspace.tags);
  const computeTagRules = effectiveRules(policy, environment).requiredTags.filter((rule) => rule.appliesTo.includes('compute'));

  return {
    workspace: {
      id: workspace.id,
      name: workspace.name,
      subscriptionId: workspace.subscriptionId,
      resourceGroup: workspace.resourceGroup,
      location: workspace.location ?? null,
      environment: environment ?? null,
    },
    environmentOverride: limits.environment ?? null,
    vmSize: { allowed: limits.allowedVmSizes === undefined ? null : [...limits.allowedVmSizes] },
    maxNodeCount: { minimum: bounds.minValue ?? 1, maximum },
    minNodeCount: { value: settings.scaleSettings.minNodeCount },
    vmPriority: { allowed: acceptedPriorities, default: settings.vmPriority },
    idleTimeBeforeScaleDown: settings.scaleSettings.nodeIdleTimeBeforeScaleDown,
    remoteLoginPortPublicAccess: settings.remoteLoginPortPublicAccess,
    requiredTags: computeTagRules.map((rule) => ({
      name: rule.name,
      allowedValues: rule.allowedValues === undefined ? null : [...rule.allowedValues],
      value: cluster.tags[rule.name] ?? null,
    })),
    expiresAfter: limits.expiresAfter,
  };
}
