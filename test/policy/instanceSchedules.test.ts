import { describe, expect, test } from 'vitest';
import { describeFinding, evaluate, type Finding } from '../../src/policy/evaluate.js';
import { parseNcrontab } from '../../src/policy/ncrontab.js';
import { parseCompute } from '../../src/policy/resources.js';
import { validatePolicyText, type PolicyProblem } from '../../src/policy/validatePolicy.js';
import { armExample, armResponse, now, playgroundWorkspace, policyWith } from './policyTestKit.js';

const workspace = playgroundWorkspace();
const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
const stopRule = { days: weekdays, time: '19:00', timeZone: 'W. Europe Standard Time' };
const policy = policyWith({ mode: 'enforce', scaling: { instances: { requiredStopSchedule: stopRule } } });

/** The ComputeInstance GET fixture, with the schedules given (as `properties.properties.schedules.computeStartStop`). */
function instance(computeStartStop?: unknown[], idleTimeBeforeShutdown?: string) {
  const body = structuredClone(armResponse('2022-10-01/Compute/get/ComputeInstance.json')) as {
    properties: { properties: Record<string, unknown> };
  } & Record<string, unknown>;
  if (computeStartStop !== undefined) body.properties.properties['schedules'] = { computeStartStop };
  if (idleTimeBeforeShutdown !== undefined) body.properties.properties['idleTimeBeforeShutdown'] = idleTimeBeforeShutdown;
  return parseCompute({ ...body, id: `${workspace.id}/computes/ci-alice`, name: 'ci-alice' });
}

const cron = (expression: string, timeZone = 'W. Europe Standard Time', status = 'Enabled') => ({
  status,
  action: 'Stop',
  triggerType: 'Cron',
  cron: { expression, startTime: '2021-04-23T01:30:00', timeZone },
});

const recurrence = (frequency: string, hours: number[], minutes: number[], weekDays?: string[], timeZone = 'W. Europe Standard Time') => ({
  status: 'Enabled',
  action: 'Stop',
  triggerType: 'Recurrence',
  recurrence: { frequency, interval: 1, startTime: '2021-04-23T01:30:00', timeZone, schedule: { hours, minutes, ...(weekDays ? { weekDays } : {}) } },
});

const stopFindings = (findings: readonly Finding[]) => findings.filter((finding) => finding.rule === 'scaling.stopSchedule');
const stopFinding = (schedules?: unknown[]) => stopFindings(evaluate(instance(schedules), { policy, workspace, now }).findings)[0];

