import * as z from 'zod';
import { parseIsoDuration } from './duration.js';
import { quotaSchema } from './quotaRules.js';
import { requiredStopScheduleSchema } from './instanceRules.js';
import { onlineEndpointsSchema } from './onlineEndpointSchema.js';
import { jobsOverrideSchema, jobsSchema } from './jobRuleSchema.js';
import { modelMonitoringSchema } from './modelMonitoringSchema.js';

/**
 * The shape of the policy document. Every object is strict so a typo is an error, not a silently
 * ignored rule. Cross-references (a rule naming a target that does not exist, …) are checked after
 * this shape, in `policyReferences.ts`. `policy/schema.json` is generated from this file.
 */

const mode = z
  .enum(['audit', 'enforce'], { error: "expected 'audit' or 'enforce'" })
  .describe('audit: report findings only. enforce: also write the fixable differences.');

function count(min: number) {
  const error = `expected a number ≥ ${min}`;
  return z.int({ error }).min(min, { error });
}

// Upper-case only in the document: the form Azure writes and the one the JSON schema can check.
const isoDuration = z
  .string({ error: 'expected an ISO-8601 duration such as PT30M' })
  .regex(/^P(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/, {
    error: 'expected an ISO-8601 duration such as PT30M, PT2H or P7D (weeks, days, hours, minutes, seconds)',
    abort: true,
  })
  .refine((text) => (parseIsoDuration(text) ?? 0) > 0, { error: 'expected an ISO-8601 duration longer than zero, such as PT30M' });

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const globList = z
  .array(nonEmpty('a name pattern'), { error: 'expected a list of name patterns' })
  .min(1, { error: 'expected at least one name pattern' })
  .describe('Name patterns: * matches any characters, ? one character; case-insensitive.');

const tagName = z
  .string({ error: 'expected a tag name' })
  .min(1, { error: 'expected a tag name' })
  .max(512, { error: 'expected a tag name of at most 512 characters' })
  .regex(/^[^<>%&\\?/]+$/, { error: 'expected a tag name without < > % & \\ ? /' });

const tagValue = z.string({ error: 'expected a tag value' }).max(256, { error: 'expected a tag value of at most 256 characters' });

const secretName = z
  .string({ error: 'expected a Key Vault secret name' })
  .regex(/^[0-9A-Za-z-]{1,127}$/, { error: 'expected a Key Vault secret name (1–127 letters, digits and hyphens)' })
  .describe('Name of a secret in the app’s Key Vault; the value never appears in the policy.');

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const subscriptionId = z
  .string({ error: 'expected a subscription id' })
  .regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/, {
    error: 'expected a subscription id (a GUID)',
  });

const vmSizeList = z
  .array(nonEmpty('a VM size such as Standard_DS3_v2'), { error: 'expected a list of VM sizes' })
  .min(1, { error: 'expected at least one VM size' })
  .describe('Allowed VM sizes (case-insensitive), e.g. Standard_DS3_v2. Absent: any size.');

const channelRef = nonEmpty('a channel name').describe('A channel named in notifications.channels.');
const targetRef = nonEmpty('a target name').describe('A target named in cd.targets.');

// ── requiredTags ────────────────────────────────────────────────────────────────────────────────
const tagSource = z.enum(['workspace', 'resourceGroup'], { error: "expected 'workspace' or 'resourceGroup'" });
const tagSubject = z.enum(['workspace', 'compute'], { error: "expected 'workspace' or 'compute'" });

const requiredTagFields = {
  name: tagName.describe('Tag name (matched case-insensitively, as Azure does).'),
  allowedValues: z
    .array(tagValue, { error: 'expected a list of tag values' })
    .min(1, { error: 'expected at least one allowed value' })
    .describe('Values the tag may take (case-insensitive). Absent: any non-empty value.'),
  inheritFrom: z
    .array(tagSource, { error: "expected a list of 'workspace' / 'resourceGroup'" })
    .describe('Where a missing value is copied from, in order of preference (a compute inherits from its workspace).'),
  default: tagValue.min(1, { error: 'expected a non-empty tag value' }).describe('Value used when no source has one.'),
  appliesTo: z
    .array(tagSubject, { error: "expected a list of 'workspace' / 'compute'" })
    .min(1, { error: 'expected at least one of workspace, compute' })
    .describe('Resources the tag is required on.'),
  mode: mode.describe('Overrides the global mode for this tag.'),
};

