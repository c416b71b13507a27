import { describe, expect, test } from 'vitest';
import { describeFinding, describePatch, evaluate, isCompliant, type Finding } from '../../src/policy/evaluate.js';
import { parseCompute } from '../../src/policy/resources.js';
import {
  armExample,
  armResponse,
  cluster,
  clusterBody,
  cpuCluster,
  gpuCluster,
  loadPolicyFile,
  now,
  playground,
  playgroundWorkspace,
  policyWith,
} from './policyTestKit.js';

const playgroundPolicy = loadPolicyFile('policy/playground.yaml');
const workspace = playgroundWorkspace();

const rules = (findings: readonly Finding[]) => findings.map((finding) => finding.rule);

describe('the playground', () => {
  test('cpu-cluster is compliant: no findings, nothing to write', () => {
    const evaluation = evaluate(cpuCluster(), { policy: playgroundPolicy, workspace, now });
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.patch).toEqual({});
    expect(isCompliant(evaluation)).toBe(true);
  });

  test('the workspace mlw-demo is compliant', () => {
    expect(evaluate(workspace, { policy: playgroundPolicy, now }).findings).toEqual([]);
  });

  test('gpu-cluster breaks every scaling rule and lacks the tags', () => {
    const evaluation = evaluate(gpuCluster(), { policy: playgroundPolicy, workspace, now });
    expect(rules(evaluation.findings).sort()).toEqual(
      [
        'scaling.maxNodeCount',
        'scaling.minNodeCount',
        'scaling.nodeIdleTimeBeforeScaleDown',
        'scaling.remoteLoginPortPublicAccess',
        'scaling.vmSize',
        'tags.required:cost-center',
        'tags.required:environment',
        'tags.required:owner',
      ].sort(),
    );
    expect(evaluation.findings.every((finding) => finding.mode === 'enforce')).toBe(true);
  });

  test('the patch for gpu-cluster is the minimal difference: scale settings only, since a compute keeps the tags it was created with', () => {
    const evaluation = evaluate(gpuCluster(), { policy: playgroundPolicy, workspace, now });
    expect(evaluation.patch).toEqual({
      scaleSettings: { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' },
    });
    expect(evaluation.proposedPatch).toEqual(evaluation.patch);
  });

  test('VM size and public SSH are not fixable in place and say what to do instead', () => {
    const evaluation = evaluate(gpuCluster(), { policy: playgroundPolicy, workspace, now });
    const vmSize = evaluation.findings.find((finding) => finding.rule === 'scaling.vmSize');
    const ssh = evaluation.findings.find((finding) => finding.rule === 'scaling.remoteLoginPortPublicAccess');
    expect(vmSize).toMatchObject({ fixable: false, actual: 'Standard_NC24', relation: 'oneOf' });
    expect(vmSize?.fix).toBeUndefined();
    expect(vmSize?.advice).toMatch(/create a cluster with an allowed size/);
    expect(ssh).toMatchObject({ fixable: false, severity: 'high', expected: 'Disabled', actual: 'Enabled' });
    expect(ssh?.advice).toMatch(/recreate/);
  });

  test('lowering the maximum node count is marked disruptive so remediation can wait for running jobs', () => {
    const evaluation = evaluate(gpuCluster(), { policy: playgroundPolicy, workspace, now });
    expect(evaluation.findings.find((finding) => finding.rule === 'scaling.maxNodeCount')?.disruptive).toBe(true);
    expect(evaluation.findings.find((finding) => finding.rule === 'scaling.minNodeCount')?.disruptive).toBeUndefined();
  });
});

