/**
 * `aml-warden policy validate FILE [--output table|json]` — every problem in a policy file, one per line with its
 * line and column; `aml-warden policy explain FILE [--output table|json|markdown]` — the rules each environment
 * gets once its override is merged in, and the mode each rule acts in.
 * Exit codes: 0 valid, 1 problems found, 3 the file cannot be read. No settings and no Azure: the file alone.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatPolicyProblem } from '../policy/document.js';
import { explainPolicy, type ExplainedRules, type ModeSource, type PolicyExplanation } from '../policy/explainPolicy.js';
import type { Policy } from '../policy/policySchema.js';
import { validatePolicyText, type PolicyProblem } from '../policy/validatePolicy.js';
import { escapeUnsafe } from '../shared/log.js';

export interface PolicyCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A relative FILE is read from here. */
  cwd: string;
}

export const exitCodes = { valid: 0, problems: 1, unreadable: 3 } as const;

/** The widest line explain's table aims for. */
const WIDTH = 120;

export async function policyValidate(file: string, io: PolicyCommandIo, output: 'table' | 'json'): Promise<number> {
  const checked = await readAndValidate(file, io);
  if (checked.kind === 'unreadable') return exitCodes.unreadable;
  if (checked.kind === 'invalid') {
    printProblems(file, checked.problems, io, output);
    return exitCodes.problems;
  }
  io.stdout(output === 'json' ? '[]\n' : `${escapeUnsafe(file)}: OK (${checked.policy.mode}): ${counts(checked.policy)}\n`);
  return exitCodes.valid;
}

export async function policyExplain(file: string, io: PolicyCommandIo, output: 'table' | 'json' | 'markdown'): Promise<number> {
  const checked = await readAndValidate(file, io);
  if (checked.kind === 'unreadable') return exitCodes.unreadable;
  if (checked.kind === 'invalid') {
    printProblems(file, checked.problems, io, output === 'json' ? 'json' : 'table');
    return exitCodes.problems;
  }
  const explanation = explainPolicy(checked.policy);
  if (output === 'json') io.stdout(`${JSON.stringify({ file, ...explanation }, null, 2)}\n`);
  else io.stdout(output === 'markdown' ? explanationMarkdown(file, explanation) : explanationTable(file, explanation));
  return exitCodes.valid;
}

type Checked =
  | { readonly kind: 'unreadable' }
  | { readonly kind: 'invalid'; readonly problems: readonly PolicyProblem[] }
  | { readonly kind: 'valid'; readonly policy: Policy };

async function readAndValidate(file: string, io: PolicyCommandIo): Promise<Checked> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const where = path === file ? escapeUnsafe(file) : `${escapeUnsafe(file)} (${escapeUnsafe(path)})`;
    io.stderr(`aml-warden policy: cannot read ${where}: ${readFailure(error)}\n`);
    return { kind: 'unreadable' };
  }
  const validation = validatePolicyText(text);
  return validation.valid ? { kind: 'valid', policy: validation.policy } : { kind: 'invalid', problems: validation.problems };
}

function readFailure(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return error instanceof Error ? error.message : 'unknown error';
  }
}

function printProblems(file: string, problems: readonly PolicyProblem[], io: PolicyCommandIo, output: 'table' | 'json'): void {
  if (output === 'json') {
    io.stdout(`${JSON.stringify(problems.map((problem) => ({ file, ...problem })), null, 2)}\n`);
    return;
  }
  // The text comes from the file (keys, values): shown with control characters escaped, one problem per line.
  const lines = problems.map((problem) => escapeUnsafe(formatPolicyProblem(file, problem)));
  io.stdout(`${lines.join('\n')}\n${escapeUnsafe(file)}: ${plural(problems.length, 'problem')}\n`);
}

