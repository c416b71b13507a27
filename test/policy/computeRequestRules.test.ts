import { describe, expect, test } from 'vitest';
import {
  checkComputeRequest,
  computeRequestExpiry,
  computeRequestLimits,
  computeSpecFor,
  isValidComputeName,
  type ComputeRequestInput,
} from '../../src/policy/computeRequestRules.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { parseCompute, parseWorkspace } from '../../src/policy/resources.js';
import { armExample, armResponse, loadPolicyFile, now, playground, playgroundWorkspace, policyWith } from './policyTestKit.js';

const playgroundPolicy = loadPolicyFile('policy/playground.yaml');
const workspace = playgroundWorkspace();
const request = (changes: Partial<ComputeRequestInput> = {}): ComputeRequestInput => ({
  workspace,
  computeName: 'gpu-train-01',
  vmSize: 'Standard_NC4as_T4_v3',
  maxNodeCount: 2,
  ...changes,
});

describe('compute names', () => {
  test('Azure ML names: 3–24 letters, digits and hyphens, starting with a letter, not ending with a hyphen', () => {
    for (const name of ['cpu', 'cpu-cluster', 'A1-b2-C3', 'x'.repeat(24)]) expect(isValidComputeName(name), name).toBe(true);
    for (const name of ['ab', 'x'.repeat(25), '1cpu', 'cpu-', 'cpu_cluster', 'cpu cluster', '-cpu', '']) {
      expect(isValidComputeName(name), name).toBe(false);
    }
  });
});

describe('checking a request', () => {
  test('a request within the playground policy has no violations', () => {
    expect(checkComputeRequest(request(), playgroundPolicy)).toEqual([]);
  });

  test('every violation is listed with the rule and the request field', () => {
    const violations = checkComputeRequest(
      request({ computeName: 'gpu_cluster', vmSize: 'Standard_NC24', maxNodeCount: 20, minNodeCount: 1, vmPriority: 'Spot' }),
      playgroundPolicy,
    );
    expect(violations.map((violation) => [violation.rule, violation.field])).toEqual([
      ['computeName', 'computeName'],
      ['computeRequests.allowedVmSizes', 'vmSize'],
      ['computeRequests.maxNodeCount', 'maxNodeCount'],
      ['scaling.clusters.minNodeCount', 'minNodeCount'],
      ['vmPriority', 'vmPriority'],
    ]);
    expect(violations[1]?.message).toBe(
      'VM size Standard_NC24 is not allowed; allowed: Standard_DS2_v2, Standard_DS3_v2, Standard_DS4_v2, Standard_NC4as_T4_v3',
    );
    expect(violations[2]?.message).toBe('maxNodeCount 20 is above the limit of 4');
  });

  test('request limits fall back to the scaling rules, and computeRequests narrows them', () => {
    const narrowed = policyWith({
      scaling: { clusters: { maxNodeCount: 10, allowedVmSizes: ['Standard_DS3_v2', 'Standard_NC24'] } },
      computeRequests: { maxNodeCount: 4, allowedVmSizes: ['Standard_DS3_v2'], allowLowPriority: false, expiresAfter: 'P2D' },
    });
    const limits = computeRequestLimits(workspace, narrowed);
    expect(limits).toMatchObject({ maxNodeCount: 4, allowedVmSizes: ['Standard_DS3_v2'], allowLowPriority: false, expiresAfter: 'P2D' });
    expect(checkComputeRequest(request({ vmSize: 'standard_ds3_v2', maxNodeCount: 4, vmPriority: 'lowpriority' }), narrowed).map((v) => v.rule)).toEqual([
      'computeRequests.allowLowPriority',
    ]);
  });

  test('the workspace’s environment override applies to requests in it', () => {
    const policy = policyWith({
      scaling: { clusters: { maxNodeCount: 4 } },
      scope: { overrides: { prod: { scaling: { clusters: { maxNodeCount: 40 } } } } },
    });
    expect(checkComputeRequest(request({ maxNodeCount: 20 }), policy)).toHaveLength(1);
    expect(checkComputeRequest(request({ maxNodeCount: 20, workspace: playgroundWorkspace({ environment: 'prod' }) }), policy)).toEqual([]);
  });

  test('a workspace the policy does not govern cannot get compute through it', () => {
    const foreign = parseWorkspace(armResponse('2022-10-01/Workspace/get.json'));
    expect(checkComputeRequest(request({ workspace: foreign }), playgroundPolicy)).toEqual([
      {
        rule: 'scope',
        field: 'workspace',
        message: 'the workspace is not governed by the policy: subscription 00000000-1111-2222-3333-444444444444 is not in scope.subscriptions',
      },
    ]);
  });

  test('a minimum node count equal to the policy’s is accepted; maxNodeCount must be a whole number ≥ 1', () => {
    expect(checkComputeRequest(request({ minNodeCount: 0 }), playgroundPolicy)).toEqual([]);
    expect(checkComputeRequest(request({ maxNodeCount: 0 }), playgroundPolicy).map((v) => v.rule)).toEqual(['maxNodeCount']);
    expect(checkComputeRequest(request({ maxNodeCount: 1.5 }), playgroundPolicy).map((v) => v.rule)).toEqual(['maxNodeCount']);
  });

  test('requests expire after the policy’s expiresAfter', () => {
    expect(computeRequestExpiry(now, workspace, playgroundPolicy).toISOString()).toBe('2025-06-22T12:00:00.000Z');
  });
});