describe('scaling rules', () => {
  test('idle times compare as durations: PT1800S equals PT30M, PT2H exceeds it, PT5M is within it', () => {
    const idleFinding = (idle: string) =>
      evaluate(cpuCluster({ idle }), { policy: playgroundPolicy, workspace, now }).findings.some(
        (finding) => finding.rule === 'scaling.nodeIdleTimeBeforeScaleDown',
      );
    expect(idleFinding('PT1800S')).toBe(false);
    expect(idleFinding('PT5M')).toBe(false);
    expect(idleFinding('PT2H')).toBe(true);
    expect(idleFinding('P1D')).toBe(true);
  });

  test('an unreadable idle time is a fixable finding with a note', () => {
    const evaluation = evaluate(cpuCluster({ idle: 'forever' }), { policy: playgroundPolicy, workspace, now });
    expect(evaluation.patch).toEqual({ scaleSettings: { nodeIdleTimeBeforeScaleDown: 'PT30M' } });
    expect(evaluation.notes.join(' ')).toContain('not an ISO-8601 duration');
  });

  test('VM sizes are compared without regard to case', () => {
    const evaluation = evaluate(cpuCluster({ vmSize: 'STANDARD_DS3_V2' }), { policy: playgroundPolicy, workspace, now });
    expect(evaluation.findings).toEqual([]);
  });

  test('low priority is a finding only when the policy forbids it, and cannot be fixed in place', () => {
    const forbidding = policyWith({ mode: 'enforce', scaling: { clusters: { allowLowPriority: false } } });
    const lowPriority = cpuCluster({ vmPriority: 'LowPriority' });
    const finding = evaluate(lowPriority, { policy: forbidding, workspace, now }).findings.find((f) => f.rule === 'scaling.vmPriority');
    expect(finding).toMatchObject({ fixable: false, actual: 'LowPriority', expected: 'Dedicated' });
    expect(evaluate(lowPriority, { policy: playgroundPolicy, workspace, now }).findings).toEqual([]);
  });

  test('SSH NotSpecified counts as open without a subnet and closed inside a virtual network', () => {
    const withSubnet = evaluate(cpuCluster({ ssh: 'NotSpecified' }), { policy: playgroundPolicy, workspace, now });
    expect(withSubnet.findings).toEqual([]); // the fixture cluster sits in a subnet
    const body = clusterBody({ name: 'open', vmSize: 'Standard_DS3_v2', minNodeCount: 0, maxNodeCount: 2, idle: 'PT10M', ssh: 'NotSpecified', tags: playground.workspaceTags });
    delete ((body['properties'] as { properties: Record<string, unknown> }).properties)['subnet'];
    const withoutSubnet = evaluate(parseCompute(body), { policy: playgroundPolicy, workspace, now });
    expect(rules(withoutSubnet.findings)).toEqual(['scaling.remoteLoginPortPublicAccess']);
  });

  test('a policy that allows public SSH raises no SSH finding', () => {
    const allowing = policyWith({ scaling: { clusters: { remoteLoginPortPublicAccess: 'Allowed' } } });
    expect(evaluate(cpuCluster({ ssh: 'Enabled' }), { policy: allowing, workspace, now }).findings).toEqual([]);
  });

  test('a minimum the cluster cannot reach within its maximum is reported but not patched', () => {
    const warm = policyWith({ mode: 'enforce', scaling: { clusters: { minNodeCount: 3 } } });
    const evaluation = evaluate(cpuCluster({ maxNodeCount: 2, tags: {} }), { policy: warm, workspace, now });
    const finding = evaluation.findings.find((f) => f.rule === 'scaling.minNodeCount');
    expect(finding).toMatchObject({ fixable: false, expected: 3, actual: 0 });
    expect(finding?.advice).toMatch(/raise maxNodeCount first/);
    expect(evaluation.patch).toEqual({});
  });

  test('the ARM fixture cluster (min 0, idle PT5M, max 1, SSH open in a subnet) meets the default cluster rules except its VM size', () => {
    const policy = policyWith({
      scope: { subscriptions: ['34adfa4f-cedf-4dc0-ba29-b6d1a69ab345'] },
      scaling: { clusters: { allowedVmSizes: ['Standard_DS3_v2'], remoteLoginPortPublicAccess: 'Disabled' } },
    });
    const compute = parseCompute(armResponse('2022-10-01/Compute/get/AmlCompute.json'));
    const evaluation = evaluate(compute, { policy, now });
    expect(rules(evaluation.findings)).toEqual(['scaling.vmSize', 'scaling.remoteLoginPortPublicAccess']);
    expect(evaluation.patch).toEqual({});
  });

  test('compute types other than clusters and instances are judged on tags only', () => {
    const policy = policyWith({ scope: { subscriptions: ['34adfa4f-cedf-4dc0-ba29-b6d1a69ab345'] }, requiredTags: [{ name: 'owner' }] });
    const aks = parseCompute((armResponse('2022-10-01/Compute/list.json') as { value: unknown[] }).value[0]);
    expect(rules(evaluate(aks, { policy, now }).findings)).toEqual(['tags.required:owner']);
  });
});

