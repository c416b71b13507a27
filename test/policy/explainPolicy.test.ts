import { describe, expect, test } from 'vitest';
import { parsePolicyYaml } from '../../src/policy/document.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { explainPolicy, type ExplainedRules } from '../../src/policy/explainPolicy.js';
import { loadPolicyFile, playgroundWorkspace, policyWith } from './policyTestKit.js';

function rulesFor(rules: readonly ExplainedRules[], override: string | null): ExplainedRules {
  const found = rules.find((candidate) => candidate.override === override);
  if (found === undefined) throw new Error(`no rules for ${String(override)}`);
  return found;
}

describe('explainPolicy', () => {
  test('the production default: dev and test get the base rules, prod its own cap of 50 nodes, all in audit', () => {
    const explanation = explainPolicy(loadPolicyFile('policy/default.yaml'));
    expect(explanation.environmentTag).toBe('environment');
    expect(explanation.rules.map((rules) => rules.override)).toEqual([null, 'prod']);
    const base = rulesFor(explanation.rules, null);
    const prod = rulesFor(explanation.rules, 'prod');
    expect(base).toMatchObject({ environments: ['dev', 'test'], untagged: true, mode: 'audit', overridden: [] });
    expect(prod).toMatchObject({ environments: ['prod'], untagged: false, overridePath: 'scope.overrides.prod', overridden: ['scaling.clusters.maxNodeCount'] });
    expect([base.clusters.maxNodeCount, prod.clusters.maxNodeCount]).toEqual([10, 50]);
    // A compute request falls back to the cluster rules of its environment.
    expect([base.computeRequests.maxNodeCount, prod.computeRequests.maxNodeCount]).toEqual([10, 50]);
    expect(prod.clusters.allowedVmSizes).toEqual(base.clusters.allowedVmSizes);
    expect(prod.exemptions).toEqual({ tag: 'aml-warden-exempt', requireReason: true, maxDuration: 'P90D' });
    for (const rules of explanation.rules) {
      expect([rules.clusters.mode, rules.instances.mode, ...rules.requiredTags.map((rule) => rule.mode)]).toEqual(Array(5).fill('audit'));
    }
  });

  test('the playground has no overrides: one set of rules, enforced, for every environment it names', () => {
    const explanation = explainPolicy(loadPolicyFile('policy/playground.yaml'));
    expect(explanation.rules).toHaveLength(1);
    const [rules] = explanation.rules;
    expect(rules).toMatchObject({
      override: null,
      environments: ['dev', 'test', 'prod'],
      mode: 'enforce',
      clusters: { mode: 'enforce', modeFrom: 'policy', maxNodeCount: 4, minNodeCount: 0, remoteLoginPortPublicAccess: 'Disabled' },
      instances: { mode: 'enforce', maxIdleTimeBeforeShutdown: 'PT60M' },
    });
    expect(rules?.requiredTags.map((rule) => rule.name)).toEqual(['owner', 'cost-center', 'environment']);
  });

  test('modes resolve rule → environment → global, as evaluation applies them', () => {
    const policy = parsePolicyYaml(
      [
        'mode: audit',
        'scope:',
        '  subscriptions: [11111111-1111-1111-1111-111111111111]',
        '  overrides:',
        '    Prod:',
        '      mode: enforce',
        '      requiredTags:',
        '        - name: on-call',
        '          mode: audit',
        'requiredTags:',
        '  - name: owner',
        'scaling:',
        '  clusters: { mode: audit, maxNodeCount: 4 }',
        '',
      ].join('\n'),
      'modes.yaml',
    );
    const prod = rulesFor(explainPolicy(policy).rules, 'Prod');
    expect(prod.mode).toBe('enforce');
    expect(prod.requiredTags).toEqual([
      expect.objectContaining({ name: 'owner', mode: 'enforce', modeFrom: 'environment', overridden: [] }),
      expect.objectContaining({ name: 'on-call', mode: 'audit', modeFrom: 'rule', overridden: ['name', 'mode'] }),
    ]);
    expect(prod.clusters).toMatchObject({ mode: 'audit', modeFrom: 'rule' });
    expect(prod.instances).toMatchObject({ mode: 'enforce', modeFrom: 'environment' });
    expect(prod.overridden).toEqual(['mode', 'requiredTags[0].name', 'requiredTags[0].mode']);

    // The same modes as the findings of a workspace tagged for that environment (matched case-insensitively).
    const findings = evaluate(playgroundWorkspace({ environment: 'prod' }), { policy, now: new Date('2025-01-01T00:00:00Z') }).findings;
    expect(findings.map((finding) => [finding.rule, finding.mode])).toEqual([
      ['tags.required:owner', 'enforce'],
      ['tags.required:on-call', 'audit'],
    ]);
  });

  test('environments named only as allowed values of the environment tag share the base rules', () => {
    const policy = policyWith({
      scope: { environmentTag: 'stage', overrides: { live: { computeRequests: { maxNodeCount: 2 } } } },
      requiredTags: [{ name: 'Stage', allowedValues: ['sandbox', 'LIVE'], default: 'sandbox' }],
      scaling: { clusters: { maxNodeCount: 8 } },
    });
    const explanation = explainPolicy(policy);
    expect(explanation.rules.map((rules) => [rules.override, rules.environments])).toEqual([
      [null, ['sandbox']],
      ['live', ['live']],
    ]);
    expect(rulesFor(explanation.rules, 'live').computeRequests.maxNodeCount).toBe(2);
    expect(rulesFor(explanation.rules, null).computeRequests.maxNodeCount).toBe(8);
  });
});
