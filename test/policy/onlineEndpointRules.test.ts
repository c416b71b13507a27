import { describe, expect, it } from 'vitest';
import {
  evaluateOnlineDeployment,
  evaluateOnlineEndpoint,
  failedDeploymentStep,
  onlineEndpointsSchema,
  parseOnlineDeployment,
  parseOnlineEndpoint,
} from '../../src/policy/onlineEndpointRules.js';
import { policySchema } from '../../src/policy/policySchema.js';

const endpointId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/churn';
const rules = onlineEndpointsSchema.parse({
  allowedInstanceTypes: ['Standard_DS3_v2'],
  maxInstances: 2,
  publicNetworkAccess: 'Disabled',
  authModes: ['AADToken'],
  failedDeployments: { remindAfter: 'P1D', delete: { after: 'P7D' } },
});

function deployment(overrides: { capacity?: number; scaleSettings?: unknown; provisioningState?: string; instanceType?: string } = {}) {
  return parseOnlineDeployment({
    id: `${endpointId}/deployments/blue`,
    name: 'blue',
    tags: { owner: 'a@contoso.com' },
    sku: { name: 'Default', capacity: overrides.capacity ?? 1 },
    properties: {
      endpointComputeType: 'Managed',
      instanceType: overrides.instanceType ?? 'Standard_DS3_v2',
      scaleSettings: overrides.scaleSettings ?? { scaleType: 'Default' },
      provisioningState: overrides.provisioningState ?? 'Succeeded',
    },
  });
}

describe('online endpoint rules', () => {
  it('are a top-level policy section, with failed-deployment defaults and no deletion unless asked', () => {
    const policy = policySchema.parse({ onlineEndpoints: { maxInstances: 3 } });
    expect(policy.onlineEndpoints?.failedDeployments).toEqual({ remindAfter: 'P1D' });
    expect(policy.onlineEndpoints?.publicNetworkAccess).toBe('any');
  });

  it('refuse a cap below one and a duration that is not one, naming the field', () => {
    const result = policySchema.safeParse({ onlineEndpoints: { maxInstances: 0, failedDeployments: { remindAfter: 'tomorrow' } } });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['onlineEndpoints.maxInstances', 'onlineEndpoints.failedDeployments.remindAfter']));
  });

  it('cap a Default-scaled deployment over the limit through sku.capacity', () => {
    const result = evaluateOnlineDeployment(deployment({ capacity: 8 }), rules, 'enforce');
    expect(result.capacity).toBe(2);
    expect(result.findings).toEqual([expect.objectContaining({ rule: 'onlineEndpoints.maxInstances', expected: 2, actual: 8, relation: 'atMost', fixable: true })]);
  });

  it('report an autoscale maximum over the cap as not fixable in place', () => {
    const result = evaluateOnlineDeployment(deployment({ scaleSettings: { scaleType: 'TargetUtilization', maxInstances: 10 } }), rules, 'enforce');
    expect(result.capacity).toBeUndefined();
    expect(result.findings).toEqual([expect.objectContaining({ rule: 'onlineEndpoints.maxInstances.autoscale', expected: 2, actual: 10, fixable: false })]);
  });

  it('report a disallowed instance type and a Failed deployment', () => {
    const result = evaluateOnlineDeployment(deployment({ instanceType: 'Standard_NC24ads_A100_v4', provisioningState: 'Failed' }), rules, 'audit');
    expect(result.failed).toBe(true);
    expect(result.findings.map((f) => [f.rule, f.actual])).toEqual([
      ['onlineEndpoints.allowedInstanceTypes', 'Standard_NC24ads_A100_v4'],
      ['onlineEndpoints.failedDeployment', 'Failed'],
    ]);
  });

  it('leave a compliant deployment alone', () => {
    expect(evaluateOnlineDeployment(deployment({ capacity: 2 }), rules, 'enforce')).toEqual({ findings: [], capacity: undefined, failed: false });
  });

  it('report public network access and key auth on an endpoint, with advice, as not fixable in place', () => {
    const endpoint = parseOnlineEndpoint({ id: endpointId, name: 'churn', location: 'eastus', properties: { authMode: 'Key', publicNetworkAccess: 'Enabled', provisioningState: 'Succeeded' } });
    const findings = evaluateOnlineEndpoint(endpoint, rules, 'enforce');
    expect(findings.map((f) => [f.rule, f.expected, f.actual, f.fixable])).toEqual([
      ['onlineEndpoints.publicNetworkAccess', 'Disabled', 'Enabled', false],
      ['onlineEndpoints.authMode', ['AADToken'], 'Key', false],
    ]);
    expect(findings.every((f) => (f.advice ?? '').length > 0)).toBe(true);
  });

  it('name the field of an unexpected deployment shape', () => {
    expect(() => parseOnlineDeployment({ id: `${endpointId}/deployments/x`, name: 'x', properties: { scaleSettings: { maxInstances: 2 } } })).toThrow(/properties\.scaleSettings\.scaleType/);
  });
});

describe('a Failed deployment over time', () => {
  const first = '2026-01-01T00:00:00.000Z';
  const at = (hours: number) => new Date(Date.parse(first) + hours * 3_600_000);

  it('is notified at once, reminded after remindAfter and not before, and not reminded twice', () => {
    expect(failedDeploymentStep({ firstNoticeAt: undefined, remindedAt: undefined }, rules, false, at(0))).toBe('notify');
    expect(failedDeploymentStep({ firstNoticeAt: first, remindedAt: undefined }, rules, false, at(23))).toBe('wait');
    expect(failedDeploymentStep({ firstNoticeAt: first, remindedAt: undefined }, rules, false, at(24))).toBe('remind');
    expect(failedDeploymentStep({ firstNoticeAt: first, remindedAt: at(24).toISOString() }, rules, false, at(100))).toBe('wait');
  });

  it('is deleted only after the grace period, only when the policy opts in, never when exempt', () => {
    const reminded = { firstNoticeAt: first, remindedAt: at(24).toISOString() };
    expect(failedDeploymentStep(reminded, rules, false, at(7 * 24 - 1))).toBe('wait');
    expect(failedDeploymentStep(reminded, rules, false, at(7 * 24))).toBe('delete');
    expect(failedDeploymentStep(reminded, rules, true, at(30 * 24))).toBe('wait');
    const noDeletion = onlineEndpointsSchema.parse({});
    expect(failedDeploymentStep(reminded, noDeletion, false, at(365 * 24))).toBe('wait');
  });
});