describe('compute instances', () => {
  const instancePolicy = policyWith({ mode: 'enforce', scaling: { instances: { maxIdleTimeBeforeShutdown: 'PT60M' } } });
  const instanceBody = (idle?: string) => {
    const body = structuredClone(armResponse('2022-10-01/Compute/get/ComputeInstance.json')) as {
      properties: { properties: Record<string, unknown> };
    } & Record<string, unknown>;
    if (idle !== undefined) body.properties.properties['idleTimeBeforeShutdown'] = idle;
    return parseCompute({
      ...body,
      id: `${workspace.id}/computes/ci-alice`,
      name: 'ci-alice',
    });
  };

  test('an instance without idle shutdown gets one', () => {
    const evaluation = evaluate(instanceBody(), { policy: instancePolicy, workspace, now });
    expect(rules(evaluation.findings)).toEqual(['scaling.idleTimeBeforeShutdown']);
    expect(evaluation.patch).toEqual({ idleTimeBeforeShutdown: 'PT60M' });
  });

  test('an instance shutting down after PT2H is brought to PT60M; one at PT45M is left alone', () => {
    expect(evaluate(instanceBody('PT2H'), { policy: instancePolicy, workspace, now }).patch).toEqual({ idleTimeBeforeShutdown: 'PT60M' });
    expect(evaluate(instanceBody('PT45M'), { policy: instancePolicy, workspace, now }).findings).toEqual([]);
  });

  test('no instance rule is applied when the policy sets none', () => {
    expect(evaluate(instanceBody(), { policy: policyWith({}), workspace, now }).findings).toEqual([]);
  });
});