describe('required stop schedule', () => {
  test("the spec example's schedules are read: Azure's own ComputeInstanceWithSchedules body", () => {
    const sent = armExample('2022-10-01/Compute/createOrUpdate/ComputeInstanceWithSchedules.json').parameters['parameters'] as {
      properties: { properties: { schedules: { computeStartStop: unknown[] } } };
    };
    const compute = instance(sent.properties.properties.schedules.computeStartStop);
    expect(compute.startStopSchedules).toEqual([
      { action: 'Stop', status: 'Enabled', triggerType: 'Cron', cron: { expression: '0 18 * * *', timeZone: 'Pacific Standard Time' }, recurrence: undefined },
    ]);
    // It stops daily at 18:00, but in another time zone than the rule's.
    const finding = stopFindings(evaluate(compute, { policy, workspace, now }).findings)[0];
    expect(finding?.actual).toEqual(['Stop Cron "0 18 * * *" (Pacific Standard Time), Enabled']);
  });

  test('an instance with no schedule is a finding with the expected and actual values, reported not fixed, with the reason', () => {
    const evaluation = evaluate(instance(), { policy, workspace, now });
    const [finding] = stopFindings(evaluation.findings);
    expect(finding).toMatchObject({
      expected: 'an enabled Stop schedule on Monday, Tuesday, Wednesday, Thursday, Friday at or before 19:00 (W. Europe Standard Time)',
      actual: null,
      fixable: false,
      mode: 'enforce',
    });
    expect(finding?.fix).toBeUndefined();
    expect(evaluation.patch).toEqual({});
    expect(describeFinding(finding as Finding)).toContain('found nothing — not fixable in place (no stop on Monday, Tuesday, Wednesday, Thursday, Friday at or before 19:00');
    expect(finding?.advice).toContain('Compute_Update takes scale settings only');
  });

  test('cron schedules that stop on every weekday by 19:00 in the zone satisfy the rule', () => {
    expect(stopFinding([cron('0 19 * * 1-5')])).toBeUndefined();
    expect(stopFinding([cron('30 18 * * MON-FRI')])).toBeUndefined();
    expect(stopFinding([cron('0 18 * * *')])).toBeUndefined();
    // Two schedules together cover the week; the zone's name is compared case-insensitively.
    expect(stopFinding([cron('0 17 * * 1-3'), cron('0 19 * * 4,5', 'w. europe standard time')])).toBeUndefined();
  });

  test('recurrence schedules, daily or weekly, satisfy the rule the same way', () => {
    expect(stopFinding([recurrence('Week', [18], [30], weekdays)])).toBeUndefined();
    expect(stopFinding([recurrence('Day', [19], [0])])).toBeUndefined();
  });

  test('a disabled schedule does not count', () => {
    expect(stopFinding([cron('0 19 * * 1-5', 'W. Europe Standard Time', 'Disabled')])?.actual).toEqual([
      'Stop Cron "0 19 * * 1-5" (W. Europe Standard Time), Disabled',
    ]);
  });

  test('a schedule in another time zone does not count', () => {
    expect(stopFinding([cron('0 19 * * 1-5', 'UTC')])?.advice).toMatch(/^no stop on Monday, Tuesday, Wednesday, Thursday, Friday at or before 19:00/);
  });

  test('a stop later than the required time does not count', () => {
    expect(stopFinding([recurrence('Week', [20], [0], weekdays)])?.actual).toEqual([
      'Stop every 1 Week on Monday, Tuesday, Wednesday, Thursday, Friday at 20:00 (W. Europe Standard Time), Enabled',
    ]);
    expect(stopFinding([cron('1 19 * * 1-5')])).toBeDefined();
  });

  test('a missing day is named', () => {
    expect(stopFinding([cron('0 19 * * 1-4')])?.advice).toMatch(/^no stop on Friday at or before 19:00/);
    expect(stopFinding([recurrence('Week', [19], [0], ['Monday', 'Tuesday', 'Wednesday', 'Friday'])])?.advice).toMatch(/^no stop on Thursday /);
  });

  test('a Start schedule, a monthly cron or an every-other-day recurrence does not count', () => {
    expect(stopFinding([{ ...cron('0 19 * * 1-5'), action: 'Start' }])?.actual).toBeNull();
    expect(stopFinding([cron('0 19 1 * *')])).toBeDefined();
    expect(stopFinding([{ ...recurrence('Day', [19], [0]), recurrence: { frequency: 'Day', interval: 2, timeZone: 'W. Europe Standard Time', schedule: { hours: [19], minutes: [0] } } }])).toBeDefined();
  });
});

describe('idle shutdown within a range', () => {
  const ranged = policyWith({ mode: 'enforce', scaling: { instances: { minIdleTimeBeforeShutdown: 'PT30M', maxIdleTimeBeforeShutdown: 'PT2H' } } });
  const idle = (value?: string) => evaluate(instance(undefined, value), { policy: ranged, workspace, now });

  test('too short is raised to the minimum, too long lowered to the maximum, inside the range left alone', () => {
    expect(idle('PT15M').findings[0]).toMatchObject({ rule: 'scaling.idleTimeBeforeShutdown', expected: 'between PT30M and PT2H', actual: 'PT15M' });
    expect(idle('PT15M').patch).toEqual({ idleTimeBeforeShutdown: 'PT30M' });
    expect(idle('P1D').patch).toEqual({ idleTimeBeforeShutdown: 'PT2H' });
    expect(idle('PT1H').findings).toEqual([]);
  });

  test('a missing idle shutdown is a finding, fixed to the maximum', () => {
    expect(idle().findings[0]).toMatchObject({ actual: null, advice: 'no idle shutdown is configured', fixable: true });
    expect(idle().patch).toEqual({ idleTimeBeforeShutdown: 'PT2H' });
  });

  test('with only a minimum, a missing setting is fixed to the minimum', () => {
    const onlyMin = policyWith({ mode: 'enforce', scaling: { instances: { minIdleTimeBeforeShutdown: 'PT30M' } } });
    const evaluation = evaluate(instance(), { policy: onlyMin, workspace, now });
    expect(evaluation.findings[0]).toMatchObject({ expected: 'at least PT30M' });
    expect(evaluation.patch).toEqual({ idleTimeBeforeShutdown: 'PT30M' });
  });
});

