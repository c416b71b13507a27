import type { ComputeStartStopSchedule } from './computeSchedules.js';
import { parseIsoDuration } from './duration.js';
import { parseNcrontab } from './ncrontab.js';
import type { Finding } from './findings.js';
import { WEEK_DAYS, type RequiredStopSchedule, type WeekDay } from './instanceRules.js';
import type { Mode } from './policySchema.js';

/**
 * Pure evaluation of the compute-instance rules that go beyond one value: a required stop schedule and idle shutdown
 * within a range. Schedules are read as Azure writes them (`ComputeStartStopSchedule`, see `computeSchedules.ts`).
 */

/**
 * Why a missing stop schedule is reported, not fixed. The 2024-04-01 REST API has no operation that changes the
 * schedules of an existing compute instance: `Compute_Update` (PATCH) takes `ClusterUpdateParameters`, scale settings
 * only, and `Compute_CreateOrUpdate` (PUT) "will overwrite a compute if it exists. This is a nonrecoverable
 * operation" (azure-rest-api-specs `stable/2024-04-01/machineLearningServices.json`, both operations' descriptions).
 */
export const STOP_SCHEDULE_ADVICE =
  "Azure's API cannot add a schedule to an existing compute instance (Compute_Update takes scale settings only; Compute_CreateOrUpdate overwrites the compute): recreate the instance with the stop schedule, or have its owner add one";

