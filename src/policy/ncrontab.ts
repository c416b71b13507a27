/**
 * The fields of a five-field NCronTab expression (minute hour day-of-month month day-of-week), the format Azure ML's
 * compute schedules take (`Cron.expression`: "should follow NCronTab format", stable/2024-04-01
 * machineLearningServices.json). Supports `*`, numbers, ranges `a-b`, steps (`/n` after `*` or a range), lists, and month and
 * day names (JAN…DEC, SUN…SAT). Day of week 0 and 7 are Sunday. Pure: no clock, no I/O.
 */

export interface CronFields {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** `true` when the field is `*` (every day of the month, or every month). */
  readonly everyDayOfMonth: boolean;
  readonly everyMonth: boolean;
  /** 0 = Sunday … 6 = Saturday (7 is folded into 0). */
  readonly daysOfWeek: readonly number[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The fields of `expression`, or `undefined` when it is not a five-field expression this parser reads. */
export function parseNcrontab(expression: string): CronFields | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) return undefined;
  const [minute = '', hour = '', dayOfMonth = '', month = '', dayOfWeek = ''] = parts;
  const minutes = field(minute, 0, 59, []);
  const hours = field(hour, 0, 23, []);
  const monthDays = field(dayOfMonth, 1, 31, []);
  const months = field(month, 1, 12, MONTHS, 1);
  const weekDays = field(dayOfWeek, 0, 7, DAYS);
  if (!minutes || !hours || !monthDays || !months || !weekDays) return undefined;
  return {
    minutes,
    hours,
    everyDayOfMonth: dayOfMonth === '*' || dayOfMonth === '?',
    everyMonth: month === '*',
    daysOfWeek: [...new Set(weekDays.map((day) => day % 7))].sort((a, b) => a - b),
  };
}

function field(text: string, min: number, max: number, names: readonly string[], nameBase = 0): number[] | undefined {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let low: number | undefined;
    let high: number | undefined;
    if (range === '*' || range === '?') {
      low = min;
      high = max;
    } else {
      const [from = '', to] = range.split('-');
      low = value(from, names, nameBase);
      high = to === undefined ? (stepText === undefined ? low : max) : value(to, names, nameBase);
    }
    if (low === undefined || high === undefined || low < min || high > max || low > high) return undefined;
    for (let n = low; n <= high; n += step) values.add(n);
  }
  return [...values].sort((a, b) => a - b);
}

function value(text: string, names: readonly string[], nameBase: number): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = names.indexOf(text.toUpperCase());
  return index < 0 ? undefined : index + nameBase;
}
