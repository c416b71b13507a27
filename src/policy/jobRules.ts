/**
 * `jobs:` in the policy — what Azure ML jobs may ask for — and the pure evaluation of one job against it.
 *
 * Job shapes are azure-rest-api-specs `Microsoft.MachineLearningServices/stable/2024-04-01/mfe.json`:
 * - `JobBase.properties` is `JobBaseProperties` (discriminated by `jobType`); `computeId` is the ARM id of the compute
 *   target, and a job without one runs on serverless compute;
 * - `CommandJob` (and `SweepJob`) carry `resources` (`JobResourceConfiguration` ⊃ `ResourceConfiguration`:
 *   `instanceType`, `instanceCount`, default 1) and `queueSettings` (`QueueSettings.jobTier`: `Null`, `Spot`, `Basic`,
 *   `Standard`, `Premium`);
 * - `CommandJob.limits` is `CommandJobLimits` (`JobLimits.timeout`, an ISO-8601 duration after which the job is
 *   cancelled).
 *
 * What applies to which job: instance types and queue tiers are serverless settings (on a cluster the VM size is the
 * cluster's, governed by `scaling.clusters.allowedVmSizes`, and the queue tier is ignored), so they are judged only for
 * serverless jobs. The instance count (nodes a job takes) and the command job timeout mean the same on both, so they
 * are judged for serverless and cluster jobs alike.
 */
import * as z from 'zod';
import { compareDurations, isIsoDuration } from './duration.js';
import { overrideFor } from './effectiveRules.js';
import type { JobRules } from './jobRuleSchema.js';
import type { Mode, Policy } from './policySchema.js';

export { JOB_TIERS, jobsOverrideSchema, jobsSchema, type JobRules, type JobTier } from './jobRuleSchema.js';

/** The job rules for an environment, and the mode they act in; `undefined` when the policy has no `jobs:`. */
export function jobRulesFor(policy: Policy, environment: string | undefined): { readonly rules: JobRules; readonly mode: Mode } | undefined {
  const base = policy.jobs;
  if (base === undefined) return undefined;
  const found = overrideFor(policy, environment);
  const rules: JobRules = { ...base };
  for (const [key, value] of Object.entries(found?.override.jobs ?? {})) {
    if (value !== undefined) Object.assign(rules, { [key]: value });
  }
  const environmentMode = found?.override.mode ?? policy.mode;
  return { rules, mode: rules.mode ?? environmentMode };
}

// ── the job as read from ARM (Jobs_Get / Jobs_List) ─────────────────────────────────────────────────

const optionalString = z.string().nullish().transform((value) => value ?? undefined);

/** The parts of `JobBase` the rules read; anything else in the body is ignored. */
export const jobResourceSchema = z.object({
  id: z.string({ error: 'expected the job id' }),
  name: z.string({ error: 'expected the job name' }),
  properties: z.object({
    jobType: z.string({ error: 'expected properties.jobType' }),
    status: optionalString,
    displayName: optionalString,
    experimentName: optionalString,
    computeId: optionalString,
    tags: z.record(z.string(), z.string().nullable()).nullish().transform((tags) => Object.fromEntries(Object.entries(tags ?? {}).filter((entry): entry is [string, string] => entry[1] !== null))),
    resources: z.object({ instanceType: optionalString, instanceCount: z.number().int().nullish().transform((value) => value ?? undefined) }).nullish(),
    queueSettings: z.object({ jobTier: optionalString }).nullish(),
    limits: z.object({ timeout: optionalString }).nullish(),
  }),
  systemData: z.object({ createdBy: optionalString }).nullish(),
});

export type JobResource = z.output<typeof jobResourceSchema>;

/** Statuses after which a job uses nothing more (mfe.json `JobStatus`); cancelling one is pointless. */
const TERMINAL_STATUSES = new Set(['completed', 'failed', 'canceled', 'cancelrequested', 'finalizing']);

