import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyExplain, policyValidate, type PolicyCommandIo } from '../../src/cli/policyCommands.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

interface Captured {
  readonly io: PolicyCommandIo;
  stdout(): string;
  stderr(): string;
}

function capture(cwd: string): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: (text) => (out += text), stderr: (text) => (err += text), cwd },
    stdout: () => out,
    stderr: () => err,
  };
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aml-warden-policy-cli-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writePolicy(name: string, ...lines: string[]): string {
  writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  return name;
}

/** Two mistakes, on lines 2 and 8. */
function twoMistakes(): string {
  return writePolicy(
    'two-mistakes.yaml',
    'version: 1',
    'mode: enforced',
    'scope:',
    '  subscriptions: [11111111-1111-1111-1111-111111111111]',
    'scaling:',
    '  clusters:',
    '    minNodeCount: 0',
    '    maxNodeCont: 4',
  );
}

describe('policy validate', () => {
  it('prints both mistakes of a file, each on its own line with its line and column, and exits 1', async () => {
    const file = twoMistakes();
    const run = capture(dir);
    expect(await policyValidate(file, run.io, 'table')).toBe(1);
    expect(run.stdout().split('\n')).toEqual([
      "two-mistakes.yaml:2:7  mode  expected 'audit' or 'enforce'",
      "two-mistakes.yaml:8:5  scaling.clusters.maxNodeCont  unknown key (did you mean 'maxNodeCount'?)",
      'two-mistakes.yaml: 2 problems',
      '',
    ]);
    expect(run.stderr()).toBe('');
  });

  it('prints the problems as a JSON array of file, path, line, column and message', async () => {
    const file = twoMistakes();
    const run = capture(dir);
    expect(await policyValidate(file, run.io, 'json')).toBe(1);
    expect(JSON.parse(run.stdout())).toEqual([
      { file: 'two-mistakes.yaml', path: 'mode', line: 2, column: 7, message: "expected 'audit' or 'enforce'" },
      { file: 'two-mistakes.yaml', path: 'scaling.clusters.maxNodeCont', line: 8, column: 5, message: "unknown key (did you mean 'maxNodeCount'?)" },
    ]);
  });

  it('reports YAML syntax errors and cross-reference problems with their lines too', async () => {
    const syntax = writePolicy('syntax.yaml', 'mode: audit', 'mode: enforce', 'scope: [1, 2');
    const references = writePolicy(
      'references.yaml',
      'cd:',
      '  targets: {}',
      '  rules:',
      '    - { name: retrained, target: model-cd }',
      'driftRetrain: { enabled: true, target: retrain }',
    );
    const syntaxRun = capture(dir);
    expect(await policyValidate(syntax, syntaxRun.io, 'table')).toBe(1);
    expect(syntaxRun.stdout()).toMatch(/^syntax\.yaml:2:1 {2}\(yaml\) {2}Map keys must be unique\n/);
    expect(syntaxRun.stdout()).toMatch(/\nsyntax\.yaml:4:1 {2}\(yaml\) {2}Flow sequence/);
    const referencesRun = capture(dir);
    expect(await policyValidate(references, referencesRun.io, 'table')).toBe(1);
    expect(referencesRun.stdout()).toBe(
      [
        "references.yaml:4:34  cd.rules[0].target  unknown target 'model-cd' (none are defined)",
        "references.yaml:5:40  driftRetrain.target  unknown target 'retrain' (none are defined)",
        'references.yaml: 2 problems',
        '',
      ].join('\n'),
    );
  });

  it('says OK with the counts of rules and targets for a valid file, or prints an empty JSON array, and exits 0', async () => {
    const table = capture(repositoryRoot);
    expect(await policyValidate('policy/playground.yaml', table.io, 'table')).toBe(0);
    expect(table.stdout()).toBe(
      'policy/playground.yaml: OK (enforce): 3 tag rules, 1 CD rule, 2 CD targets, 1 notification channel, 0 environment overrides, job rules, online endpoint rules, 1 model monitoring rule\n',
    );
    const json = capture(repositoryRoot);
    expect(await policyValidate('policy/default.yaml', json.io, 'json')).toBe(0);
    expect(JSON.parse(json.stdout())).toEqual([]);
  });

  it('reads a relative file from the given folder and an absolute one as it is', async () => {
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'p.yaml'), 'mode: audit\n');
    expect(await policyValidate(join('nested', 'p.yaml'), capture(dir).io, 'table')).toBe(0);
    expect(await policyValidate(join(dir, 'nested', 'p.yaml'), capture(repositoryRoot).io, 'table')).toBe(0);
  });

  it('exits 3 naming the file and why when it cannot be read', async () => {
    const missing = capture(dir);
    expect(await policyValidate('missing.yaml', missing.io, 'table')).toBe(3);
    expect(missing.stderr()).toBe(`aml-warden policy: cannot read missing.yaml (${join(dir, 'missing.yaml')}): no such file\n`);
    expect(missing.stdout()).toBe('');

    const folder = capture(dir);
    expect(await policyValidate(dir, folder.io, 'json')).toBe(3);
    expect(folder.stderr()).toBe(`aml-warden policy: cannot read ${dir}: it is a directory\n`);
    expect(folder.stdout()).toBe('');
  });

  it('shows control characters from the file as escapes, so a key cannot rewrite the terminal', async () => {
    const file = writePolicy('escape.yaml', '"colour\\u001b[2J": blue');
    const run = capture(dir);
    expect(await policyValidate(file, run.io, 'table')).toBe(1);
    expect(run.stdout()).toContain('colour\\u001b[2J');
    expect(run.stdout()).not.toContain('\u001b');
  });
});

