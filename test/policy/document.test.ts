import { describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import { formatPath, parsePolicy, parsePolicyYaml, PolicyFileError } from '../../src/policy/document.js';
import { loadPolicyFile } from './policyTestKit.js';

function policyErrorOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a PolicyFileError');
}

describe('the shipped policy files', () => {
  test('the production default audits, governs no subscription until set, and requires the common tags', () => {
    const policy = loadPolicyFile('policy/default.yaml');
    expect(policy.mode).toBe('audit');
    expect(policy.scope.subscriptions).toEqual([]);
    expect(policy.requiredTags.map((rule) => rule.name)).toEqual(['owner', 'cost-center', 'environment']);
    expect(policy.requiredTags.find((rule) => rule.name === 'environment')?.allowedValues).toEqual(['dev', 'test', 'prod']);
    expect(policy.scaling.clusters).toMatchObject({ minNodeCount: 0, maxIdleTimeBeforeScaleDown: 'PT30M', remoteLoginPortPublicAccess: 'Disabled' });
    expect(policy.scaling.clusters.maxNodeCount).toBeGreaterThan(0);
    expect(policy.scaling.clusters.allowedVmSizes).toEqual(expect.arrayContaining(['Standard_DS3_v2', 'Standard_NC4as_T4_v3']));
    expect(policy.cd.rules).toEqual([]);
  });

  test('the playground enforces on the demo subscription and sends retrained models to pipeline 1 with the ado-pat secret', () => {
    const policy = loadPolicyFile('policy/playground.yaml');
    expect(policy.mode).toBe('enforce');
    expect(policy.scope.subscriptions).toEqual(['11111111-1111-1111-1111-111111111111']);
    expect(policy.requiredTags.every((rule) => rule.inheritFrom.includes('workspace'))).toBe(true);
    expect(policy.scaling.clusters.maxNodeCount).toBe(4);
    expect(policy.cd.rules).toEqual([
      expect.objectContaining({ target: 'model-cd', experiments: ['retrain*'], modelTags: { retrained: 'true' }, match: 'any' }),
    ]);
    expect(policy.cd.targets['model-cd']).toEqual({
      kind: 'azureDevOps',
      organizationUrl: 'https://127.0.0.1:7443/ado/contoso',
      project: 'mlops',
      pipelineId: 1,
      auth: { kind: 'pat', secretName: 'ado-pat' },
    });
    expect(policy.cd.targets['retrain']).toMatchObject({ kind: 'azureDevOps', pipelineId: 2 });
    expect(policy.driftRetrain).toEqual({ enabled: true, target: 'retrain' });
    expect(policy.notifications.channels['teams']).toEqual({ kind: 'teams', urlSecretName: 'teams-webhook-url' });
    expect([
      policy.notifications.failedRuns.defaultChannel,
      policy.notifications.violations?.channel,
      policy.notifications.approvals?.channel,
      policy.notifications.cd?.channel,
    ]).toEqual(['teams', 'teams', 'teams', 'teams']);
  });
});

