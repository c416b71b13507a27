import { describe, expect, test } from 'vitest';
import { parseTimerSchedule, TimerScheduleError } from '../../../dev/host/timerSchedule.js';

describe('timer schedules', () => {
  test('a six-field NCRONTAB expression counts seconds first, in UTC', () => {
    const everySixHours = parseTimerSchedule('0 0 */6 * * *');
    expect(everySixHours.next(new Date('2024-03-01T01:00:00Z')).toISOString()).toBe('2024-03-01T06:00:00.000Z');
    const everySecond = parseTimerSchedule('*/1 * * * * *');
    expect(everySecond.next(new Date('2024-03-01T00:00:00.400Z')).toISOString()).toBe('2024-03-01T00:00:01.000Z');
  });

  test('the next occurrence is strictly after the given time', () => {
    const schedule = parseTimerSchedule('0 30 9 * * 1-5');
    expect(schedule.next(new Date('2024-03-01T09:30:00Z')).toISOString()).toBe('2024-03-04T09:30:00.000Z');
  });

  test('a TimeSpan fires at that interval', () => {
    expect(parseTimerSchedule('00:05:00').next(new Date('2024-03-01T00:00:00Z')).toISOString()).toBe('2024-03-01T00:05:00.000Z');
    expect(parseTimerSchedule('1.00:00:00').next(new Date('2024-03-01T00:00:00Z')).toISOString()).toBe('2024-03-02T00:00:00.000Z');
  });

  test('five-field cron, nonsense and empty intervals are refused', () => {
    expect(() => parseTimerSchedule('0 */6 * * *')).toThrow(/six-field NCRONTAB/);
    expect(() => parseTimerSchedule('0 0 bogus * * *')).toThrow(TimerScheduleError);
    expect(() => parseTimerSchedule('00:00:00')).toThrow(TimerScheduleError);
  });
});