describe('policy validation of the instance rules', () => {
  const problemsOf = (text: string): readonly PolicyProblem[] => {
    const validation = validatePolicyText(text);
    if (validation.valid) throw new Error('expected the policy to be invalid');
    return validation.problems;
  };
  const lines = (...text: string[]) => `${text.join('\n')}\n`;

  test('a minimum above the maximum and values outside Azure’s 15 minutes to 3 days are refused, at their lines', () => {
    const problems = problemsOf(
      lines('scaling:', '  instances:', '    minIdleTimeBeforeShutdown: PT2H', '    maxIdleTimeBeforeShutdown: PT1H'),
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: 'scaling.instances.minIdleTimeBeforeShutdown', line: 3, message: 'minIdleTimeBeforeShutdown PT2H is above maxIdleTimeBeforeShutdown PT1H' }),
    ]);
    expect(problemsOf(lines('scaling:', '  instances:', '    minIdleTimeBeforeShutdown: PT5M', '    maxIdleTimeBeforeShutdown: P4D'))).toEqual([
      expect.objectContaining({ line: 3, message: "minIdleTimeBeforeShutdown PT5M is below Azure's shortest idle shutdown, PT15M" }),
      expect.objectContaining({ line: 4, message: "maxIdleTimeBeforeShutdown P4D is above Azure's longest idle shutdown, P3D" }),
    ]);
  });

  test('an environment override that puts the minimum above the base maximum is refused at the override', () => {
    const problems = problemsOf(
      lines(
        'scaling:',
        '  instances:',
        '    maxIdleTimeBeforeShutdown: PT1H',
        'scope:',
        '  overrides:',
        '    dev:',
        '      scaling:',
        '        instances:',
        '          minIdleTimeBeforeShutdown: PT2H',
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ path: 'scope.overrides.dev.scaling.instances.minIdleTimeBeforeShutdown', line: 9 })]);
  });

  test('a malformed stop schedule names each field at its line', () => {
    const problems = problemsOf(
      lines('scaling:', '  instances:', '    requiredStopSchedule:', '      days: [Funday]', "      time: '7pm'"),
    );
    expect(problems.map((problem) => [problem.path, problem.line])).toEqual([
      ['scaling.instances.requiredStopSchedule.days[0]', 4],
      ['scaling.instances.requiredStopSchedule.time', 5],
    ]);
    expect(problems[1]?.message).toBe("expected a 24-hour time HH:MM such as '19:00'");
  });

  test('a valid rule is accepted with UTC as the default zone', () => {
    const validation = validatePolicyText(lines('scaling:', '  instances:', '    requiredStopSchedule:', '      days: [Friday]', "      time: '19:00'"));
    expect(validation.valid && validation.policy.scaling.instances.requiredStopSchedule).toEqual({ days: ['Friday'], time: '19:00', timeZone: 'UTC' });
  });
});

describe('NCronTab fields', () => {
  test('numbers, ranges, steps, lists and names are read; other shapes are refused', () => {
    expect(parseNcrontab('0 19 * * 1-5')).toEqual({ minutes: [0], hours: [19], everyDayOfMonth: true, everyMonth: true, daysOfWeek: [1, 2, 3, 4, 5] });
    expect(parseNcrontab('*/20 17,19 * * MON-FRI')).toMatchObject({ minutes: [0, 20, 40], hours: [17, 19], daysOfWeek: [1, 2, 3, 4, 5] });
    expect(parseNcrontab('0 18 * * 0,7')?.daysOfWeek).toEqual([0]);
    expect(parseNcrontab('0 18 1 JAN *')).toMatchObject({ everyDayOfMonth: false, everyMonth: false });
    expect(parseNcrontab('0 25 * * *')).toBeUndefined();
    expect(parseNcrontab('0 0 18 * * *')).toBeUndefined();
    expect(parseNcrontab('0 18 * * Funday')).toBeUndefined();
    // Some weeks only (the last Friday, the second Monday, the last day): never a weekly stop.
    expect(parseNcrontab('0 18 ? * 5L')).toBeUndefined();
    expect(parseNcrontab('0 18 ? * 1#2')).toBeUndefined();
    expect(parseNcrontab('0 18 L * *')).toBeUndefined();
    expect(parseNcrontab('0 18 ? JUL WED')).toMatchObject({ everyMonth: false, daysOfWeek: [3] });
  });
});
