import { describe, expect, it } from 'vitest';
import { evaluateJob, jobAction, jobResourceSchema, jobRulesFor, type JobResource } from '../../src/policy/jobRules.js';
import { validatePolicyValue } from '../../src/policy/validatePolicy.js';
import { policyWith } from './policyTestKit.js';

const WS = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';

/** A job body as Jobs_Get answers it (mfe.json 2024-04-01 `JobBase` with a `CommandJob`). */
function job(properties: Record<string, unknown>): JobResource {
  return jobResourceSchema.parse({
    id: `${WS}/jobs/train-1`,
    name: 'train-1',
    type: 'Microsoft.MachineLearningServices/workspaces/jobs',
    properties: { jobType: 'Command', command: 'python train.py', environmentId: 'azureml:env:1', status: 'Running', ...properties },
    systemData: { createdBy: 'scientist@contoso.com' },
  });
}

const policy = policyWith({
  mode: 'enforce',
  jobs: { action: 'cancel', allowedInstanceTypes: ['Standard_DS3_v2'], maxInstanceCount: 2, allowedQueueTiers: ['Standard'], maxTimeout: 'PT4H' },
  scope: { overrides: { dev: { jobs: { allowedQueueTiers: ['Spot'] } }, prod: { mode: 'audit' } } },
});

describe('job rules', () => {
  it('pass a serverless command job within every rule', () => {
    const rules = jobRulesFor(policy, undefined);
    expect(rules?.mode).toBe('enforce');
    const compliant = job({ resources: { instanceType: 'standard_ds3_v2', instanceCount: 2 }, queueSettings: { jobTier: 'Standard' }, limits: { jobLimitsType: 'Command', timeout: 'PT2H' } });
    expect(evaluateJob(rules!.rules, compliant)).toEqual([]);
  });

  it('name each broken rule with what the policy expects and what the job asks for', () => {
    const rules = jobRulesFor(policy, undefined)!.rules;
    const findings = evaluateJob(rules, job({ resources: { instanceType: 'Standard_NC24', instanceCount: 4 }, queueSettings: { jobTier: 'Premium' }, limits: { jobLimitsType: 'Command', timeout: 'P1D' } }));
    expect(findings.map(({ rule, expected, actual }) => ({ rule, expected, actual }))).toEqual([
      { rule: 'job.instanceType', expected: 'Standard_DS3_v2', actual: 'Standard_NC24' },
      { rule: 'job.instanceCount', expected: '≤ 2', actual: '4' },
      { rule: 'job.queueTier', expected: 'Standard', actual: 'Premium' },
      { rule: 'job.timeout', expected: '≤ PT4H', actual: 'P1D' },
    ]);
  });

  it('judge a cluster job on instance count and timeout only (its VM size and tier are the cluster’s)', () => {
    const rules = jobRulesFor(policy, undefined)!.rules;
    const clusterJob = job({ computeId: `${WS}/computes/gpu-cluster`, resources: { instanceType: 'Standard_NC24', instanceCount: 3 }, queueSettings: { jobTier: 'Premium' } });
    expect(evaluateJob(rules, clusterJob).map((finding) => finding.rule)).toEqual(['job.instanceCount', 'job.timeout']);
  });

  it('leave a pipeline job to its steps: no serverless instance type or tier is asked of the parent, so it is not cancelled', () => {
    const found = jobRulesFor(policy, undefined)!;
    const pipeline = job({ jobType: 'Pipeline', command: undefined, environmentId: undefined, jobs: { train: { type: 'command' } } });
    const findings = evaluateJob(found.rules, pipeline);
    expect(findings).toEqual([]);
    expect(jobAction(found.rules, found.mode, pipeline, findings)).toBe('none');
    // Its serverless command step, judged when it runs, still is.
    expect(evaluateJob(found.rules, job({ resources: { instanceType: 'Standard_NC24' } })).map((finding) => finding.rule)).toContain('job.instanceType');
  });

  it('count a missing instanceCount as 1 and a missing tier as Null, as the service does', () => {
    const rules = jobRulesFor(policy, undefined)!.rules;
    const findings = evaluateJob(rules, job({ resources: { instanceType: 'Standard_DS3_v2' }, limits: { jobLimitsType: 'Command', timeout: 'PT1H' } }));
    expect(findings).toEqual([expect.objectContaining({ rule: 'job.queueTier', actual: 'Null' })]);
  });

  it('apply the environment override: Spot only in dev, and the environment’s mode', () => {
    const dev = jobRulesFor(policy, 'DEV')!;
    expect(dev.rules.allowedQueueTiers).toEqual(['Spot']);
    const spot = job({ resources: { instanceType: 'Standard_DS3_v2' }, queueSettings: { jobTier: 'Spot' }, limits: { jobLimitsType: 'Command', timeout: 'PT1H' } });
    expect(evaluateJob(dev.rules, spot)).toEqual([]);
    expect(evaluateJob(jobRulesFor(policy, undefined)!.rules, spot).map((finding) => finding.rule)).toEqual(['job.queueTier']);
    expect(jobRulesFor(policy, 'prod')!.mode).toBe('audit');
  });

  it('cancel only in enforce mode, when the rule says cancel, and only a job still active', () => {
    const { rules } = jobRulesFor(policy, undefined)!;
    const running = job({ resources: { instanceType: 'Standard_NC24' }, queueSettings: { jobTier: 'Standard' }, limits: { jobLimitsType: 'Command', timeout: 'PT1H' } });
    const findings = evaluateJob(rules, running);
    expect(jobAction(rules, 'enforce', running, findings)).toBe('cancel');
    expect(jobAction(rules, 'audit', running, findings)).toBe('report');
    expect(jobAction({ ...rules, action: 'report' }, 'enforce', running, findings)).toBe('report');
    const finished = job({ ...running.properties, status: 'Completed' });
    expect(jobAction(rules, 'enforce', finished, evaluateJob(rules, finished))).toBe('report');
    expect(jobAction(rules, 'enforce', running, [])).toBe('none');
  });

  it('are absent when the policy has no jobs section', () => {
    expect(jobRulesFor(policyWith({}), 'dev')).toBeUndefined();
  });

  it('refuse bad values naming the field', () => {
    const result = validatePolicyValue({ version: 1, jobs: { action: 'delete', allowedQueueTiers: ['Cheap'], maxTimeout: '4 hours', maxInstanceCount: 0 } });
    expect(result.valid).toBe(false);
    const text = result.valid ? '' : result.problems.map((problem) => problem.path.join('.')).join('\n');
    expect(text).toContain('jobs.action');
    expect(text).toContain('jobs.allowedQueueTiers');
    expect(text).toContain('jobs.maxTimeout');
    expect(text).toContain('jobs.maxInstanceCount');
  });
});
