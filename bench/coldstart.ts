/**
 * Cold start: how long a fresh Node.js process takes to load the app's entry until its functions are registered,
 * against a bare `node -e 0`, median of N processes run interleaved so a noisy machine slows every variant alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Benchmark, BenchContext } from './benchmark.js';
import { describeMachine, machineLine, writeSection } from './report.js';
import { median, percentile, round } from './stats.js';

export interface ColdStartVariant {
  readonly name: string;
  readonly args: readonly string[];
}

export interface ColdStartSample {
  readonly variant: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
  /** Median over the bare process's median. */
  readonly ratio: number;
}

export interface ColdStartResult {
  readonly runs: number;
  readonly samples: readonly ColdStartSample[];
  readonly bundle: {
    readonly javascriptBytes: number;
    readonly mainBytes: number;
    /** main.js plus the chunks it imports statically: what a cold start reads. */
    readonly startBytes: number;
    readonly chunks: number;
  };
}

export function coldStartVariants(root: string): ColdStartVariant[] {
  const loader = join(root, 'bench', 'loadEntry.mjs');
  return [
    { name: 'bare `node -e 0`', args: ['-e', '0'] },
    { name: 'bundle `out/package/main.js`', args: [loader, join(root, 'out', 'package', 'main.js')] },
    { name: 'unbundled `dist/src/index.js`', args: [loader, join(root, 'dist', 'src', 'index.js')] },
  ];
}

function runOnce(args: readonly string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    const reason = result.status === 2 ? 'no function was registered' : result.stderr.toString().trim().split('\n').slice(-3).join(' | ');
    throw new Error(`node ${args.join(' ')} failed (${result.status ?? result.signal}): ${reason}`);
  }
  return elapsed;
}

export async function measureColdStart(root: string, runs = 20): Promise<ColdStartResult> {
  const variants = coldStartVariants(root);
  for (const file of [join(root, 'out', 'package', 'main.js'), join(root, 'dist', 'src', 'index.js')]) {
    if (!existsSync(file)) throw new Error(`${relative(root, file)} is missing; run npm run build && npm run package`);
  }
  // One untimed round warms the file cache for every variant.
  for (const variant of variants) runOnce(variant.args, root);
  const times = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < runs; round++) {
    // Rotate the order each round so no variant always runs right after another.
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length] as ColdStartVariant;
      times.get(variant.name)?.push(runOnce(variant.args, root));
    }
  }
  const bare = median(times.get(variants[0]?.name ?? '') ?? []);
  const samples = variants.map((variant) => {
    const values = times.get(variant.name) ?? [];
    return {
      variant: variant.name,
      medianMs: round(median(values)),
      p90Ms: round(percentile(values, 90)),
      minMs: round(Math.min(...values)),
      ratio: round(median(values) / bare, 2),
    };
  });
  const packageDir = join(root, 'out', 'package');
  const files = (await readdir(packageDir)).filter((file) => file.endsWith('.js'));
  const size = (file: string): number => statSync(join(packageDir, file)).size;
  return {
    runs,
    samples,
    bundle: {
      javascriptBytes: files.reduce((total, file) => total + size(file), 0),
      mainBytes: size('main.js'),
      startBytes: (await staticallyLoaded(packageDir, 'main.js')).reduce((total, file) => total + size(file), 0),
      chunks: files.length - 1,
    },
  };
}

/** `file` and the chunks it imports statically, transitively (`import(...)` calls are not followed). */
async function staticallyLoaded(folder: string, file: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = await readFile(join(folder, file), 'utf8');
  for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([\w.-]+\.js)["']/g)) {
    if (match[1] !== undefined) await staticallyLoaded(folder, match[1], seen);
  }
  return [...seen];
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

export function coldStartMarkdown(result: ColdStartResult, machine = describeMachine(), date = new Date()): string {
  const rows = result.samples.map((sample) => `| ${sample.variant} | ${sample.medianMs} | ${sample.p90Ms} | ${sample.minMs} | ${sample.ratio.toFixed(2)}× |`);
  const bundled = result.samples[1];
  const verdict = bundled === undefined ? '' : bundled.ratio <= 2 ? 'within the 2× target' : '**above the 2× target**';
  return [
    '## Cold start',
    '',
    `Measured ${date.toISOString().slice(0, 10)} on ${machineLine(machine)}.`,
    '',
    `Wall time of a fresh process from spawn to exit, ${result.runs} processes per variant, run interleaved. The app's`,
    'variants load the entry with a stand-in for `@azure/functions-core` (`bench/loadEntry.mjs`) and exit once',
    'registration has run; heavy SDKs load later, on the first invocation that needs them.',
    '',
    '| variant | median ms | p90 ms | min ms | median / bare |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Bundle: ${kib(result.bundle.javascriptBytes)} of JavaScript in \`main.js\` and ${result.bundle.chunks} chunks; \`main.js\` is ${kib(result.bundle.mainBytes)},`,
    `and ${kib(result.bundle.startBytes)} with the chunks it imports statically — all a cold start loads. The bundle's cold start`,
    `is ${bundled?.ratio.toFixed(2) ?? '?'}× a bare start, ${verdict}.`,
    '',
    'Reproduce: `npm run bench` (or, after `npm run build && npm run package`, `node dist/bench/run.js coldstart`).',
  ].join('\n');
}

export const benchmark: Benchmark = {
  name: 'coldstart',
  description: 'entry load until registration, bundle and unbundled, against a bare node process',
  async run(context: BenchContext): Promise<void> {
    const runs = Number(process.env['AML_WARDEN_BENCH_RUNS'] ?? 20);
    const result = await measureColdStart(context.root, Number.isInteger(runs) && runs > 0 ? runs : 20);
    const markdown = coldStartMarkdown(result);
    context.log(markdown);
    await writeSection(context.reportFile, 'coldstart', markdown);
  },
};