describe('required tags', () => {
  test("a compute's missing tag is reported, not fixed: it names the value it would inherit and says to recreate the compute", () => {
    const evaluation = evaluate(cpuCluster({ tags: { owner: 'someone-else@contoso.com' } }), { policy: playgroundPolicy, workspace, now });
    expect(rules(evaluation.findings)).toEqual(['tags.required:cost-center', 'tags.required:environment']);
    expect(evaluation.findings.every((finding) => !finding.fixable && finding.fix === undefined)).toBe(true);
    expect(evaluation.patch).toEqual({});
    expect(evaluation.proposedPatch).toEqual({});
    expect(evaluation.findings[0]?.advice).toBe(
      "a compute's tags are set when it is created and cannot be changed afterwards: recreate it with tag cost-center=cc-1234 (from the workspace)",
    );
  });

  test('a workspace inherits a missing tag from its resource group; an existing allowed tag is left as it is', () => {
    const evaluation = evaluate(playgroundWorkspace({ owner: 'someone-else@contoso.com', environment: 'dev' }), {
      policy: playgroundPolicy,
      resourceGroupTags: { owner: 'rg@contoso.com', 'cost-center': 'cc-rg' },
      now,
    });
    expect(evaluation.patch).toEqual({ tags: { 'cost-center': 'cc-rg' } });
  });

  test('tag names match without regard to case and the patch keeps the spelling already on the resource', () => {
    const evaluation = evaluate(playgroundWorkspace({ Owner: 'a@contoso.com', 'Cost-Center': 'cc-1', Environment: 'staging' }), {
      policy: playgroundPolicy,
      resourceGroupTags: { environment: 'dev' },
      now,
    });
    expect(rules(evaluation.findings)).toEqual(['tags.allowedValues:environment']);
    expect(evaluation.patch).toEqual({ tags: { Environment: 'dev' } });
  });

  test('allowed values match without regard to case', () => {
    expect(evaluate(cpuCluster({ tags: { ...playground.workspaceTags, environment: 'DEV' } }), { policy: playgroundPolicy, workspace, now }).findings).toEqual([]);
  });

  test('inheritance follows the order of inheritFrom, skips disallowed values, then uses the default', () => {
    const policy = policyWith({
      mode: 'enforce',
      requiredTags: [{ name: 'environment', allowedValues: ['dev', 'prod'], inheritFrom: ['resourceGroup', 'workspace'], default: 'dev' }],
    });
    const bare = playgroundWorkspace({});
    expect(evaluate(bare, { policy, resourceGroupTags: { environment: 'prod' }, now }).patch.tags).toEqual({ environment: 'prod' });
    expect(evaluate(bare, { policy, resourceGroupTags: { environment: 'qa' }, now }).patch.tags).toEqual({ environment: 'dev' });
    const noSource = evaluate(bare, { policy, now });
    expect(noSource.patch.tags).toEqual({ environment: 'dev' });
    expect(noSource.findings[0]?.advice).toBe('value from the policy default');
    const compute = evaluate(cpuCluster({ tags: {} }), { policy, workspace: playgroundWorkspace({ environment: 'dev' }), resourceGroupTags: { environment: 'prod' }, now });
    expect(compute.findings[0]?.advice).toContain('environment=prod (from the resource group)');
  });

  test('with nowhere to inherit from, the finding is not fixable and says where to set the tag', () => {
    const policy = policyWith({ mode: 'enforce', requiredTags: [{ name: 'owner', inheritFrom: ['resourceGroup'] }] });
    const evaluation = evaluate(playgroundWorkspace({}), { policy, now });
    expect(evaluation.findings).toEqual([
      expect.objectContaining({ rule: 'tags.required:owner', fixable: false, actual: null, relation: 'present' }),
    ]);
    expect(evaluation.findings[0]?.advice).toBe('set tag owner on the resource or on the resource group to inherit from');
    expect(evaluation.patch).toEqual({});
  });

  test('a workspace does not inherit from itself but can from its resource group', () => {
    const policy = policyWith({ mode: 'enforce', requiredTags: [{ name: 'owner', inheritFrom: ['workspace', 'resourceGroup'] }] });
    const bare = playgroundWorkspace({});
    expect(evaluate(bare, { policy, now }).findings[0]?.fixable).toBe(false);
    expect(evaluate(bare, { policy, resourceGroupTags: { owner: 'rg-owner@contoso.com' }, now }).patch).toEqual({
      tags: { owner: 'rg-owner@contoso.com' },
    });
  });

  test('appliesTo limits a tag rule to workspaces or computes', () => {
    const policy = policyWith({ requiredTags: [{ name: 'data-classification', appliesTo: ['workspace'] }] });
    expect(evaluate(cpuCluster({ tags: {} }), { policy, workspace, now }).findings).toEqual([]);
    expect(rules(evaluate(playgroundWorkspace({}), { policy, now }).findings)).toEqual(['tags.required:data-classification']);
  });

  test('an empty tag value counts as missing', () => {
    const policy = policyWith({ requiredTags: [{ name: 'owner' }] });
    expect(rules(evaluate(cpuCluster({ tags: { owner: ' ' } }), { policy, workspace, now }).findings)).toEqual(['tags.required:owner']);
  });
});