describe('defaults', () => {
  test('a minimal document gets every documented default', () => {
    const policy = parsePolicy({ scope: { subscriptions: ['11111111-1111-1111-1111-111111111111'] } }, 'inline');
    expect(policy.mode).toBe('audit');
    expect(policy.scope).toEqual({
      subscriptions: ['11111111-1111-1111-1111-111111111111'],
      workspaces: ['*'],
      environmentTag: 'environment',
      overrides: {},
    });
    expect(policy.scaling.clusters).toEqual({
      minNodeCount: 0,
      maxIdleTimeBeforeScaleDown: 'PT30M',
      allowLowPriority: true,
      remoteLoginPortPublicAccess: 'Disabled',
    });
    expect(policy.exemptions).toEqual({ tag: 'aml-warden-exempt', requireReason: false });
    expect(policy.notifications.failedRuns).toEqual({ routes: [], burstWindow: 'PT5M' });
    expect(policy.computeRequests).toEqual({ expiresAfter: 'P7D' });
  });

  test('targets and tag rules get their own defaults', () => {
    const policy = parsePolicy(
      {
        requiredTags: [{ name: 'owner' }],
        cd: {
          targets: {
            gh: { kind: 'githubActions', owner: 'contoso', repo: 'mlops-cd', workflow: 'model-cd.yml', tokenSecretName: 'github-token' },
            ado: { kind: 'azureDevOps', organizationUrl: 'https://dev.azure.com/contoso', project: 'mlops', pipelineId: 3 },
            hook: { kind: 'webhook', urlSecretName: 'generic-webhook-url', signingSecretName: 'cd-webhook-signing-key' },
          },
        },
      },
      'inline',
    );
    expect(policy.requiredTags[0]).toEqual({ name: 'owner', inheritFrom: [], appliesTo: ['workspace', 'compute'] });
    expect(policy.cd.targets['gh']).toMatchObject({ apiUrl: 'https://api.github.com', ref: 'main' });
    expect(policy.cd.targets['ado']).toMatchObject({ auth: { kind: 'managedIdentity' } });
    expect(policy.cd.targets['hook']).toEqual({ kind: 'webhook', urlSecretName: 'generic-webhook-url', signingSecretName: 'cd-webhook-signing-key' });
  });

  test('a webhook target no longer names a signature header: deliveries are signed per Standard Webhooks', () => {
    expect(() =>
      parsePolicy({ cd: { targets: { hook: { kind: 'webhook', url: 'https://example.test', signingSecretName: 'k', signatureHeader: 'x-sig' } } } }, 'p.yaml'),
    ).toThrow(/signatureHeader/);
  });

  test('the parsed policy is frozen so no caller can change it for the others', () => {
    const policy = loadPolicyFile('policy/playground.yaml');
    expect(Object.isFrozen(policy.scaling.clusters)).toBe(true);
    expect(() => {
      (policy.requiredTags as unknown[]).push({ name: 'x' });
    }).toThrow(TypeError);
  });
});

