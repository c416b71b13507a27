import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

export function machineLine(machine: Machine): string {
  return `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.os}, Node.js ${machine.node}`;
}

const HEADER = '# Benchmarks\n\nMeasured by `npm run bench` (builds, packages, then runs every benchmark in `bench/`).\n';

/**
 * Replaces one benchmark's section of BENCHMARKS.md (between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`),
 * appending it when absent, so each benchmark rewrites only its own figures.
 */
export async function writeSection(file: string, name: string, markdown: string): Promise<void> {
  const current = existsSync(file) ? await readFile(file, 'utf8') : HEADER;
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  await writeFile(file, next.endsWith('\n') ? next : `${next}\n`);
}
