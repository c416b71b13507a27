import { describe, expect, test } from 'vitest';
import { validatePolicyText, type PolicyProblem } from '../../src/policy/validatePolicy.js';
import { readProjectFile } from './policyTestKit.js';

function problemsOf(text: string): readonly PolicyProblem[] {
  const validation = validatePolicyText(text);
  if (validation.valid) throw new Error('expected the policy to be invalid');
  return validation.problems;
}

const lines = (...text: string[]) => `${text.join('\n')}\n`;

describe('validatePolicyText', () => {
  test('the shipped policies are valid and come back validated, defaulted and frozen', () => {
    for (const file of ['policy/default.yaml', 'policy/playground.yaml']) {
      const validation = validatePolicyText(readProjectFile(file));
      expect(validation.valid, file).toBe(true);
      expect(validation.problems).toEqual([]);
      if (validation.valid) {
        expect(validation.policy.notifications.failedRuns.burstWindow).toBe('PT5M');
        expect(Object.isFrozen(validation.policy.scope)).toBe(true);
      }
    }
  });

  test('every YAML syntax error is reported with its line and column, without the parser repeating the position', () => {
    const problems = problemsOf(lines('mode: audit', 'mode: enforce', 'scope:', '  subscriptions: [1, 2', 'requiredTags: []'));
    expect(problems).toEqual([
      { path: '(yaml)', line: 2, column: 1, message: 'Map keys must be unique' },
      { path: '(yaml)', line: 5, column: 1, message: 'Flow sequence in block collection must be sufficiently indented and end with a ]' },
    ]);
  });

  test('schema errors on different lines are all reported, in the order of the file, each at its value', () => {
    const problems = problemsOf(
      lines(
        '# a comment first',
        'scaling:',
        '  clusters:',
        "    maxIdleTimeBeforeScaleDown: '30 minutes'",
        '    minNodeCount: -1',
        'mode: strict',
      ),
    );
    expect(problems).toEqual([
      {
        path: 'scaling.clusters.maxIdleTimeBeforeScaleDown',
        line: 4,
        column: 33,
        message: 'expected an ISO-8601 duration such as PT30M, PT2H or P7D (weeks, days, hours, minutes, seconds)',
      },
      { path: 'scaling.clusters.minNodeCount', line: 5, column: 19, message: 'expected a number ≥ 0' },
      { path: 'mode', line: 6, column: 7, message: "expected 'audit' or 'enforce'" },
    ]);
  });

  test('an unknown key is shown where the key is written, with the key it probably meant', () => {
    expect(problemsOf(lines('scaling:', '  clusters:', '    maxNodeCont:', '      4'))).toEqual([
      { path: 'scaling.clusters.maxNodeCont', line: 3, column: 5, message: "unknown key (did you mean 'maxNodeCount'?)" },
    ]);
  });

  test('a missing required field is shown at the object that lacks it, and a key left empty where its value belongs', () => {
    const problems = problemsOf(
      lines(
        'cd:',
        '  targets:',
        '    ado:',
        '      kind: azureDevOps',
        '      organizationUrl: https://dev.azure.com/contoso',
        '      pipelineId: 1',
        '  rules:',
        '    - name: r',
        '      target:',
      ),
    );
    expect(problems).toEqual([
      { path: 'cd.targets.ado.project', line: 4, column: 7, message: expect.stringMatching(/^required/) },
      { path: 'cd.rules[0].target', line: 9, column: 14, message: 'expected a target name' },
    ]);
  });

  test('cross-reference problems carry the line and column of the name that does not resolve', () => {
    const problems = problemsOf(
      lines(
        'cd:',
        '  targets: {}',
        '  rules:',
        '    - name: retrained',
        '      target: model-deploy',
        'notifications:',
        '  channels:',
        '    teams: { kind: teams, urlSecretName: teams-webhook-url }',
        '  violations: { channel: email }',
      ),
    );
    expect(problems).toEqual([
      { path: 'cd.rules[0].target', line: 5, column: 15, message: "unknown target 'model-deploy' (none are defined)" },
      { path: 'notifications.violations.channel', line: 9, column: 26, message: "unknown channel 'email'; defined: teams" },
    ]);
  });

  test('a schema error does not hide a cross-reference problem elsewhere in the file', () => {
    const problems = problemsOf(
      lines('mode: enforced', 'cd:', '  targets: {}', '  rules:', '    - name: retrained', '      target: model-cd', '      colour: blue'),
    );
    expect(problems).toEqual([
      { path: 'mode', line: 1, column: 7, message: "expected 'audit' or 'enforce'" },
      { path: 'cd.rules[0].target', line: 6, column: 15, message: "unknown target 'model-cd' (none are defined)" },
      { path: 'cd.rules[0].colour', line: 7, column: 7, message: 'unknown key' },
    ]);
  });

  test('a field with a schema error is not judged again by the cross-reference checks', () => {
    // Without its bad url the webhook would have neither url nor urlSecretName: that is not a second problem.
    const problems = problemsOf(
      lines('cd:', '  targets:', '    hook: { kind: webhook, url: not-a-url, signingSecretName: cd-webhook-signing-key }'),
    );
    expect(problems.map((problem) => [problem.path, problem.message])).toEqual([['cd.targets.hook.url', 'expected an http(s) URL']]);
  });

  test('when a schema error leaves the rest unjudgeable (a missing field), no cross-reference problem is guessed at', () => {
    const problems = problemsOf(
      lines('cd:', '  targets:', '    ado: { kind: azureDevOps, organizationUrl: https://dev.azure.com/c, pipelineId: 1 }', '  rules:', '    - { name: r, target: ado }'),
    );
    expect(problems.map((problem) => problem.path)).toEqual(['cd.targets.ado.project']);
  });

  test('a contradiction an environment override brings in is placed at the nearest part of that override the file writes', () => {
    const problems = problemsOf(
      lines('scaling:', '  clusters:', '    minNodeCount: 2', 'scope:', '  overrides:', '    prod:', '      scaling:', '        clusters: { maxNodeCount: 1 }'),
    );
    expect(problems).toEqual([
      {
        path: 'scope.overrides.prod.scaling.clusters.minNodeCount',
        line: 8,
        column: 19,
        message: 'minNodeCount 2 is above the maxNodeCount cap 1',
      },
    ]);
  });

  test('an empty document and a document that is not a mapping are problems of the whole document', () => {
    expect(problemsOf('# nothing but a comment\n')).toEqual([{ path: '(document)', line: 1, column: 1, message: 'the policy document is empty' }]);
    expect(problemsOf(lines('# a list', '- mode: audit'))).toEqual([{ path: '(document)', line: 2, column: 1, message: expect.any(String) }]);
  });

  test('an alias that expands too far is refused as a YAML problem', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const bomb = names
      .map((name, index) => {
        const previous = names[index - 1];
        return `${name}: &${name} [${Array.from({ length: 10 }, () => (previous === undefined ? 'x' : `*${previous}`)).join(', ')}]`;
      })
      .join('\n');
    const [problem, ...rest] = problemsOf(bomb);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ path: '(yaml)', line: 1, column: 1 });
  });
});
