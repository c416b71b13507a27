/**
 * Timer trigger schedules as the Functions host reads them: an NCRONTAB expression with six fields
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`, UTC) or a TimeSpan (`hh:mm:ss`, `d.hh:mm:ss`),
 * which fires at that interval.
 */
import { CronExpressionParser } from 'cron-parser';

export interface TimerSchedule {
  readonly expression: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

export class TimerScheduleError extends Error {
  override readonly name = 'TimerScheduleError';
}

const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

export function parseTimerSchedule(expression: string): TimerSchedule {
  const text = expression.trim();
  const span = TIME_SPAN.exec(text);
  if (span !== null) return timeSpanSchedule(text, span);
  const fields = text.split(/\s+/);
  if (fields.length !== 6) {
    throw new TimerScheduleError(
      `The schedule '${expression}' is neither a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}) nor a TimeSpan (hh:mm:ss)`,
    );
  }
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' });
  } catch (error) {
    throw new TimerScheduleError(`The schedule '${expression}' is not a valid NCRONTAB expression: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    expression: text,
    next(after: Date): Date {
      return CronExpressionParser.parse(text, { currentDate: after, tz: 'UTC' }).next().toDate();
    },
  };
}

function timeSpanSchedule(text: string, span: RegExpExecArray): TimerSchedule {
  const [days, hours, minutes, seconds] = [span[1], span[2], span[3], span[4]].map((part) => Number(part ?? 0)) as [number, number, number, number];
  if (hours > 23 || minutes > 59 || seconds > 59) throw new TimerScheduleError(`The schedule '${text}' is not a valid TimeSpan`);
  const intervalMs = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  if (intervalMs <= 0) throw new TimerScheduleError(`The schedule '${text}' must be a positive interval`);
  return {
    expression: text,
    next(after: Date): Date {
      return new Date(after.getTime() + intervalMs);
    },
  };
}