export const requiredTagSchema = z.strictObject({
  name: requiredTagFields.name,
  allowedValues: requiredTagFields.allowedValues.optional(),
  inheritFrom: requiredTagFields.inheritFrom.default([]),
  default: requiredTagFields.default.optional(),
  appliesTo: requiredTagFields.appliesTo.default(['workspace', 'compute']),
  mode: requiredTagFields.mode.optional(),
});

const requiredTagOverrideSchema = z
  .strictObject(requiredTagFields)
  .partial()
  .required({ name: true })
  .describe('Merged over the base tag rule of the same name, or added when there is none.');

// ── scaling ─────────────────────────────────────────────────────────────────────────────────────
const clusterScalingFields = {
  minNodeCount: count(0).describe('The minimum node count every cluster must have; 0 makes clusters scale to zero.'),
  maxIdleTimeBeforeScaleDown: isoDuration.describe('Longest idle time before nodes are released (ISO-8601, e.g. PT30M).'),
  maxNodeCount: count(1).describe('Cap on a cluster’s maximum node count. Absent: no cap.'),
  allowedVmSizes: vmSizeList,
  allowLowPriority: z.boolean({ error: 'expected true or false' }).describe('Whether low-priority (spot) VMs are allowed.'),
  remoteLoginPortPublicAccess: z
    .enum(['Disabled', 'Allowed'], { error: "expected 'Disabled' or 'Allowed'" })
    .describe('Disabled: public SSH to cluster nodes is a finding.'),
  mode: mode.describe('Overrides the global mode for cluster rules.'),
};

export const clusterScalingSchema = z.strictObject({
  minNodeCount: clusterScalingFields.minNodeCount.default(0),
  maxIdleTimeBeforeScaleDown: clusterScalingFields.maxIdleTimeBeforeScaleDown.default('PT30M'),
  maxNodeCount: clusterScalingFields.maxNodeCount.optional(),
  allowedVmSizes: clusterScalingFields.allowedVmSizes.optional(),
  allowLowPriority: clusterScalingFields.allowLowPriority.default(true),
  remoteLoginPortPublicAccess: clusterScalingFields.remoteLoginPortPublicAccess.default('Disabled'),
  mode: clusterScalingFields.mode.optional(),
});

const instanceScalingFields = {
  maxIdleTimeBeforeShutdown: isoDuration.describe(
    'Compute instances must shut down after at most this idle time (ISO-8601, e.g. PT60M). Absent: no rule.',
  ),
  minIdleTimeBeforeShutdown: isoDuration.describe(
    'Compute instances must not shut down sooner than this idle time (ISO-8601, e.g. PT15M; Azure allows PT15M to P3D). Absent: no minimum.',
  ),
  requiredStopSchedule: requiredStopScheduleSchema,
  mode: mode.describe('Overrides the global mode for compute-instance rules.'),
};

export const instanceScalingSchema = z.strictObject({
  maxIdleTimeBeforeShutdown: instanceScalingFields.maxIdleTimeBeforeShutdown.optional(),
  minIdleTimeBeforeShutdown: instanceScalingFields.minIdleTimeBeforeShutdown.optional(),
  requiredStopSchedule: instanceScalingFields.requiredStopSchedule.optional(),
  mode: instanceScalingFields.mode.optional(),
});

const scalingSchema = z.strictObject({
  clusters: clusterScalingSchema.describe('Rules for AmlCompute clusters.').prefault({}),
  instances: instanceScalingSchema.describe('Rules for compute instances.').prefault({}),
});