describe('the cluster to create', () => {
  test('scales to zero, releases idle nodes after the limit, has no public SSH, and carries the workspace’s required tags', () => {
    const spec = computeSpecFor(request({ vmPriority: 'lowpriority' }), playgroundPolicy);
    expect(spec).toEqual({
      location: 'eastus',
      tags: playground.workspaceTags,
      properties: {
        computeType: 'AmlCompute',
        properties: {
          vmSize: 'Standard_NC4as_T4_v3',
          vmPriority: 'LowPriority',
          scaleSettings: { minNodeCount: 0, maxNodeCount: 2, nodeIdleTimeBeforeScaleDown: 'PT30M' },
          remoteLoginPortPublicAccess: 'Disabled',
        },
      },
    });
  });

  test('has the wire shape of the AmlCompute createOrUpdate fixture request', () => {
    const fixture = armExample('2023-04-01/Compute/createOrUpdate/BasicAmlCompute.json').parameters['parameters'] as {
      properties: { computeType: string; properties: Record<string, unknown> };
    };
    const spec = computeSpecFor(request(), playgroundPolicy);
    expect(spec.properties.computeType).toBe(fixture.properties.computeType);
    for (const key of Object.keys(spec.properties.properties)) expect(Object.keys(fixture.properties.properties)).toContain(key);
    expect(Object.keys(spec.properties.properties.scaleSettings).sort()).toEqual(
      Object.keys(fixture.properties.properties['scaleSettings'] as object).sort(),
    );
  });

  test('once created as specified, the cluster is compliant with the policy that approved it', () => {
    const spec = computeSpecFor(request(), playgroundPolicy);
    const created = parseCompute({ id: `${workspace.id}/computes/gpu-train-01`, name: 'gpu-train-01', ...spec, properties: { ...spec.properties, provisioningState: 'Succeeded' } });
    const evaluation = evaluate(created, { policy: playgroundPolicy, workspace, now });
    expect(evaluation.findings).toEqual([]);
  });

  test('tags the workspace lacks come from the policy default, and disallowed workspace values are not copied', () => {
    const policy = policyWith({
      requiredTags: [
        { name: 'environment', allowedValues: ['dev', 'prod'], default: 'dev' },
        { name: 'owner' },
        { name: 'data-classification', appliesTo: ['workspace'] },
      ],
    });
    const spec = computeSpecFor(request({ workspace: playgroundWorkspace({ environment: 'staging', owner: 'a@contoso.com', 'data-classification': 'internal' }) }), policy);
    expect(spec.tags).toEqual({ environment: 'dev', owner: 'a@contoso.com' });
  });
});