describe('modes', () => {
  test('in audit mode findings are reported but the patch is empty; the proposed patch shows what enforce would write', () => {
    const audit = loadPolicyFile('policy/default.yaml');
    const policy = { ...audit, scope: { ...audit.scope, subscriptions: [playground.subscriptionId] } };
    const evaluation = evaluate(gpuCluster(), { policy, workspace, now });
    expect(evaluation.findings.length).toBeGreaterThan(0);
    expect(evaluation.findings.every((finding) => finding.mode === 'audit')).toBe(true);
    expect(evaluation.patch).toEqual({});
    expect(evaluation.proposedPatch.scaleSettings).toEqual({ maxNodeCount: 10, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' });
  });

  test('a rule’s own mode overrides the global mode: enforce tags while auditing scaling', () => {
    const policy = policyWith({
      mode: 'audit',
      requiredTags: [{ name: 'owner', inheritFrom: ['resourceGroup'], mode: 'enforce' }],
      scaling: { clusters: { maxNodeCount: 4 } },
    });
    expect(evaluate(playgroundWorkspace({}), { policy, resourceGroupTags: { owner: 'rg@contoso.com' }, now }).patch).toEqual({ tags: { owner: 'rg@contoso.com' } });
    const cluster = evaluate(gpuCluster(), { policy, workspace, now });
    expect(cluster.patch).toEqual({});
    expect(cluster.findings.find((f) => f.rule === 'scaling.minNodeCount')?.mode).toBe('audit');
    expect(cluster.findings.find((f) => f.rule === 'tags.required:owner')?.mode).toBe('enforce');
  });

  test('scaling.clusters.mode overrides the global mode for cluster rules only', () => {
    const policy = policyWith({ mode: 'enforce', scaling: { clusters: { mode: 'audit' } }, requiredTags: [{ name: 'owner', inheritFrom: ['workspace'] }] });
    const evaluation = evaluate(gpuCluster(), { policy, workspace, now });
    expect(evaluation.findings.filter((f) => f.rule.startsWith('scaling.')).every((f) => f.mode === 'audit')).toBe(true);
    expect(evaluation.findings.find((f) => f.rule === 'tags.required:owner')?.mode).toBe('enforce');
    expect(evaluation.patch).toEqual({});
  });
});

describe('environment overrides', () => {
  const policy = policyWith({
    mode: 'enforce',
    scaling: { clusters: { maxNodeCount: 4, allowedVmSizes: ['Standard_DS3_v2'] } },
    requiredTags: [{ name: 'owner', inheritFrom: ['workspace'] }],
    scope: {
      overrides: {
        prod: {
          mode: 'audit',
          scaling: { clusters: { maxNodeCount: 50, allowedVmSizes: ['Standard_DS3_v2', 'Standard_NC24'] } },
          requiredTags: [{ name: 'owner', mode: 'enforce' }, { name: 'on-call' }],
        },
      },
    },
  });

  test('a compute in a prod workspace gets the prod cap, sizes and mode', () => {
    const prodWorkspace = playgroundWorkspace({ owner: 'ml@contoso.com', environment: 'Prod' });
    const evaluation = evaluate(gpuCluster({ maxNodeCount: 20, tags: { 'on-call': 'ml-oncall' } }), { policy, workspace: prodWorkspace, now });
    expect(evaluation.environment).toBe('prod');
    expect(evaluation.mode).toBe('audit');
    expect(rules(evaluation.findings)).not.toContain('scaling.maxNodeCount');
    expect(rules(evaluation.findings)).not.toContain('scaling.vmSize');
    expect(evaluation.findings.find((f) => f.rule === 'tags.required:owner')).toMatchObject({ mode: 'enforce', fixable: false });
    expect(evaluation.patch).toEqual({});
  });

  test('tag rules merge by name: the prod override adds on-call and keeps owner’s inheritance', () => {
    const prodWorkspace = playgroundWorkspace({ owner: 'ml@contoso.com', environment: 'prod' });
    const evaluation = evaluate(cpuCluster({ tags: {} }), { policy, workspace: prodWorkspace, now });
    expect(rules(evaluation.findings)).toEqual(['tags.required:owner', 'tags.required:on-call']);
  });

  test('the resource’s own environment tag wins over its workspace’s', () => {
    const prodWorkspace = playgroundWorkspace({ owner: 'ml@contoso.com', environment: 'prod' });
    const evaluation = evaluate(gpuCluster({ tags: { environment: 'dev', owner: 'a' } }), { policy, workspace: prodWorkspace, now });
    expect(evaluation.environment).toBeUndefined();
    expect(rules(evaluation.findings)).toContain('scaling.maxNodeCount');
  });

  test('the base rules apply where no override matches', () => {
    const evaluation = evaluate(gpuCluster({ tags: { owner: 'a' } }), { policy, workspace, now });
    expect(evaluation.environment).toBeUndefined();
    expect(evaluation.patch.scaleSettings?.maxNodeCount).toBe(4);
  });
});

describe('scope', () => {
  test('a resource in another subscription has no findings and says why', () => {
    const compute = parseCompute(armResponse('2022-10-01/Compute/get/AmlCompute.json'));
    const evaluation = evaluate(compute, { policy: playgroundPolicy, now });
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.patch).toEqual({});
    expect(evaluation.outOfScope?.reason).toBe('subscription 34adfa4f-cedf-4dc0-ba29-b6d1a69ab345 is not in scope.subscriptions');
  });

  test('the production default governs nothing until subscriptions are listed', () => {
    const evaluation = evaluate(gpuCluster(), { policy: loadPolicyFile('policy/default.yaml'), workspace, now });
    expect(evaluation.outOfScope?.reason).toBe('scope.subscriptions is empty');
  });

  test('resource groups and workspace patterns narrow the scope', () => {
    const byGroup = policyWith({ scope: { resourceGroups: ['rg-prod'] } });
    expect(evaluate(gpuCluster(), { policy: byGroup, workspace, now }).outOfScope?.reason).toBe(
      'resource group rg-mlops-demo is not in scope.resourceGroups',
    );
    const byWorkspace = policyWith({ scope: { workspaces: ['prod-*'] } });
    expect(evaluate(gpuCluster(), { policy: byWorkspace, workspace, now }).outOfScope?.reason).toBe(
      'workspace mlw-demo matches none of scope.workspaces (prod-*)',
    );
    const matching = policyWith({ scope: { resourceGroups: ['RG-MLOPS-DEMO'], workspaces: ['mlw-*'] } });
    expect(evaluate(gpuCluster(), { policy: matching, workspace, now }).outOfScope).toBeUndefined();
  });

  test('a compute being deleted is left alone', () => {
    const evaluation = evaluate(gpuCluster({ provisioningState: 'Deleting' }), { policy: playgroundPolicy, workspace, now });
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.outOfScope?.reason).toBe('the compute is being deleted');
  });
});