export function isActiveJob(job: JobResource): boolean {
  return !TERMINAL_STATUSES.has((job.properties.status ?? '').toLowerCase());
}

/**
 * A job that runs on serverless compute: it names no compute, and it is a job that runs itself. A pipeline job
 * (mfe.json `PipelineJob`) carries neither `resources` nor `queueSettings`: its steps run as child jobs, each judged on
 * its own when it runs, so the parent is not judged as a serverless job.
 */
export function isServerlessJob(job: JobResource): boolean {
  if (job.properties.jobType.toLowerCase() === 'pipeline') return false;
  return job.properties.computeId === undefined || job.properties.computeId.trim() === '';
}

export type JobRuleName = 'job.instanceType' | 'job.instanceCount' | 'job.queueTier' | 'job.timeout';

export interface JobFinding {
  readonly rule: JobRuleName;
  readonly expected: string;
  readonly actual: string;
  readonly message: string;
}

/** Every rule the job breaks, with what the policy expects and what the job asks for. */
export function evaluateJob(rules: JobRules, job: JobResource): JobFinding[] {
  const findings: JobFinding[] = [];
  const { properties } = job;
  const serverless = isServerlessJob(job);
  if (serverless && rules.allowedInstanceTypes !== undefined) {
    const actual = properties.resources?.instanceType;
    const allowed = rules.allowedInstanceTypes.some((type) => type.toLowerCase() === actual?.toLowerCase());
    if (!allowed) {
      findings.push({
        rule: 'job.instanceType',
        expected: rules.allowedInstanceTypes.join(', '),
        actual: actual ?? '(service default)',
        message: `serverless instance type ${actual ?? '(service default)'} is not allowed (allowed: ${rules.allowedInstanceTypes.join(', ')})`,
      });
    }
  }
  if (rules.maxInstanceCount !== undefined) {
    // ResourceConfiguration.instanceCount defaults to 1 (mfe.json).
    const actual = properties.resources?.instanceCount ?? 1;
    if (actual > rules.maxInstanceCount) {
      findings.push({ rule: 'job.instanceCount', expected: `≤ ${rules.maxInstanceCount}`, actual: String(actual), message: `asks for ${actual} instances, more than ${rules.maxInstanceCount}` });
    }
  }
  if (serverless && rules.allowedQueueTiers !== undefined) {
    const actual = properties.queueSettings?.jobTier;
    const allowed = rules.allowedQueueTiers.some((tier) => tier.toLowerCase() === (actual ?? 'Null').toLowerCase());
    if (!allowed) {
      findings.push({ rule: 'job.queueTier', expected: rules.allowedQueueTiers.join(', '), actual: actual ?? 'Null', message: `queue tier ${actual ?? 'Null'} is not allowed here (allowed: ${rules.allowedQueueTiers.join(', ')})` });
    }
  }
  if (rules.maxTimeout !== undefined && properties.jobType.toLowerCase() === 'command') {
    const actual = properties.limits?.timeout;
    if (actual === undefined || !isIsoDuration(actual) || compareDurations(actual, rules.maxTimeout) > 0) {
      findings.push({
        rule: 'job.timeout',
        expected: `≤ ${rules.maxTimeout}`,
        actual: actual ?? '(none)',
        message: actual === undefined ? `has no limits.timeout (at most ${rules.maxTimeout} required)` : `limits.timeout ${actual} is longer than ${rules.maxTimeout}`,
      });
    }
  }
  return findings;
}

/** What to do about a job that breaks rules: cancel only in enforce mode when the rule says so, and only while it runs. */
export function jobAction(rules: JobRules, mode: Mode, job: JobResource, findings: readonly JobFinding[]): 'none' | 'report' | 'cancel' {
  if (findings.length === 0) return 'none';
  return mode === 'enforce' && rules.action === 'cancel' && isActiveJob(job) ? 'cancel' : 'report';
}