describe('schema errors name the path', () => {
  test('a value out of range names its path and says what was expected', () => {
    const error = policyErrorOf(() => parsePolicy({ scaling: { clusters: { maxNodeCount: 0 } } }, 'policy/custom.yaml'));
    expect(error.code).toBe('PolicyFileError');
    expect(error.message).toBe('policy/custom.yaml: scaling.clusters.maxNodeCount: expected a number ≥ 1');
    expect(error.target).toBe('scaling.clusters.maxNodeCount');
  });

  test('every problem is listed in details, and the message names each on a line of its own', () => {
    const error = policyErrorOf(() =>
      parsePolicy({ mode: 'strict', scaling: { clusters: { maxIdleTimeBeforeScaleDown: '30 minutes', minNodeCount: -1 } } }, 'p.yaml'),
    );
    expect(error.details.map((detail) => detail.target)).toEqual([
      'mode',
      'scaling.clusters.minNodeCount',
      'scaling.clusters.maxIdleTimeBeforeScaleDown',
    ]);
    expect(error.details[0]?.message).toBe("expected 'audit' or 'enforce'");
    expect(error.message.split('\n')).toEqual([
      'p.yaml: 3 problems',
      "p.yaml: mode: expected 'audit' or 'enforce'",
      'p.yaml: scaling.clusters.minNodeCount: expected a number ≥ 0',
      'p.yaml: scaling.clusters.maxIdleTimeBeforeScaleDown: expected an ISO-8601 duration such as PT30M, PT2H or P7D (weeks, days, hours, minutes, seconds)',
    ]);
    expect(error.message).not.toContain('more problem');
  });

  test('a misspelt key is rejected with the key it probably meant', () => {
    const error = policyErrorOf(() => parsePolicy({ scaling: { clusters: { maxNodeCont: 4 } } }, 'p.yaml'));
    expect(error.target).toBe('scaling.clusters.maxNodeCont');
    expect(error.message).toBe("p.yaml: scaling.clusters.maxNodeCont: unknown key (did you mean 'maxNodeCount'?)");
  });

  test('an unknown key inside a CD target of one kind is suggested from that kind', () => {
    const error = policyErrorOf(() =>
      parsePolicy(
        { cd: { targets: { hook: { kind: 'webhook', url: 'https://example.test/cd', signingSecret: 'key', signingSecretName: 'key' } } } },
        'p.yaml',
      ),
    );
    expect(error.details).toContainEqual({ target: 'cd.targets.hook.signingSecret', message: "unknown key (did you mean 'signingSecretName'?)" });
  });

  test('an unknown key far from any known one gets no suggestion', () => {
    const error = policyErrorOf(() => parsePolicy({ colour: 'blue' }, 'p.yaml'));
    expect(error.details).toEqual([{ target: 'colour', message: 'unknown key' }]);
  });

  test('a missing required field says it is required', () => {
    const error = policyErrorOf(() =>
      parsePolicy({ cd: { targets: { ado: { kind: 'azureDevOps', organizationUrl: 'https://dev.azure.com/c', pipelineId: 1 } } } }, 'p.yaml'),
    );
    expect(error.target).toBe('cd.targets.ado.project');
    expect(error.details[0]?.message).toMatch(/^required/);
  });

  test('an unknown target kind lists the kinds there are', () => {
    const error = policyErrorOf(() => parsePolicy({ cd: { targets: { x: { kind: 'jenkins' } } } }, 'p.yaml'));
    expect(error.target).toBe('cd.targets.x.kind');
    expect(error.message).toContain('azureDevOps');
  });

  test('durations must be ISO-8601 and longer than zero', () => {
    for (const value of ['30m', 'PT', 'P1M', 'PT0S', 'pt30m']) {
      const error = policyErrorOf(() => parsePolicy({ scaling: { clusters: { maxIdleTimeBeforeScaleDown: value } } }, 'p.yaml'));
      expect(error.target, value).toBe('scaling.clusters.maxIdleTimeBeforeScaleDown');
    }
    expect(parsePolicy({ computeRequests: { expiresAfter: 'P1DT12H' } }, 'p.yaml').computeRequests.expiresAfter).toBe('P1DT12H');
  });

  test('subscription ids must be GUIDs and secret names Key Vault names', () => {
    const error = policyErrorOf(() =>
      parsePolicy(
        {
          scope: { subscriptions: ['{subscription-id}'] },
          notifications: { channels: { teams: { kind: 'teams', urlSecretName: 'teams_webhook' } } },
        },
        'p.yaml',
      ),
    );
    expect(error.details.map((detail) => detail.target)).toEqual(['scope.subscriptions[0]', 'notifications.channels.teams.urlSecretName']);
  });

  test('an empty document is refused rather than silently defaulted', () => {
    expect(policyErrorOf(() => parsePolicyYaml('# nothing here\n', 'empty.yaml')).message).toBe(
      'empty.yaml:1:1  (document)  the policy document is empty',
    );
  });

  test('a document that is not a mapping is refused', () => {
    expect(policyErrorOf(() => parsePolicyYaml('- mode: audit\n', 'list.yaml')).message).toMatch(/^list\.yaml:1:1  \(document\)  /);
  });
});