describe('exemptions', () => {
  const exemptGpu = (value: string) => gpuCluster({ tags: { 'aml-warden-exempt': value } });

  test('an unexpired exemption suppresses findings and the patch, and keeps them for the report', () => {
    const evaluation = evaluate(exemptGpu('2025-12-31;benchmarking until year end'), { policy: playgroundPolicy, workspace, now });
    expect(evaluation.exempt).toEqual({ until: '2025-12-31T23:59:59.999Z', reason: 'benchmarking until year end' });
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.patch).toEqual({});
    expect(rules(evaluation.suppressedFindings ?? [])).toContain('scaling.minNodeCount');
  });

  test('an exemption lasts to the end of its day and no longer', () => {
    const lastMoment = new Date('2025-06-15T23:59:59.999Z');
    expect(evaluate(exemptGpu('2025-06-15'), { policy: playgroundPolicy, workspace, now: lastMoment }).exempt).toBeDefined();
    const nextDay = new Date('2025-06-16T00:00:00.000Z');
    const expired = evaluate(exemptGpu('2025-06-15'), { policy: playgroundPolicy, workspace, now: nextDay });
    expect(expired.exempt).toBeUndefined();
    expect(expired.patch.scaleSettings).toBeDefined();
    expect(expired.notes).toContain('exemption expired at 2025-06-15T23:59:59.999Z; it no longer applies');
  });

  test('a full timestamp with a zone is honoured as written', () => {
    expect(evaluate(exemptGpu('2025-06-15T13:00:00+02:00'), { policy: playgroundPolicy, workspace, now }).exempt).toBeUndefined();
    expect(evaluate(exemptGpu('2025-06-15T13:00:00Z'), { policy: playgroundPolicy, workspace, now }).exempt?.until).toBe('2025-06-15T13:00:00.000Z');
  });

  test('a malformed exemption is itself a finding and exempts nothing', () => {
    for (const value of ['forever', '2025-02-30', '31/12/2025;because']) {
      const evaluation = evaluate(exemptGpu(value), { policy: playgroundPolicy, workspace, now });
      expect(evaluation.exempt, value).toBeUndefined();
      expect(rules(evaluation.findings), value).toContain('exemptions.malformed');
      expect(evaluation.patch.scaleSettings, value).toBeDefined();
    }
  });

  test('when reasons are required, an exemption without one is malformed', () => {
    const policy = policyWith({ exemptions: { requireReason: true } });
    const evaluation = evaluate(exemptGpu('2025-12-31'), { policy, workspace, now });
    expect(evaluation.exempt).toBeUndefined();
    expect(evaluation.findings.find((f) => f.rule === 'exemptions.malformed')?.advice).toMatch(/no reason given/);
  });

  test('an exemption beyond the longest allowed is malformed', () => {
    const policy = policyWith({ exemptions: { maxDuration: 'P90D' } });
    expect(evaluate(exemptGpu('2026-06-15;long'), { policy, workspace, now }).exempt).toBeUndefined();
    expect(evaluate(exemptGpu('2025-07-15;short'), { policy, workspace, now }).exempt).toBeDefined();
  });

  test('the exemption tag name is configurable and matched without regard to case', () => {
    const policy = policyWith({ exemptions: { tag: 'governance-exempt' } });
    const compute = gpuCluster({ tags: { 'Governance-Exempt': '2025-12-31' } });
    expect(evaluate(compute, { policy, workspace, now }).exempt).toBeDefined();
  });
});

