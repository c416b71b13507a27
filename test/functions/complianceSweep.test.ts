import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { complianceSweepHandler } from '../../src/functions/complianceSweep.js';

function recordingContext() {
  const lines: { level: string; text: string }[] = [];
  const context = new InvocationContext({ functionName: 'complianceSweep', logHandler: (level, ...args) => lines.push({ level, text: String(args[0]) }) });
  return { context, lines };
}

describe('complianceSweep timer', () => {
  it('runs the sweep use case, which reports what it did', async () => {
    const { context, lines } = recordingContext();
    await complianceSweepHandler({ isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: {} }, context);
    expect(lines.some((line) => line.text.includes('sweep not configured'))).toBe(true);
    expect(lines.filter((line) => line.level === 'warning')).toEqual([]);
  });

  it('warns when the run is past due', async () => {
    const { context, lines } = recordingContext();
    await complianceSweepHandler({ isPastDue: true }, context);
    expect(lines.find((line) => line.level === 'warning')?.text).toContain('late');
  });

  it('accepts a manual run whose input is not a timer', async () => {
    const { context, lines } = recordingContext();
    await expect(complianceSweepHandler('', context)).resolves.toBeUndefined();
    expect(lines.length).toBeGreaterThan(0);
  });
});
