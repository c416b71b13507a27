import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSection } from '../../bench/report.js';
import { median, percentile } from '../../bench/stats.js';

describe('benchmark statistics', () => {
  it('takes the middle sample as the median, averaging the two middle ones for an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('interpolates percentiles between ranks', () => {
    const samples = Array.from({ length: 11 }, (_, i) => i * 10);
    expect(percentile(samples, 90)).toBe(90);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 0)).toBe(0);
  });

  it('refuses an empty sample', () => {
    expect(() => median([])).toThrow('no samples');
  });
});

describe('BENCHMARKS.md sections', () => {
  let folder: string | undefined;
  afterEach(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('rewrites only its own section and keeps the others', async () => {
    folder = await mkdtemp(join(tmpdir(), 'aml-warden-bench-'));
    const file = join(folder, 'BENCHMARKS.md');
    await writeFile(file, '# Benchmarks\n\n<!-- bench:events -->\nevents v1\n<!-- /bench:events -->\n');
    await writeSection(file, 'coldstart', 'cold v1');
    await writeSection(file, 'coldstart', 'cold v2');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('events v1');
    expect(text).toContain('<!-- bench:coldstart -->\ncold v2\n<!-- /bench:coldstart -->');
    expect(text).not.toContain('cold v1');
    expect(text.match(/<!-- bench:coldstart -->/g)).toHaveLength(1);
  });
});
