import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const appRoot = repositoryRoot;

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (specifier: string): string =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);

/** Packages and source files the entry loads before any function runs (static imports only, followed transitively). */
async function loadedAtStartup(): Promise<Set<string>> {
  const result = await build({
    absWorkingDir: appRoot,
    entryPoints: ['src/index.ts'],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    outdir: 'out/entry-closure',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // Packages stay out of the bundle; which of them the entry imports statically is what matters.
    packages: 'external',
  });
  const outputs: Metafile['outputs'] = result.metafile.outputs;
  const entry = Object.keys(outputs).find((name) => outputs[name]?.entryPoint === 'src/index.ts');
  if (entry === undefined) throw new Error('no output for src/index.ts');
  const reached = new Set<string>();
  const modules = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (reached.has(name)) continue;
    reached.add(name);
    // Dynamic imports are the lazily loaded parts; only static ones load with the entry.
    for (const imported of outputs[name]?.imports ?? []) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) modules.add(packageOf(imported.path));
      else pending.push(imported.path);
    }
    for (const input of Object.keys(outputs[name]?.inputs ?? {})) modules.add(input);
  }
  return modules;
}

describe('src/index.ts', () => {
  let modules: Set<string>;
  beforeAll(async () => {
    modules = await loadedAtStartup();
  });

  it('registers every function file', () => {
    for (const file of ['amlEvents', 'resourceEvents', 'eventsWebhook', 'complianceSweep', 'computeRequests', 'health']) {
      expect(modules.has(`src/functions/${file}.ts`)).toBe(true);
    }
  });

  it('loads no heavy Azure SDK at startup, nor the validation and token libraries', () => {
    const lazyOnly = [
      '@azure/arm-machinelearning',
      '@azure/identity',
      '@azure/data-tables',
      '@azure/storage-queue',
      '@azure/keyvault-secrets',
      '@azure/eventgrid',
      '@azure/core-rest-pipeline',
      'applicationinsights',
      'zod',
      'jose',
    ];
    expect(lazyOnly.filter((name) => modules.has(name))).toEqual([]);
    expect(modules.has('@azure/functions')).toBe(true);
  });
});
