import { expect, test } from 'vitest';
import { summarizePolicy } from '../../src/policy/summary.js';
import { loadPolicyFile } from './policyTestKit.js';

test('the playground summary shows the shape of the policy without secret names, URLs or ids', () => {
  const summary = summarizePolicy(loadPolicyFile('policy/playground.yaml'));
  expect(summary.scope).toEqual({ subscriptions: 1, resourceGroups: 'all', workspaces: ['*'], environmentTag: 'environment', environments: [] });
  expect(summary.requiredTags).toEqual(['owner', 'cost-center', 'environment']);
  expect(summary.scaling.clusters).toMatchObject({ mode: 'enforce', minNodeCount: 0, maxNodeCount: 4, allowedVmSizes: 4 });
  expect(summary.cd).toEqual({ targets: [{ name: 'model-cd', kind: 'azureDevOps' }, { name: 'retrain', kind: 'azureDevOps' }], rules: 1 });
  expect(summary.scaling.instances).toEqual({ mode: 'enforce', maxIdleTimeBeforeShutdown: 'PT60M', minIdleTimeBeforeShutdown: 'PT15M', requiredStopSchedule: true });
  expect(summary.jobs).toEqual({ mode: 'enforce', action: 'cancel' });
  expect(summary.onlineEndpoints).toEqual({ mode: 'enforce', deletesFailedDeployments: false });
  expect(summary.quota).toBeNull();
  expect(summary.modelMonitoringRules).toBe(1);
  expect(summary.warnings).toEqual([]);
  const text = JSON.stringify(summary);
  for (const hidden of ['ado-pat', 'teams-webhook-url', '127.0.0.1', '11111111-1111-1111-1111-111111111111']) {
    expect(text).not.toContain(hidden);
  }
});

test('the production default warns that nothing is governed until subscriptions are set', () => {
  const summary = summarizePolicy(loadPolicyFile('policy/default.yaml'));
  expect(summary.scope.environments).toEqual(['prod']);
  expect(summary.warnings).toContain('scope.subscriptions is empty: no resource is governed');
  expect(summary.warnings).toContain('cd.rules is empty: no model CD is started');
});