/** NCronTab day-of-week numbers (0 is Sunday) → `ComputeWeekDay` names. */
const CRON_DAYS: readonly WeekDay[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Days of the week on which a schedule stops the instance at or before `latestMinute` (minutes after midnight) in `timeZone`. */
export function stopDays(schedule: ComputeStartStopSchedule, timeZone: string, latestMinute: number): Set<WeekDay> {
  const days = new Set<WeekDay>();
  if (schedule.action?.toLowerCase() !== 'stop' || schedule.status?.toLowerCase() === 'disabled') return days;
  const trigger = triggerOf(schedule);
  if (trigger === undefined || !sameZone(trigger.timeZone, timeZone)) return days;
  if (trigger.earliestMinute === undefined || trigger.earliestMinute > latestMinute) return days;
  for (const day of trigger.days) days.add(day);
  return days;
}

interface DailyTrigger {
  readonly timeZone: string;
  /** The earliest minute of the day the schedule fires (the same on each of its days). */
  readonly earliestMinute: number | undefined;
  readonly days: readonly WeekDay[];
}

function triggerOf(schedule: ComputeStartStopSchedule): DailyTrigger | undefined {
  const type = schedule.triggerType?.toLowerCase();
  if (type === 'cron' && schedule.cron) return cronTrigger(schedule.cron.expression, schedule.cron.timeZone);
  if (type === 'recurrence' && schedule.recurrence) {
    const { frequency, interval, hours, minutes, weekDays, timeZone } = schedule.recurrence;
    // Only a daily or weekly recurrence with interval 1 fires on the same week days every week.
    if (interval !== 1) return undefined;
    const listed = (weekDays ?? []).flatMap((day) => WEEK_DAYS.filter((name) => name.toLowerCase() === day.toLowerCase()));
    const days = frequency?.toLowerCase() === 'day' ? (weekDays === undefined ? WEEK_DAYS : listed) : frequency?.toLowerCase() === 'week' ? listed : [];
    const earliest = hours.length === 0 || minutes.length === 0 ? undefined : Math.min(...hours) * 60 + Math.min(...minutes);
    return { timeZone, earliestMinute: earliest, days };
  }
  return undefined;
}

/** A five-field NCronTab expression that fires every week (any day of month, any month). */
function cronTrigger(expression: string | undefined, timeZone: string): DailyTrigger | undefined {
  const fields = expression === undefined ? undefined : parseNcrontab(expression);
  if (fields === undefined || !fields.everyDayOfMonth || !fields.everyMonth) return undefined;
  const days = fields.daysOfWeek.map((day) => CRON_DAYS[day]).filter((day) => day !== undefined);
  return { timeZone, earliestMinute: Math.min(...fields.hours) * 60 + Math.min(...fields.minutes), days };
}

function sameZone(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function minuteOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/** e.g. `Stop Monday, Friday at or before 19:00 (W. Europe Standard Time)`. */
export function describeRequiredStop(rule: RequiredStopSchedule): string {
  return `an enabled Stop schedule on ${rule.days.join(', ')} at or before ${rule.time} (${rule.timeZone})`;
}

/** One line per schedule, e.g. `Stop Cron "0 20 * * *" (Pacific Standard Time), Enabled`. */
export function describeSchedule(schedule: ComputeStartStopSchedule): string {
  const action = schedule.action ?? 'unknown action';
  const status = schedule.status ?? 'status not set';
  if (schedule.triggerType?.toLowerCase() === 'cron' && schedule.cron) {
    return `${action} Cron "${schedule.cron.expression ?? ''}" (${schedule.cron.timeZone}), ${status}`;
  }
  if (schedule.recurrence) {
    const r = schedule.recurrence;
    const times = r.hours.flatMap((h) => r.minutes.map((m) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)).join('/');
    const days = r.weekDays === undefined ? '' : ` on ${r.weekDays.join(', ')}`;
    return `${action} every ${r.interval ?? '?'} ${r.frequency ?? '?'}${days} at ${times || '?'} (${r.timeZone}), ${status}`;
  }
  return `${action} ${schedule.triggerType ?? 'no trigger'}, ${status}`;
}

/** A finding when the instance's enabled Stop schedules do not together stop it on every required day in time. */
export function stopScheduleFinding(
  schedules: readonly ComputeStartStopSchedule[] | undefined,
  rule: RequiredStopSchedule,
  mode: Mode,
): Finding | undefined {
  const latest = minuteOf(rule.time);
  const covered = new Set<WeekDay>();
  for (const schedule of schedules ?? []) for (const day of stopDays(schedule, rule.timeZone, latest)) covered.add(day);
  const missing = rule.days.filter((day) => !covered.has(day));
  if (missing.length === 0) return undefined;
  const stops = (schedules ?? []).filter((schedule) => schedule.action?.toLowerCase() === 'stop');
  return {
    rule: 'scaling.stopSchedule',
    severity: 'medium',
    expected: describeRequiredStop(rule),
    actual: stops.length === 0 ? null : stops.map(describeSchedule),
    relation: 'valid',
    fixable: false,
    advice: `no stop on ${missing.join(', ')} at or before ${rule.time} (${rule.timeZone}); ${STOP_SCHEDULE_ADVICE}`,
    mode,
  };
}

export interface IdleShutdownRange {
  readonly min: string | undefined;
  readonly max: string | undefined;
}

/**
 * A finding when idle shutdown is missing, unreadable, or outside [min, max]; fixed through
 * `updateIdleShutdownSetting` to the nearest bound (the maximum when none is set, else the minimum).
 */
export function idleShutdownFinding(actual: string | undefined, range: IdleShutdownRange, mode: Mode, notes: string[]): Finding | undefined {
  const { min, max } = range;
  if (min === undefined && max === undefined) return undefined;
  const actualMs = actual === undefined ? undefined : parseIsoDuration(actual);
  if (actual !== undefined && actualMs === undefined) notes.push(`idleTimeBeforeShutdown ${JSON.stringify(actual)} is not an ISO-8601 duration`);
  const minMs = min === undefined ? undefined : (parseIsoDuration(min) ?? 0);
  const maxMs = max === undefined ? undefined : (parseIsoDuration(max) ?? 0);
  const tooShort = actualMs !== undefined && minMs !== undefined && actualMs < minMs;
  const tooLong = actualMs !== undefined && maxMs !== undefined && actualMs > maxMs;
  if (actualMs !== undefined && !tooShort && !tooLong) return undefined;
  const target = tooShort ? min : (max ?? min);
  if (target === undefined) return undefined;
  const ranged = min !== undefined;
  return {
    rule: 'scaling.idleTimeBeforeShutdown',
    severity: 'medium',
    // Only a maximum: "at most PT60M", as before; with a minimum, the range reads as text.
    expected: ranged ? (max === undefined ? `at least ${min}` : `between ${min} and ${max}`) : target,
    actual: actual ?? null,
    relation: ranged ? 'valid' : 'atMost',
    fixable: true,
    fix: { idleTimeBeforeShutdown: target },
    ...(actual === undefined ? { advice: 'no idle shutdown is configured' } : {}),
    mode,
  };
}
