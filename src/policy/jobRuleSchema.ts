/**
 * The shape of `jobs:` in the policy and of `scope.overrides.<env>.jobs` (evaluation is `jobRules.ts`). Kept apart
 * so the policy schema does not import evaluation. Field meanings and Azure sources: `jobRules.ts`.
 */
import * as z from 'zod';
import { isIsoDuration } from './duration.js';

/** `QueueSettings.jobTier` values in mfe.json 2024-04-01 (`JobTier` enum). */
export const JOB_TIERS = ['Null', 'Spot', 'Basic', 'Standard', 'Premium'] as const;
export type JobTier = (typeof JOB_TIERS)[number];

const jobRuleFields = {
  mode: z.enum(['audit', 'enforce'], { error: "expected 'audit' or 'enforce'" }).describe('Overrides the environment mode for job rules.'),
  action: z
    .enum(['report', 'cancel'], { error: "expected 'report' or 'cancel'" })
    .describe('cancel: in enforce mode a running job that breaks a rule is cancelled (Jobs_Cancel). report: the owner hears only.'),
  allowedInstanceTypes: z
    .array(z.string({ error: 'expected an instance type' }).min(1, { error: 'expected an instance type' }), { error: 'expected a list of instance types' })
    .min(1, { error: 'expected at least one instance type' })
    .describe('Serverless jobs: allowed resources.instanceType values (case-insensitive). Absent: any.'),
  maxInstanceCount: z
    .int({ error: 'expected a whole number ≥ 1' })
    .min(1, { error: 'expected a whole number ≥ 1' })
    .describe('Serverless and cluster jobs: the most resources.instanceCount a job may ask for. Absent: no cap.'),
  allowedQueueTiers: z
    .array(z.enum(JOB_TIERS, { error: `expected one of ${JOB_TIERS.join(', ')}` }), { error: 'expected a list of queue tiers' })
    .min(1, { error: 'expected at least one queue tier' })
    .describe('Serverless jobs: allowed queueSettings.jobTier values, e.g. [Spot] only in dev. Absent: any.'),
  maxTimeout: z
    .string({ error: 'expected an ISO-8601 duration such as PT4H' })
    .refine(isIsoDuration, { error: 'expected an ISO-8601 duration such as PT4H or P1D' })
    .describe('Command jobs: limits.timeout must be set and at most this. Absent: no cap.'),
};

export const jobsSchema = z
  .strictObject({
    mode: jobRuleFields.mode.optional(),
    action: jobRuleFields.action.default('report'),
    allowedInstanceTypes: jobRuleFields.allowedInstanceTypes.optional(),
    maxInstanceCount: jobRuleFields.maxInstanceCount.optional(),
    allowedQueueTiers: jobRuleFields.allowedQueueTiers.optional(),
    maxTimeout: jobRuleFields.maxTimeout.optional(),
  })
  .describe('Azure ML jobs (serverless and cluster): instance types, instance count, queue tiers, command job timeout.');

/** `scope.overrides.<env>.jobs`: fields given replace the base's (lists replace whole). */
export const jobsOverrideSchema = z.strictObject(jobRuleFields).partial().describe('Job rules for this environment, over the base jobs rules.');

export type JobRules = z.output<typeof jobsSchema>;