describe('describing findings and patches for what-if reports', () => {
  test('a fixable finding shows the expectation, what was found and the fix', () => {
    const evaluation = evaluate(gpuCluster(), { policy: playgroundPolicy, workspace, now });
    const idle = evaluation.findings.find((f) => f.rule === 'scaling.nodeIdleTimeBeforeScaleDown');
    expect(idle && describeFinding(idle)).toBe(
      '[enforce] scaling.nodeIdleTimeBeforeScaleDown: expected at most PT30M, found PT2H — fix: scaleSettings.nodeIdleTimeBeforeScaleDown → PT30M',
    );
    const owner = evaluate(playgroundWorkspace({ environment: 'dev', 'cost-center': 'cc' }), { policy: playgroundPolicy, resourceGroupTags: { owner: 'rg@contoso.com' }, now }).findings[0];
    expect(owner && describeFinding(owner)).toBe(
      '[enforce] tags.required:owner: expected a value, found nothing — fix: tag owner → "rg@contoso.com" (value from the resource group)',
    );
  });

  test('an unfixable finding says so and gives its advice', () => {
    const evaluation = evaluate(gpuCluster(), { policy: playgroundPolicy, workspace, now });
    const ssh = evaluation.findings.find((f) => f.rule === 'scaling.remoteLoginPortPublicAccess');
    expect(ssh && describeFinding(ssh)).toMatch(/^\[enforce\] scaling\.remoteLoginPortPublicAccess: expected Disabled, found Enabled — not fixable in place \(/);
  });

  test('a patch lists each change; an empty one says there is nothing to change', () => {
    expect(describePatch({ scaleSettings: { minNodeCount: 0 }, tags: { owner: 'a@contoso.com' }, idleTimeBeforeShutdown: 'PT60M' })).toBe(
      'scaleSettings.minNodeCount → 0; idleTimeBeforeShutdown → PT60M; tag owner → "a@contoso.com"',
    );
    expect(describePatch({})).toBe('no changes');
  });
});

test('evaluation is deterministic and does not change its inputs', () => {
  const compute = gpuCluster();
  const snapshot = structuredClone(compute);
  const first = evaluate(compute, { policy: playgroundPolicy, workspace, now });
  const second = evaluate(compute, { policy: playgroundPolicy, workspace, now });
  expect(second).toEqual(first);
  expect(compute).toEqual(snapshot);
});

test('the scale settings of the AmlCompute createOrUpdate fixture (min 4, max 4, PT5M) are asked to scale to zero, nothing else', () => {
  const request = armExample('2022-10-01/Compute/createOrUpdate/AmlCompute.json').parameters['parameters'] as {
    properties: { properties: { scaleSettings: { minNodeCount: number; maxNodeCount: number; nodeIdleTimeBeforeScaleDown: string } } };
  };
  const { minNodeCount, maxNodeCount, nodeIdleTimeBeforeScaleDown } = request.properties.properties.scaleSettings;
  const compute = cluster({
    name: 'compute123',
    vmSize: 'Standard_DS3_v2',
    minNodeCount,
    maxNodeCount,
    idle: nodeIdleTimeBeforeScaleDown,
    ssh: 'Disabled',
    tags: playground.workspaceTags,
  });
  expect(evaluate(compute, { policy: playgroundPolicy, workspace, now }).patch).toEqual({ scaleSettings: { minNodeCount: 0 } });
});