// ── compute requests ────────────────────────────────────────────────────────────────────────────
const computeRequestFields = {
  expiresAfter: isoDuration.describe('A pending request expires after this long (ISO-8601).'),
  allowedVmSizes: vmSizeList.describe('VM sizes a request may ask for. Absent: scaling.clusters.allowedVmSizes.'),
  maxNodeCount: count(1).describe('Largest maxNodeCount a request may ask for. Absent: scaling.clusters.maxNodeCount.'),
  allowLowPriority: z
    .boolean({ error: 'expected true or false' })
    .describe('Whether requests may ask for low-priority VMs. Absent: scaling.clusters.allowLowPriority.'),
};

export const computeRequestsSchema = z.strictObject({
  expiresAfter: computeRequestFields.expiresAfter.default('P7D'),
  allowedVmSizes: computeRequestFields.allowedVmSizes.optional(),
  maxNodeCount: computeRequestFields.maxNodeCount.optional(),
  allowLowPriority: computeRequestFields.allowLowPriority.optional(),
});

// ── scope ───────────────────────────────────────────────────────────────────────────────────────
const environmentOverrideSchema = z
  .strictObject({
    mode: mode.describe('Global mode for resources in this environment.').optional(),
    requiredTags: z
      .array(requiredTagOverrideSchema, { error: 'expected a list of tag rules' })
      .describe('Tag rules merged by name over the base requiredTags.')
      .optional(),
    scaling: z
      .strictObject({
        clusters: z.strictObject(clusterScalingFields).partial().optional(),
        instances: z.strictObject(instanceScalingFields).partial().optional(),
      })
      .optional(),
    computeRequests: z.strictObject(computeRequestFields).partial().optional(),
    jobs: jobsOverrideSchema.optional(),
  })
  .describe('Deep-merged over the base rules for resources in this environment; lists replace, tag rules merge by name.');

const scopeSchema = z.strictObject({
  subscriptions: z
    .array(subscriptionId, { error: 'expected a list of subscription ids' })
    .default([])
    .describe('Subscriptions the policy governs and the sweep visits. Empty: nothing is in scope.'),
  resourceGroups: z
    .array(nonEmpty('a resource group name'), { error: 'expected a list of resource group names' })
    .min(1, { error: 'expected at least one resource group' })
    .optional()
    .describe('Optional allow-list of resource groups (case-insensitive). Absent: all.'),
  workspaces: globList.default(['*']).describe('Workspace name patterns in scope. Default: all.'),
  environmentTag: tagName
    .default('environment')
    .describe('Tag that tells a resource’s environment (a compute without it takes its workspace’s).'),
  overrides: z
    .record(nonEmpty('an environment name'), environmentOverrideSchema, { error: 'expected a map of environment → rules' })
    .default({})
    .describe('Rules per environment (the environment tag’s value, case-insensitive), merged over the base rules.'),
});

// ── exemptions ──────────────────────────────────────────────────────────────────────────────────
const exemptionsSchema = z.strictObject({
  tag: tagName
    .default('aml-warden-exempt')
    .describe('Tag that exempts a resource until a date: "2025-12-31" or "2025-12-31;reason".'),
  requireReason: z
    .boolean({ error: 'expected true or false' })
    .default(false)
    .describe('An exemption without a reason is malformed (a finding) when true.'),
  maxDuration: isoDuration
    .optional()
    .describe('Longest exemption allowed from now (ISO-8601, e.g. P90D); a later expiry is malformed.'),
});

// ── cd ──────────────────────────────────────────────────────────────────────────────────────────
const azureDevOpsAuthSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('managedIdentity') }).describe("The app's managed identity (Entra ID token)."),
    z.strictObject({ kind: z.literal('pat'), secretName }).describe('A personal access token from Key Vault.'),
  ],
  { error: "expected auth kind 'managedIdentity' or 'pat'" },
);

const azureDevOpsTargetSchema = z
  .strictObject({
    kind: z.literal('azureDevOps'),
    organizationUrl: httpUrl.describe('e.g. https://dev.azure.com/contoso'),
    project: nonEmpty('a project name'),
    pipelineId: count(1).describe('Pipeline definition id.'),
    auth: azureDevOpsAuthSchema.prefault({ kind: 'managedIdentity' }),
  })
  .describe('Runs an Azure DevOps pipeline with templateParameters modelName, modelVersion, workspaceId, idempotencyKey; its run name starts with the key.');