describe('YAML', () => {
  test('a syntax error names the source, line and column', () => {
    const error = policyErrorOf(() => parsePolicyYaml('mode: audit\nscope:\n  subscriptions: [1, 2\nrequiredTags: []\n', 'bad.yaml'));
    expect(error.code).toBe('PolicyFileError');
    expect(error.message).toBe('bad.yaml:4:1  (yaml)  Flow sequence in block collection must be sufficiently indented and end with a ]');
  });

  test('a duplicated key is an error, not last-one-wins', () => {
    const error = policyErrorOf(() => parsePolicyYaml('mode: enforce\nmode: audit\n', 'dup.yaml'));
    expect(error.message).toBe('dup.yaml:2:1  (yaml)  Map keys must be unique');
  });

  test('schema errors in YAML point at the line of the offending value', () => {
    const text = 'mode: audit\nscaling:\n  clusters:\n    maxNodeCount: 0\n';
    const error = policyErrorOf(() => parsePolicyYaml(text, 'lines.yaml'));
    expect(error.message).toBe('lines.yaml:4:19  scaling.clusters.maxNodeCount  expected a number ≥ 1');
    expect(error.target).toBe('scaling.clusters.maxNodeCount');
    expect(error.details).toEqual([{ target: 'scaling.clusters.maxNodeCount', message: 'expected a number ≥ 1 (line 4, column 19)' }]);
  });

  test('a file with several mistakes names every one, each with its line and column, in the order of the file', () => {
    const text = [
      'mode: sometimes', // 1
      'scope:', // 2
      '  subscriptions: [11111111-1111-1111-1111-111111111111]', // 3
      'scaling:', // 4
      '  clusters:', // 5
      '    maxNodeCont: 4', // 6
      '    minNodeCount: -1', // 7
      '',
    ].join('\n');
    const error = policyErrorOf(() => parsePolicyYaml(text, 'policy/custom.yaml'));
    expect(error).toBeInstanceOf(PolicyFileError);
    expect(error.code).toBe('PolicyFileError');
    expect(error.status).toBe(500);
    expect(error.target).toBe('mode');
    expect(error.message.split('\n')).toEqual([
      'policy/custom.yaml: 3 problems',
      "policy/custom.yaml:1:7  mode  expected 'audit' or 'enforce'",
      "policy/custom.yaml:6:5  scaling.clusters.maxNodeCont  unknown key (did you mean 'maxNodeCount'?)",
      'policy/custom.yaml:7:19  scaling.clusters.minNodeCount  expected a number ≥ 0',
    ]);
    expect((error as PolicyFileError).problems).toEqual([
      { path: 'mode', line: 1, column: 7, message: "expected 'audit' or 'enforce'" },
      { path: 'scaling.clusters.maxNodeCont', line: 6, column: 5, message: "unknown key (did you mean 'maxNodeCount'?)" },
      { path: 'scaling.clusters.minNodeCount', line: 7, column: 19, message: 'expected a number ≥ 0' },
    ]);
  });

  test('YAML 1.2 keeps yes/no and dates as text, so tag values stay what was written', () => {
    const policy = parsePolicyYaml(
      'requiredTags:\n  - name: approved\n    allowedValues: [yes, no]\n    default: yes\n  - name: since\n    default: 2025-01-01\n',
      'y.yaml',
    );
    expect(policy.requiredTags.map((rule) => rule.default)).toEqual(['yes', '2025-01-01']);
  });

  test('an alias bomb is refused', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 6 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(policyErrorOf(() => parsePolicyYaml(bomb, 'bomb.yaml')).code).toBe('PolicyFileError');
  });
});

