import { describe, expect, test } from 'vitest';
import { compareDurations, durationMs, parseIsoDuration } from '../../src/policy/duration.js';

describe('ISO-8601 durations', () => {
  test('reads the forms Azure ML writes', () => {
    expect(parseIsoDuration('PT5M')).toBe(300_000);
    expect(parseIsoDuration('PT120S')).toBe(120_000);
    expect(parseIsoDuration('PT2H')).toBe(7_200_000);
    expect(parseIsoDuration('P1D')).toBe(86_400_000);
    expect(parseIsoDuration('P1DT12H')).toBe(129_600_000);
    expect(parseIsoDuration('P2W')).toBe(1_209_600_000);
    expect(parseIsoDuration('PT1.5H')).toBe(5_400_000);
    expect(parseIsoDuration('pt30m')).toBe(1_800_000);
  });

  test('compares by length, not by text', () => {
    expect(compareDurations('PT2H', 'PT30M')).toBeGreaterThan(0);
    expect(compareDurations('PT1800S', 'PT30M')).toBe(0);
    expect(compareDurations('PT90M', 'P1D')).toBeLessThan(0);
    expect(compareDurations('P1D', 'PT23H59M')).toBeGreaterThan(0);
  });

  test('refuses what is not a duration, and years and months which have no fixed length', () => {
    for (const text of ['', 'P', 'PT', '30M', 'P1M', 'P1Y', 'PT-5M', '5 minutes', 'P1DT']) {
      expect(parseIsoDuration(text), text).toBeUndefined();
    }
    expect(() => durationMs('soon')).toThrow(RangeError);
  });
});