const githubActionsTargetSchema = z
  .strictObject({
    kind: z.literal('githubActions'),
    apiUrl: httpUrl.default('https://api.github.com').describe('GitHub (Enterprise) REST API base URL.'),
    owner: nonEmpty('a repository owner'),
    repo: nonEmpty('a repository name'),
    workflow: nonEmpty('a workflow file name or id').describe('e.g. model-cd.yml'),
    ref: nonEmpty('a git ref').default('main').describe('Branch or tag the workflow runs on.'),
    tokenSecretName: secretName,
  })
  .describe('Dispatches a GitHub Actions workflow (workflow_dispatch) with inputs model_name, model_version, workspace_id, idempotency_key.');

const webhookTargetSchema = z
  .strictObject({
    kind: z.literal('webhook'),
    url: httpUrl.optional().describe('Where to POST; or urlSecretName.'),
    urlSecretName: secretName.optional().describe('Key Vault secret holding the URL; or url.'),
    signingSecretName: secretName.describe('Key Vault secret holding the Standard Webhooks signing secret (whsec_ followed by base64).'),
  })
  .describe('POSTs a JSON body signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).');

export const cdTargetSchema = z.discriminatedUnion(
  'kind',
  [azureDevOpsTargetSchema, githubActionsTargetSchema, webhookTargetSchema],
  { error: "expected target kind 'azureDevOps', 'githubActions' or 'webhook'" },
);

const stringMap = (what: string) =>
  z.record(nonEmpty(`a ${what} name`), tagValue, { error: `expected a map of ${what} name → value` });

export const cdRuleSchema = z.strictObject({
  name: nonEmpty('a rule name'),
  target: targetRef,
  workspaces: globList.optional().describe('Only models registered in these workspaces.'),
  models: globList.optional().describe('Only these model names.'),
  experiments: globList
    .optional()
    .describe("Condition: the producing job's experiment (or its parent pipeline job's) matches."),
  modelTags: stringMap('tag').optional().describe('Condition: the model version carries all these tags (value * = any).'),
  jobTags: stringMap('tag').optional().describe('Condition: the job (or its parent) carries all these tags (value * = any).'),
  match: z
    .enum(['any', 'all'], { error: "expected 'any' or 'all'" })
    .default('any')
    .describe('any: one of the conditions suffices; all: every condition given must hold.'),
  parameters: z
    .record(nonEmpty('a parameter name'), z.union([z.string(), z.number(), z.boolean()]), {
      error: 'expected a map of parameter name → value',
    })
    .optional()
    .describe('Extra templateParameters (Azure DevOps) / inputs (GitHub) / body fields (webhook).'),
});

const cdSchema = z.strictObject({
  targets: z
    .record(nonEmpty('a target name'), cdTargetSchema, { error: 'expected a map of target name → target' })
    .default({}),
  rules: z.array(cdRuleSchema, { error: 'expected a list of CD rules' }).default([]),
});

// ── notifications ───────────────────────────────────────────────────────────────────────────────
const channelSchema = z.strictObject({
  kind: z.enum(['teams', 'slack', 'webhook'], { error: "expected 'teams', 'slack' or 'webhook'" }),
  urlSecretName: secretName.describe('Key Vault secret holding the incoming-webhook URL.'),
});

export const failedRunRouteSchema = z
  .strictObject({
    workspaces: globList.optional(),
    experiments: globList.optional(),
    channel: channelRef.optional(),
    mute: z.boolean({ error: 'expected true or false' }).optional().describe('true: send nothing for these runs.'),
  })
  .describe('First matching route wins; give channel, or mute: true.');

const channelChoice = z.strictObject({ channel: channelRef });

