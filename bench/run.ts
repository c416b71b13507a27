/**
 * `npm run bench` → `node dist/bench/run.js [name ...]`: runs the named benchmarks (all when none is named) and
 * writes their figures into BENCHMARKS.md. A new benchmark is a module exporting `benchmark` plus one line below.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findProjectRoot } from '../scripts/package.js';
import type { Benchmark } from './benchmark.js';

export const BENCHMARKS: Readonly<Record<string, () => Promise<Benchmark>>> = {
  coldstart: async () => (await import('./coldstart.js')).benchmark,
  'first-event': async () => (await import('./firstEvent.js')).benchmark,
  events: async () => (await import('./events.js')).benchmark,
  sweep: async () => (await import('./sweep.js')).benchmark,
};

export async function runBenchmarks(names: readonly string[], root = findProjectRoot()): Promise<void> {
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(BENCHMARKS).join(', ')}`);
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  for (const name of selected) {
    const load = BENCHMARKS[name];
    if (load === undefined) continue;
    const benchmark = await load();
    process.stdout.write(`\n# ${benchmark.name}: ${benchmark.description}\n`);
    await benchmark.run({ root, reportFile: join(root, 'BENCHMARKS.md'), log: (line) => process.stdout.write(`${line}\n`) });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runBenchmarks(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
