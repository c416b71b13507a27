/**
 * The fields of a five-field NCronTab expression (minute hour day-of-month month day-of-week), the format Azure ML's
 * compute schedules take (`Cron.expression`: "should follow NCronTab format", stable/2024-04-01
 * machineLearningServices.json), read by `cron-parser`: `*`, `?`, numbers, ranges, steps, lists, and month and day names
 * (JAN…DEC, SUN…SAT); day of week 0 and 7 are Sunday. The last-day, weekday and nth-weekday forms (`L`, `W`, `#`) are
 * not read: they stop an instance on some weeks only, so they never count as a weekly stop. Pure: no clock, no I/O.
 */
import { CronExpressionParser } from 'cron-parser';

export interface CronFields {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** `true` when the field is `*` (every day of the month, or every month). */
  readonly everyDayOfMonth: boolean;
  readonly everyMonth: boolean;
  /** 0 = Sunday … 6 = Saturday (7 is folded into 0). */
  readonly daysOfWeek: readonly number[];
}

/** The fields of `expression`, or `undefined` when it is not a five-field expression this parser reads. */
export function parseNcrontab(expression: string): CronFields | undefined {
  const parts = expression.trim().split(/\s+/);
  // cron-parser also takes six fields (seconds first) and fills in missing ones; NCronTab here has exactly five.
  if (parts.length !== 5 || parts.some(isPartialWeekForm)) return undefined;
  let fields: ReturnType<typeof CronExpressionParser.parse>['fields'];
  try {
    // A fixed date: the fields do not depend on it, and parsing reads no clock.
    // NCronTab lets 0 and 7 both name Sunday in one list; cron-parser refuses the duplicate, so 7 is read as 0 once.
    const [minute, hour, dayOfMonth, month, dayOfWeek = ''] = parts;
    const weekDays = [...new Set(dayOfWeek.split(',').map((token) => (token === '7' ? '0' : token)))].join(',');
    fields = CronExpressionParser.parse([minute, hour, dayOfMonth, month, weekDays].join(' '), { currentDate: new Date(0), tz: 'UTC' }).fields;
  } catch {
    return undefined;
  }
  const numbers = (values: readonly unknown[]): number[] => values.filter((value): value is number => typeof value === 'number');
  return {
    minutes: numbers(fields.minute.values),
    hours: numbers(fields.hour.values),
    everyDayOfMonth: fields.dayOfMonth.isWildcard,
    everyMonth: fields.month.isWildcard,
    daysOfWeek: [...new Set(numbers(fields.dayOfWeek.values).map((day) => day % 7))].sort((a, b) => a - b),
  };
}

/** `L`, `5L`, `15W`, `LW`, `1#2`: last days, nearest weekdays and nth weekdays (names such as JUL or WED are not). */
function isPartialWeekForm(part: string): boolean {
  return part.includes('#') || part.split(/[,/-]/).some((token) => /^(\d*L|\d+W|LW)$/i.test(token));
}
