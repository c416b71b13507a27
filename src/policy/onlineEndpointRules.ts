/**
 * `onlineEndpoints:` in the policy — managed online endpoints and their deployments, which bill for every
 * instance of every deployment, failed ones included — and their pure evaluation.
 *
 * Shapes and what can be written come from azure-rest-api-specs
 * `Microsoft.MachineLearningServices/stable/2024-04-01/mfe.json` (the same model as `@azure/arm-machinelearning`):
 * - `OnlineEndpoint.properties` (`OnlineEndpointProperties`): `authMode` `Key` | `AMLToken` | `AADToken`,
 *   `publicNetworkAccess` `Enabled` | `Disabled`, `provisioningState`.
 * - `OnlineDeployment`: `sku.capacity` (the instance count of a `Default`-scaled deployment),
 *   `properties.instanceType`, `properties.scaleSettings` (`Default` | `TargetUtilization` with `maxInstances`),
 *   `properties.provisioningState` (`Creating`, `Deleting`, `Scaling`, `Updating`, `Succeeded`, `Failed`, `Canceled`).
 * - `OnlineDeployments_Update` (PATCH) takes `PartialMinimalTrackedResourceWithSku` — tags and `sku` only — so the
 *   instance count of a `Default` deployment can be capped in place through `sku.capacity`, while a
 *   `TargetUtilization` maximum (`scaleSettings.maxInstances`) is changed only by a full `OnlineDeployments_CreateOrUpdate`.
 * - `OnlineEndpoints_Update` (PATCH) takes `PartialMinimalTrackedResourceWithIdentity` — tags and identity only —
 *   so neither `publicNetworkAccess` nor `authMode` can be changed by a patch: they are reported with advice.
 * Autoscale configured through Azure Monitor autoscale settings (`Microsoft.Insights/autoscalesettings` targeting the
 * deployment) is a separate resource that is not read: only `scaleSettings.maxInstances` and `sku.capacity` count.
 */
import * as z from 'zod';
import { AppError } from '../errors.js';
import { durationMs } from './duration.js';
import type { Finding } from './findings.js';
import { onlineEndpointsSchema, type OnlineEndpointRules } from './onlineEndpointSchema.js';
import type { Mode } from './policySchema.js';

export { onlineEndpointsSchema, type OnlineEndpointRules };


export interface OnlineEndpointResource {
  readonly resourceType: 'onlineEndpoint';
  readonly id: string;
  readonly name: string;
  readonly location: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly authMode: string | undefined;
  readonly publicNetworkAccess: string | undefined;
  readonly provisioningState: string | undefined;
}

export interface OnlineDeploymentResource {
  readonly resourceType: 'onlineDeployment';
  readonly id: string;
  readonly name: string;
  readonly endpointName: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly instanceType: string | undefined;
  readonly capacity: number | undefined;
  readonly scaleType: string | undefined;
  readonly maxInstances: number | undefined;
  readonly provisioningState: string | undefined;
}

const tags = z.record(z.string(), z.string()).nullish().transform((value) => value ?? {});

const endpointBody = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  location: z.string().nullish(),
  tags,
  properties: z.object({ authMode: z.string().nullish(), publicNetworkAccess: z.string().nullish(), provisioningState: z.string().nullish() }),
});

const deploymentBody = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  tags,
  sku: z.object({ capacity: z.number().nullish() }).nullish(),
  properties: z.object({
    instanceType: z.string().nullish(),
    provisioningState: z.string().nullish(),
    scaleSettings: z.object({ scaleType: z.string(), maxInstances: z.number().nullish() }).nullish(),
  }),
});

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const target = first?.path.map(String).join('.') || '(body)';
  throw new AppError('UpstreamPermanent', `unexpected ${what} shape at ${target}: ${first?.message ?? 'invalid'}`, { module: 'policy', target });
}

export function parseOnlineEndpoint(value: unknown): OnlineEndpointResource {
  const body = parse(endpointBody, value, 'online endpoint');
  return {
    resourceType: 'onlineEndpoint',
    id: body.id,
    name: body.name,
    location: body.location ?? undefined,
    tags: body.tags,
    authMode: body.properties.authMode ?? undefined,
    publicNetworkAccess: body.properties.publicNetworkAccess ?? undefined,
    provisioningState: body.properties.provisioningState ?? undefined,
  };
}

export function parseOnlineDeployment(value: unknown): OnlineDeploymentResource {
  const body = parse(deploymentBody, value, 'online deployment');
  const endpointName = /\/onlineEndpoints\/([^/]+)\/deployments\//i.exec(body.id)?.[1];
  if (endpointName === undefined) throw new AppError('UpstreamPermanent', `not an online deployment resource id: ${body.id}`, { module: 'policy', target: 'id' });
  const scale = body.properties.scaleSettings ?? undefined;
  return {
    resourceType: 'onlineDeployment',
    id: body.id,
    name: body.name,
    endpointName,
    tags: body.tags,
    instanceType: body.properties.instanceType ?? undefined,
    capacity: body.sku?.capacity ?? undefined,
    scaleType: scale?.scaleType,
    maxInstances: scale?.scaleType === 'TargetUtilization' ? (scale.maxInstances ?? undefined) : undefined,
    provisioningState: body.properties.provisioningState ?? undefined,
  };
}