describe('cross-references and contradictions', () => {
  const subscriptions = ['11111111-1111-1111-1111-111111111111'];

  test('a CD rule naming an undefined target is refused with the targets that exist', () => {
    const error = policyErrorOf(() =>
      parsePolicy(
        {
          scope: { subscriptions },
          cd: {
            targets: { 'model-cd': { kind: 'azureDevOps', organizationUrl: 'https://dev.azure.com/c', project: 'p', pipelineId: 1 } },
            rules: [{ name: 'r', target: 'model-deploy' }],
          },
        },
        'p.yaml',
      ),
    );
    expect(error.message).toBe("p.yaml: cd.rules[0].target: unknown target 'model-deploy'; defined: model-cd");
    expect(error.target).toBe('cd.rules[0].target');
  });

  test('notification references must name defined channels', () => {
    const error = policyErrorOf(() =>
      parsePolicy(
        {
          notifications: {
            channels: { teams: { kind: 'teams', urlSecretName: 'teams-webhook-url' } },
            failedRuns: { routes: [{ experiments: ['x*'], channel: 'slack' }], defaultChannel: 'teams' },
            violations: { channel: 'email' },
            events: { ModelDeployed: 'pager' },
          },
        },
        'p.yaml',
      ),
    );
    expect(error.details.map((detail) => detail.target)).toEqual([
      'notifications.failedRuns.routes[0].channel',
      'notifications.violations.channel',
      'notifications.events.ModelDeployed',
    ]);
  });

  test('a failed-run route needs a channel or mute, not both', () => {
    const error = policyErrorOf(() =>
      parsePolicy(
        {
          notifications: {
            channels: { teams: { kind: 'teams', urlSecretName: 'teams-webhook-url' } },
            failedRuns: { routes: [{ channel: 'teams', mute: true }, { experiments: ['a'] }] },
          },
        },
        'p.yaml',
      ),
    );
    expect(error.details.map((detail) => detail.target)).toEqual(['notifications.failedRuns.routes[0]', 'notifications.failedRuns.routes[1]']);
  });

  test('a webhook target needs exactly one of url and urlSecretName', () => {
    const error = policyErrorOf(() =>
      parsePolicy({ cd: { targets: { hook: { kind: 'webhook', signingSecretName: 'cd-webhook-signing-key' } } } }, 'p.yaml'),
    );
    expect(error.message).toBe('p.yaml: cd.targets.hook: expected exactly one of url or urlSecretName');
  });

  test('drift retraining when enabled needs a defined target', () => {
    expect(policyErrorOf(() => parsePolicy({ driftRetrain: { enabled: true } }, 'p.yaml')).target).toBe('driftRetrain.target');
  });

  test('duplicate tag rules and duplicate CD rule names are refused', () => {
    const error = policyErrorOf(() =>
      parsePolicy(
        {
          requiredTags: [{ name: 'Owner' }, { name: 'owner' }],
          cd: {
            targets: { t: { kind: 'webhook', url: 'https://example.test/hook', signingSecretName: 'k' } },
            rules: [
              { name: 'a', target: 't' },
              { name: 'a', target: 't' },
            ],
          },
        },
        'p.yaml',
      ),
    );
    expect(error.details.map((detail) => detail.target).sort()).toEqual(['cd.rules[1].name', 'requiredTags[1].name']);
  });

  test('a tag default outside its allowed values is refused', () => {
    const error = policyErrorOf(() =>
      parsePolicy({ requiredTags: [{ name: 'environment', allowedValues: ['dev', 'prod'], default: 'staging' }] }, 'p.yaml'),
    );
    expect(error.target).toBe('requiredTags[0].default');
  });

  test('an environment override that makes the minimum exceed the cap is refused at its own path', () => {
    const error = policyErrorOf(() =>
      parsePolicy({ scaling: { clusters: { maxNodeCount: 4 } }, scope: { overrides: { prod: { scaling: { clusters: { minNodeCount: 6 } } } } } }, 'p.yaml'),
    );
    expect(error.message).toBe('p.yaml: scope.overrides.prod.scaling.clusters.minNodeCount: minNodeCount 6 is above the maxNodeCount cap 4');
  });

  test('compute requests may not allow what the scaling rules would flag', () => {
    const error = policyErrorOf(() =>
      parsePolicy(
        {
          scaling: { clusters: { maxNodeCount: 4, allowedVmSizes: ['Standard_DS3_v2'], allowLowPriority: false } },
          computeRequests: { maxNodeCount: 8, allowedVmSizes: ['Standard_DS3_v2', 'Standard_NC24'], allowLowPriority: true },
        },
        'p.yaml',
      ),
    );
    expect(error.details.map((detail) => detail.target)).toEqual([
      'computeRequests.allowedVmSizes',
      'computeRequests.maxNodeCount',
      'computeRequests.allowLowPriority',
    ]);
  });

  test('two overrides for one environment in different case are refused', () => {
    const error = policyErrorOf(() => parsePolicy({ scope: { overrides: { prod: { mode: 'enforce' }, Prod: { mode: 'audit' } } } }, 'p.yaml'));
    expect(error.target).toBe('scope.overrides.Prod');
  });
});

test('paths are written with dots for keys and brackets for indices and odd keys', () => {
  expect(formatPath(['scaling', 'clusters', 'maxNodeCount'])).toBe('scaling.clusters.maxNodeCount');
  expect(formatPath(['requiredTags', 2, 'name'])).toBe('requiredTags[2].name');
  expect(formatPath(['scope', 'overrides', 'a.b'])).toBe('scope.overrides["a.b"]');
  expect(formatPath([])).toBe('(document)');
});