function counts(policy: Policy): string {
  return [
    plural(policy.requiredTags.length, 'tag rule'),
    plural(policy.cd.rules.length, 'CD rule'),
    plural(Object.keys(policy.cd.targets).length, 'CD target'),
    plural(Object.keys(policy.notifications.channels).length, 'notification channel'),
    plural(Object.keys(policy.scope.overrides).length, 'environment override'),
    ...(policy.jobs === undefined ? [] : ['job rules']),
    ...(policy.onlineEndpoints === undefined ? [] : ['online endpoint rules']),
    ...(policy.quota === undefined ? [] : ['quota']),
    ...(policy.modelMonitoring === undefined ? [] : [plural(policy.modelMonitoring.rules.length, 'model monitoring rule')]),
  ].join(', ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// ── explain: one row per setting, grouped by rule ──────────────────────────────────────────────

interface Row {
  /** The rule group (`tag owner`, `clusters`); shown on its first row only. */
  readonly rule: string;
  /** Absent for settings no mode applies to (exemptions, compute requests). */
  readonly mode: string | undefined;
  readonly setting: string;
  readonly value: string;
  /** The environment's override sets this value. */
  readonly overridden: boolean;
}

function rowsOf(rules: ExplainedRules): Row[] {
  const set = (path: string) => rules.overridden.includes(path);
  const list = (values: readonly string[] | null, absent: string) => (values === null ? absent : values.length === 0 ? 'none' : values.join(', '));
  // A mode is the override's when it comes from the override's own mode, or from a rule mode the override writes.
  const mode = (resolved: string, from: ModeSource, setByOverride: boolean) => `${resolved}${from === 'environment' || (from === 'rule' && setByOverride) ? '*' : ''}`;
  const rows: Row[] = [];
  const group = (rule: string, ruleMode: string | undefined, settings: readonly (readonly [string, string, boolean])[]) => {
    for (const [setting, value, overridden] of settings) rows.push({ rule, mode: ruleMode, setting, value, overridden });
  };
  for (const tag of rules.requiredTags) {
    const written = (field: string) => tag.overridden.includes(field);
    group(`tag ${tag.name}`, mode(tag.mode, tag.modeFrom, written('mode')), [
      ['allowedValues', list(tag.allowedValues, 'any non-empty value'), written('allowedValues')],
      ['inheritFrom', list(tag.inheritFrom, 'none'), written('inheritFrom')],
      ['default', tag.default ?? 'none', written('default')],
      ['appliesTo', list(tag.appliesTo, 'none'), written('appliesTo')],
    ]);
  }
  const { clusters, instances, exemptions, computeRequests } = rules;
  group('clusters', mode(clusters.mode, clusters.modeFrom, set('scaling.clusters.mode')), [
    ['minNodeCount', String(clusters.minNodeCount), set('scaling.clusters.minNodeCount')],
    ['maxIdleTimeBeforeScaleDown', clusters.maxIdleTimeBeforeScaleDown, set('scaling.clusters.maxIdleTimeBeforeScaleDown')],
    ['maxNodeCount', clusters.maxNodeCount === null ? 'no cap' : String(clusters.maxNodeCount), set('scaling.clusters.maxNodeCount')],
    ['allowedVmSizes', list(clusters.allowedVmSizes, 'any size'), set('scaling.clusters.allowedVmSizes')],
    ['allowLowPriority', String(clusters.allowLowPriority), set('scaling.clusters.allowLowPriority')],
    ['remoteLoginPortPublicAccess', clusters.remoteLoginPortPublicAccess, set('scaling.clusters.remoteLoginPortPublicAccess')],
  ]);
  const stop = instances.requiredStopSchedule;
  group('instances', mode(instances.mode, instances.modeFrom, set('scaling.instances.mode')), [
    ['maxIdleTimeBeforeShutdown', instances.maxIdleTimeBeforeShutdown ?? 'no rule', set('scaling.instances.maxIdleTimeBeforeShutdown')],
    ['minIdleTimeBeforeShutdown', instances.minIdleTimeBeforeShutdown ?? 'no rule', set('scaling.instances.minIdleTimeBeforeShutdown')],
    [
      'requiredStopSchedule',
      stop === null ? 'none' : `stopped by ${stop.time} ${stop.timeZone} on ${stop.days.join(', ')}`,
      set('scaling.instances.requiredStopSchedule'),
    ],
  ]);
  const { jobs, onlineEndpoints, quota, modelMonitoring } = rules;
  if (jobs !== null) {
    const jobSet = (field: string) => set(`jobs.${field}`);
    group('jobs', mode(jobs.mode, jobs.modeFrom, jobSet('mode')), [
      ['action', jobs.action, jobSet('action')],
      ['allowedInstanceTypes', list(jobs.allowedInstanceTypes, 'any type'), jobSet('allowedInstanceTypes')],
      ['maxInstanceCount', jobs.maxInstanceCount === null ? 'no cap' : String(jobs.maxInstanceCount), jobSet('maxInstanceCount')],
      ['allowedQueueTiers', list(jobs.allowedQueueTiers, 'any tier'), jobSet('allowedQueueTiers')],
      ['maxTimeout', jobs.maxTimeout ?? 'no cap', jobSet('maxTimeout')],
    ]);
  }
  if (onlineEndpoints !== null) {
    group('online endpoints', onlineEndpoints.mode, [
      ['allowedInstanceTypes', list(onlineEndpoints.allowedInstanceTypes, 'any type'), false],
      ['maxInstances', onlineEndpoints.maxInstances === null ? 'no cap' : String(onlineEndpoints.maxInstances), false],
      ['publicNetworkAccess', onlineEndpoints.publicNetworkAccess, false],
      ['authModes', list(onlineEndpoints.authModes, 'any mode'), false],
      ['failed: remindAfter', onlineEndpoints.remindAfter, false],
      ['failed: delete after', onlineEndpoints.deleteAfter ?? 'never deleted', false],
    ]);
  }
  if (quota !== null) {
    group('quota', 'audit', [
      ['utilizationThreshold', `${quota.utilizationThreshold}%`, false],
      ['families', list(quota.families, 'all'), false],
      ...quota.thresholds.map((threshold, index) => [`thresholds[${index}]`, `${threshold.utilizationThreshold}% for ${threshold.families.join(', ')}`, false] as const),
    ]);
  }
  if (modelMonitoring !== null) {
    group('model monitoring', undefined, [
      ['monitorDimension', modelMonitoring.monitorDimension, false],
      ...modelMonitoring.rules.map(
        (rule, index) =>
          [`rules[${index}]`, `${rule.monitors.join(', ')}${rule.workspaces === null ? '' : ` in ${rule.workspaces.join(', ')}`} → ${rule.target}`, false] as const,
      ),
    ]);
  }
  // Exemptions are policy-wide: no override changes them, and no mode applies (a malformed one is only reported).
  group('exemptions', undefined, [
    ['tag', exemptions.tag, false],
    ['requireReason', String(exemptions.requireReason), false],
    ['maxDuration', exemptions.maxDuration ?? 'no limit', false],
  ]);
  const sameSizes = JSON.stringify(computeRequests.allowedVmSizes) === JSON.stringify(clusters.allowedVmSizes);
  group('compute requests', undefined, [
    ['expiresAfter', computeRequests.expiresAfter, set('computeRequests.expiresAfter')],
    ['allowedVmSizes', sameSizes ? 'as for clusters' : list(computeRequests.allowedVmSizes, 'any size'), set('computeRequests.allowedVmSizes')],
    ['maxNodeCount', computeRequests.maxNodeCount === null ? 'no cap' : String(computeRequests.maxNodeCount), set('computeRequests.maxNodeCount')],
    ['allowLowPriority', String(computeRequests.allowLowPriority), set('computeRequests.allowLowPriority')],
  ]);
  return rows;
}

/** Who gets these rules, in words: `Env Prod (scope.overrides.Prod)`, or for the base rules every other resource. */
function appliesTo(rules: ExplainedRules, environmentTag: string): string {
  if (rules.override !== null) return `for ${environmentTag} ${rules.environments.join(', ') || rules.override} (${rules.overridePath ?? ''})`;
  const named = rules.environments.length === 0 ? '' : `${rules.environments.join(', ')} and `;
  return `for ${environmentTag} ${named}any value without an override, and for resources without the ${environmentTag} tag`;
}

function title(rules: ExplainedRules): string {
  return rules.override === null ? 'base rules' : rules.override;
}

function explanationTable(file: string, explanation: PolicyExplanation): string {
  const sections = explanation.rules.map((rules) => ({ rules, rows: rowsOf(rules) }));
  const allRows = sections.flatMap((section) => section.rows);
  const ruleWidth = Math.min(32, Math.max(4, ...allRows.map((row) => row.rule.length)));
  const modeWidth = Math.max(4, ...allRows.map((row) => (row.mode ?? '-').length));
  const settingWidth = Math.max(7, ...allRows.map((row) => row.setting.length));
  const indent = 2;
  const valueColumn = indent + ruleWidth + 2 + modeWidth + 2 + settingWidth + 2;
  const valueWidth = Math.max(20, WIDTH - valueColumn);
  const lines = wrap(`${file}: the rules per value of the ${explanation.environmentTag} tag; * marks what an override sets`, WIDTH);
  for (const { rules, rows } of sections) {
    lines.push('', `${title(rules)}: mode ${rules.mode}${rules.overridden.includes('mode') ? '*' : ''}`);
    lines.push(...wrap(appliesTo(rules, explanation.environmentTag), WIDTH - indent).map((line) => `${' '.repeat(indent)}${line}`));
    lines.push(`${' '.repeat(indent)}${'RULE'.padEnd(ruleWidth)}  ${'MODE'.padEnd(modeWidth)}  ${'SETTING'.padEnd(settingWidth)}  VALUE`);
    let previous: string | undefined;
    for (const row of rows) {
      const first = row.rule !== previous;
      previous = row.rule;
      const lead = first ? `${row.rule.padEnd(ruleWidth)}  ${(row.mode ?? '-').padEnd(modeWidth)}` : ' '.repeat(ruleWidth + 2 + modeWidth);
      const [head = '', ...rest] = wrap(`${row.value}${row.overridden ? ' *' : ''}`, valueWidth);
      lines.push(`${' '.repeat(indent)}${lead}  ${row.setting.padEnd(settingWidth)}  ${head}`.trimEnd());
      for (const more of rest) lines.push(`${' '.repeat(valueColumn)}${more}`);
    }
  }
  return `${lines.map(escapeUnsafe).join('\n')}\n`;
}

function explanationMarkdown(file: string, explanation: PolicyExplanation): string {
  const cell = (text: string) => escapeUnsafe(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
  const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
  const lines = [`# Effective rules of ${code(file)}`, '', `Per value of the ${code(explanation.environmentTag)} tag. \\* marks what an override sets.`];
  for (const rules of explanation.rules) {
    lines.push('', `## ${cell(title(rules))}`, '', `Mode ${code(rules.mode)}${rules.overridden.includes('mode') ? '\\*' : ''}: ${cell(appliesTo(rules, explanation.environmentTag))}.`, '');
    lines.push('| rule | mode | setting | value |', '| --- | --- | --- | --- |');
    let previous: string | undefined;
    for (const row of rowsOf(rules)) {
      const first = row.rule !== previous;
      previous = row.rule;
      const mode = row.mode === undefined ? '' : cell(row.mode).replace(/\*$/, '\\*');
      lines.push(`| ${first ? cell(row.rule) : ''} | ${first ? mode : ''} | ${code(row.setting)} | ${cell(row.value)}${row.overridden ? ' \\*' : ''} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Words packed into lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