const notificationsSchema = z.strictObject({
  channels: z
    .record(nonEmpty('a channel name'), channelSchema, { error: 'expected a map of channel name → channel' })
    .default({}),
  failedRuns: z
    .strictObject({
      routes: z.array(failedRunRouteSchema, { error: 'expected a list of routes' }).default([]),
      defaultChannel: channelRef.optional().describe('Channel for failed runs no route matches. Absent: none.'),
      burstWindow: isoDuration
        .default('PT5M')
        .describe(
          'Burst folding per experiment and channel: the first failure is sent at once and opens the window; failures while it is open are folded (counted, not sent); when it closes, the notificationFlush timer sends one summary of them.',
        ),
    })
    .prefault({}),
  violations: channelChoice.optional().describe("The compliance sweep's summary."),
  approvals: channelChoice.optional().describe('Compute requests awaiting approval and their outcome.'),
  cd: channelChoice.optional().describe('CD runs that could not be started.'),
  events: z
    .strictObject({
      RunCompleted: channelRef.optional(),
      ModelDeployed: channelRef.optional(),
      DatasetDriftDetected: channelRef.optional(),
    })
    .default({})
    .describe('Channels for informational Azure ML events.'),
});

// ── drift retraining ────────────────────────────────────────────────────────────────────────────
const driftRetrainSchema = z.strictObject({
  enabled: z.boolean({ error: 'expected true or false' }).default(false),
  target: targetRef.optional().describe('The CD target that starts retraining (required when enabled).'),
  datasets: globList.optional().describe('Only drift on these datasets. Absent: all.'),
});

// ── the document ────────────────────────────────────────────────────────────────────────────────
export const policySchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version 1' }).default(1).describe('Policy document format version.'),
    mode: mode.default('audit'),
    scope: scopeSchema.prefault({}),
    requiredTags: z.array(requiredTagSchema, { error: 'expected a list of tag rules' }).default([]),
    scaling: scalingSchema.prefault({}),
    exemptions: exemptionsSchema.prefault({}),
    cd: cdSchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
    driftRetrain: driftRetrainSchema.optional(),
    computeRequests: computeRequestsSchema.prefault({}),
    quota: quotaSchema.optional().describe('Compute quota utilization per VM family, reported by the sweep; absent: quota is not read.'),
    onlineEndpoints: onlineEndpointsSchema.optional().describe('Managed online endpoints and deployments, read by the sweep; absent: they are not read.'),
    jobs: jobsSchema.optional().describe('Azure ML jobs (serverless and cluster), judged when they run and by the sweep; absent: jobs are not read.'),
    modelMonitoring: modelMonitoringSchema.optional().describe('Azure ML model monitor alerts (Azure Monitor, common alert schema) that start retraining; absent: such alerts start nothing.'),
  })
  .describe('aml-warden policy: what Azure ML workspaces and computes must look like, and what to automate.');

export type Policy = z.output<typeof policySchema>;
export type Mode = Policy['mode'];
export type PolicyScope = Policy['scope'];
export type RequiredTagRule = z.output<typeof requiredTagSchema>;
export type ClusterScalingRules = z.output<typeof clusterScalingSchema>;
export type InstanceScalingRules = z.output<typeof instanceScalingSchema>;
export type ScalingRules = Policy['scaling'];
export type ComputeRequestRules = z.output<typeof computeRequestsSchema>;
export type EnvironmentOverride = z.output<typeof environmentOverrideSchema>;
export type ExemptionRules = Policy['exemptions'];
export type CdTarget = z.output<typeof cdTargetSchema>;
export type AzureDevOpsTarget = z.output<typeof azureDevOpsTargetSchema>;
export type GithubActionsTarget = z.output<typeof githubActionsTargetSchema>;
export type WebhookTarget = z.output<typeof webhookTargetSchema>;
export type CdRule = z.output<typeof cdRuleSchema>;
export type NotificationChannel = z.output<typeof channelSchema>;
export type FailedRunRoute = z.output<typeof failedRunRouteSchema>;
export type NotificationRules = Policy['notifications'];
export type DriftRetrainRules = z.output<typeof driftRetrainSchema>;