export function evaluateOnlineEndpoint(endpoint: OnlineEndpointResource, rules: OnlineEndpointRules, mode: Mode): Finding[] {
  const findings: Finding[] = [];
  if (rules.publicNetworkAccess === 'Disabled' && endpoint.publicNetworkAccess !== 'Disabled') {
    findings.push({
      rule: 'onlineEndpoints.publicNetworkAccess',
      severity: 'high',
      expected: 'Disabled',
      actual: endpoint.publicNetworkAccess ?? null,
      relation: 'equals',
      fixable: false,
      advice: 'OnlineEndpoints_Update cannot change it; the owner sets public_network_access: disabled on the endpoint (az ml online-endpoint update)',
      mode,
    });
  }
  if (rules.authModes !== undefined && !rules.authModes.some((allowed) => allowed.toLowerCase() === (endpoint.authMode ?? '').toLowerCase())) {
    findings.push({
      rule: 'onlineEndpoints.authMode',
      severity: 'medium',
      expected: rules.authModes,
      actual: endpoint.authMode ?? null,
      relation: 'oneOf',
      fixable: false,
      advice: 'OnlineEndpoints_Update cannot change the auth mode; the owner recreates or re-puts the endpoint with an allowed auth_mode',
      mode,
    });
  }
  return findings;
}

/** Findings for a deployment, and the capacity enforce mode writes through `OnlineDeployments_Update` when one caps it. */
export interface DeploymentEvaluation {
  readonly findings: Finding[];
  readonly capacity: number | undefined;
  readonly failed: boolean;
}

export function evaluateOnlineDeployment(deployment: OnlineDeploymentResource, rules: OnlineEndpointRules, mode: Mode): DeploymentEvaluation {
  const findings: Finding[] = [];
  let capacity: number | undefined;
  const allowed = rules.allowedInstanceTypes;
  if (allowed !== undefined && !allowed.some((type) => type.toLowerCase() === (deployment.instanceType ?? '').toLowerCase())) {
    findings.push({
      rule: 'onlineEndpoints.allowedInstanceTypes',
      severity: 'high',
      expected: allowed,
      actual: deployment.instanceType ?? null,
      relation: 'oneOf',
      fixable: false,
      advice: 'the instance type is fixed at creation; the owner creates a deployment on an allowed type and moves traffic to it',
      mode,
    });
  }
  const cap = rules.maxInstances;
  if (cap !== undefined && deployment.capacity !== undefined && deployment.capacity > cap) {
    capacity = cap;
    findings.push({
      rule: 'onlineEndpoints.maxInstances',
      severity: 'high',
      expected: cap,
      actual: deployment.capacity,
      relation: 'atMost',
      fixable: true,
      advice: `sku.capacity → ${cap} (OnlineDeployments_Update)`,
      mode,
    });
  }
  if (cap !== undefined && deployment.maxInstances !== undefined && deployment.maxInstances > cap) {
    findings.push({
      rule: 'onlineEndpoints.maxInstances.autoscale',
      severity: 'high',
      expected: cap,
      actual: deployment.maxInstances,
      relation: 'atMost',
      fixable: false,
      advice: 'scaleSettings.maxInstances is not accepted by OnlineDeployments_Update; the owner lowers it with a full update of the deployment',
      mode,
    });
  }
  const failed = (deployment.provisioningState ?? '').toLowerCase() === 'failed';
  if (failed) {
    findings.push({
      rule: 'onlineEndpoints.failedDeployment',
      severity: 'high',
      expected: 'Succeeded',
      actual: 'Failed',
      relation: 'equals',
      fixable: false,
      advice: 'a Failed deployment is still billed for its instances; fix and redeploy it, or delete it',
      mode,
    });
  }
  return { findings, capacity, failed };
}

/** What is due for a Failed deployment, given when its owner was first told (if ever) and when last reminded. */
export type FailedDeploymentStep = 'notify' | 'remind' | 'delete' | 'wait';

export function failedDeploymentStep(
  state: { readonly firstNoticeAt: string | undefined; readonly remindedAt: string | undefined },
  rules: OnlineEndpointRules,
  exempt: boolean,
  now: Date,
): FailedDeploymentStep {
  if (state.firstNoticeAt === undefined) return 'notify';
  const since = now.getTime() - Date.parse(state.firstNoticeAt);
  const deletion = rules.failedDeployments.delete;
  if (deletion !== undefined && !exempt && since >= durationMs(deletion.after)) return 'delete';
  if (state.remindedAt === undefined && since >= durationMs(rules.failedDeployments.remindAfter)) return 'remind';
  return 'wait';
}