describe('policy explain', () => {
  const lineLengths = (text: string) => text.split('\n').map((line) => [...line].length);

  it('shows the playground policy as one set of enforced rules, every line within 120 columns', async () => {
    const run = capture(repositoryRoot);
    expect(await policyExplain('policy/playground.yaml', run.io, 'table')).toBe(0);
    const text = run.stdout();
    expect(Math.max(...lineLengths(text))).toBeLessThanOrEqual(120);
    expect(text).toContain(
      '\nbase rules: mode enforce\n  for environment dev, test, prod and any value without an override, and for resources without the environment tag\n',
    );
    expect(text).toMatch(/^ {2}tag owner +enforce +allowedValues +any non-empty value$/m);
    expect(text).toMatch(/^ {2}clusters +enforce +minNodeCount +0$/m);
    expect(text).toMatch(/^ +maxNodeCount +4$/m);
    expect(text).toMatch(/^ {2}instances +enforce +maxIdleTimeBeforeShutdown +PT60M$/m);
    expect(text).toMatch(/^ {2}exemptions +- +tag +aml-warden-exempt$/m);
    expect(text).toMatch(/^ {2}compute requests +- +expiresAfter +P7D$/m);
    expect(text).not.toContain('*\n');
  });

  it('shows the playground rules for jobs, online endpoints, instance schedules and model monitoring', async () => {
    const run = capture(repositoryRoot);
    expect(await policyExplain('policy/playground.yaml', run.io, 'table')).toBe(0);
    const text = run.stdout();
    expect(text).toMatch(/^ +requiredStopSchedule +stopped by 19:00 W\. Europe Standard Time on Monday, Tuesday,\n +Wednesday, Thursday, Friday$/m);
    expect(text).toMatch(/^ +minIdleTimeBeforeShutdown +PT15M$/m);
    expect(text).toMatch(/^ {2}jobs +enforce +action +cancel$/m);
    expect(text).toMatch(/^ +allowedInstanceTypes +Standard_DS3_v2, Standard_F4s_v2, Standard_NC4as_T4_v3$/m);
    expect(text).toMatch(/^ +allowedQueueTiers +any tier$/m);
    expect(text).toMatch(/^ +maxTimeout +PT4H$/m);
    expect(text).toMatch(/^ {2}online endpoints +enforce +allowedInstanceTypes +Standard_DS3_v2, Standard_F4s_v2$/m);
    expect(text).toMatch(/^ +maxInstances +2$/m);
    expect(text).toMatch(/^ +failed: delete after +never deleted$/m);
    expect(text).toMatch(/^ {2}model monitoring +- +monitorDimension +MonitorName$/m);
    expect(text).toMatch(/^ +rules\[0\] +churn-\* → retrain$/m);
    expect(Math.max(...lineLengths(text))).toBeLessThanOrEqual(120);
  });

  it('marks the job rules an environment override sets', async () => {
    const file = writePolicy(
      'jobs.yaml',
      'mode: audit',
      'scope:',
      '  overrides:',
      '    dev: { jobs: { allowedQueueTiers: [Spot], mode: enforce } }',
      'jobs:',
      '  action: cancel',
      '  allowedQueueTiers: [Spot, Standard]',
    );
    const run = capture(dir);
    expect(await policyExplain(file, run.io, 'table')).toBe(0);
    const [base = '', dev = ''] = run.stdout().split('\n\ndev: ');
    expect(base).toMatch(/^ {2}jobs +audit +action +cancel$/m);
    expect(base).toMatch(/^ +allowedQueueTiers +Spot, Standard$/m);
    expect(dev).toMatch(/^ {2}jobs +enforce\* +action +cancel$/m);
    expect(dev).toMatch(/^ +allowedQueueTiers +Spot \*$/m);
  });

  it('shows the production default per environment: prod with the 50-node cap its override sets, marked', async () => {
    const run = capture(repositoryRoot);
    expect(await policyExplain('policy/default.yaml', run.io, 'table')).toBe(0);
    const text = run.stdout();
    expect(Math.max(...lineLengths(text))).toBeLessThanOrEqual(120);
    const [base = '', prod = ''] = text.split('\n\nprod: ');
    expect(base).toContain('\nbase rules: mode audit\n  for environment dev, test and any value without an override');
    expect(base).toMatch(/^ +maxNodeCount +10$/m);
    expect(prod).toMatch(/^mode audit\n {2}for environment prod \(scope\.overrides\.prod\)$/m);
    expect(prod).toMatch(/^ +maxNodeCount +50 \*$/m);
    // The long VM size list wraps under its column instead of running past 120 columns.
    expect(prod).toMatch(/^ {2}clusters +audit +.*\n(?: +\S.*\n)* +allowedVmSizes +Standard_DS3_v2, /m);
    expect(prod).toMatch(/Standard_NC24ads_A100_v4$/m);
  });

  it('writes the same as Markdown: a section and a table per environment', async () => {
    const run = capture(repositoryRoot);
    expect(await policyExplain('policy/default.yaml', run.io, 'markdown')).toBe(0);
    const text = run.stdout();
    expect(text).toMatch(/^# Effective rules of `policy\/default\.yaml`$/m);
    expect(text).toMatch(/^## base rules$/m);
    expect(text).toMatch(/^## prod$/m);
    expect(text).toContain('| rule | mode | setting | value |');
    expect(text).toContain('|  |  | `maxNodeCount` | 50 \\* |');
    expect(text).toContain('| tag environment | audit | `allowedValues` | dev, test, prod |');
  });

  it('gives the rules per environment as JSON', async () => {
    const run = capture(repositoryRoot);
    expect(await policyExplain('policy/default.yaml', run.io, 'json')).toBe(0);
    const explanation = JSON.parse(run.stdout()) as {
      file: string;
      environmentTag: string;
      rules: { override: string | null; environments: string[]; mode: string; clusters: { mode: string; maxNodeCount: number } }[];
    };
    expect(explanation.file).toBe('policy/default.yaml');
    expect(explanation.environmentTag).toBe('environment');
    expect(explanation.rules.map((rules) => [rules.override, rules.environments, rules.mode, rules.clusters.maxNodeCount])).toEqual([
      [null, ['dev', 'test'], 'audit', 10],
      ['prod', ['prod'], 'audit', 50],
    ]);
  });

  it('marks the modes an override decides', async () => {
    const file = writePolicy(
      'modes.yaml',
      'mode: audit',
      'scope:',
      '  overrides:',
      '    prod: { mode: enforce }',
      'requiredTags:',
      '  - { name: owner, mode: audit }',
      '  - name: cost-center',
    );
    const run = capture(dir);
    expect(await policyExplain(file, run.io, 'table')).toBe(0);
    const prod = run.stdout().split('\n\nprod: ')[1] ?? '';
    expect(prod).toMatch(/^mode enforce\*\n/);
    expect(prod).toMatch(/^ {2}tag owner +audit +allowedValues/m);
    expect(prod).toMatch(/^ {2}tag cost-center +enforce\* +allowedValues/m);
    expect(prod).toMatch(/^ {2}clusters +enforce\* +minNodeCount/m);
  });

  it('prints the problems of an invalid policy as validate does and exits 1; 3 when the file cannot be read', async () => {
    const file = twoMistakes();
    const table = capture(dir);
    expect(await policyExplain(file, table.io, 'markdown')).toBe(1);
    expect(table.stdout()).toMatch(/^two-mistakes\.yaml:2:7 {2}mode {2}/);
    expect(table.stdout()).toContain('\ntwo-mistakes.yaml:8:5  scaling.clusters.maxNodeCont  ');
    const json = capture(dir);
    expect(await policyExplain(file, json.io, 'json')).toBe(1);
    expect((JSON.parse(json.stdout()) as { line: number }[]).map((problem) => problem.line)).toEqual([2, 8]);
    const missing = capture(dir);
    expect(await policyExplain('nope.yaml', missing.io, 'table')).toBe(3);
    expect(missing.stderr()).toContain('cannot read nope.yaml');
  });
});
