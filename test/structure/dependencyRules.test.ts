/**
 * The direction of imports (`.dependency-cruiser.cjs`) holds for the whole tree, and each rule bites: a tree that
 * breaks it on purpose is reported under the rule's name.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const depcruise = join(repositoryRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = join(repositoryRoot, '.dependency-cruiser.cjs');

const cruiseResult = z.object({
  summary: z.object({
    totalCruised: z.number(),
    violations: z.array(z.object({ from: z.string(), to: z.string(), rule: z.object({ name: z.string() }), cycle: z.array(z.unknown()).optional() })),
  }),
});

/** Runs dependency-cruiser's own command line, as a person would, over `folders` of the tree at `cwd`. */
async function cruise(cwd: string, folders: readonly string[]): Promise<z.infer<typeof cruiseResult>['summary']> {
  const run = await promisify(execFile)(process.execPath, [depcruise, ...folders, '--config', config, '--output-type', 'json', '--no-progress'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: unknown) => {
    // Violations exit non-zero; the report is still on stdout.
    const stdout: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'stdout') : undefined;
    if (typeof stdout === 'string' && stdout.startsWith('{')) return { stdout };
    throw error;
  });
  return cruiseResult.parse(JSON.parse(run.stdout)).summary;
}

describe('the direction of imports', () => {
  it('holds for src, dev, bench and scripts', async () => {
    const summary = await cruise(repositoryRoot, ['src', 'dev', 'bench', 'scripts']);
    expect(summary.totalCruised).toBeGreaterThan(200);
    expect(summary.violations.map(({ rule, from, to }) => `${rule.name}: ${from} → ${to}`)).toEqual([]);
  }, 60_000);

  describe('a tree that breaks each rule', () => {
    let planted: string;
    afterAll(async () => {
      if (planted !== undefined) await rm(planted, { recursive: true, force: true });
    });

    it('is reported under each rule it breaks', async () => {
      // Inside the repository, so an SDK import resolves into its node_modules as the app's do.
      await mkdir(join(repositoryRoot, '.aml-warden'), { recursive: true });
      planted = await mkdtemp(join(repositoryRoot, '.aml-warden', 'depcruise-'));
      const files: Record<string, string> = {
        'tsconfig.test.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src', 'dev', 'bench', 'scripts', 'test'] }),
        'src/errors.ts': 'export class AppError extends Error {}\n',
        'src/shared/log.ts': 'export interface Log { info(message: string): void }\n',
        // A use case that builds an adapter itself.
        'src/modelCd/onModelRegistered.ts': "import { createCdTarget } from '../adapters/cd/createCdTarget.js';\nexport const target = createCdTarget;\n",
        'src/modelCd/ports.ts': 'export interface CdTarget { start(): Promise<void> }\n',
        // An adapter that reaches into a use case rather than its port.
        'src/adapters/cd/createCdTarget.ts':
          "import type { CdTarget } from '../../modelCd/ports.js';\nimport { target } from '../../modelCd/onModelRegistered.js';\nexport function createCdTarget(): CdTarget { return { start: async () => { void target; } }; }\n",
        // A use case that talks to Table Storage itself.
        'src/runNotifications/flushBurstWindows.ts': "import { TableClient } from '@azure/data-tables';\nexport const client = TableClient;\n",
        // Policy that logs.
        'src/policy/evaluate.ts': "import type { Log } from '../shared/log.js';\nexport type Evaluated = Log;\n",
        // A function that builds its adapter instead of asking composition.ts.
        'src/functions/amlEvents.ts': "import { createCdTarget } from '../adapters/cd/createCdTarget.js';\nexport const handler = createCdTarget;\n",
        // The app reaching into the local Azure, and the local Azure into the tests.
        'src/governance/governResource.ts': "import { emulator } from '../../dev/emulator/arm.js';\nexport const arm = emulator;\n",
        'dev/emulator/arm.ts': "import { fixture } from '../../test/helpers/fixture.js';\nexport const emulator = fixture;\n",
        'test/helpers/fixture.ts': 'export const fixture = 1;\n',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(planted, path)), { recursive: true });
        await writeFile(join(planted, path), text);
      }

      const summary = await cruise(planted, ['src', 'dev']);
      const broken = (rule: string) => summary.violations.filter((violation) => violation.rule.name === rule).map(({ from, to }) => `${from} → ${to}`);

      expect(broken('capabilities-import-no-adapters')).toEqual(['src/modelCd/onModelRegistered.ts → src/adapters/cd/createCdTarget.ts']);
      expect(broken('adapters-import-only-ports')).toEqual(['src/adapters/cd/createCdTarget.ts → src/modelCd/onModelRegistered.ts']);
      expect(broken('no-cycles').length).toBeGreaterThan(0);
      expect(broken('policy-is-pure')).toEqual(['src/policy/evaluate.ts → src/shared/log.ts']);
      expect(broken('only-composition-builds-adapters')).toEqual(
        expect.arrayContaining(['src/functions/amlEvents.ts → src/adapters/cd/createCdTarget.ts', 'src/modelCd/onModelRegistered.ts → src/adapters/cd/createCdTarget.ts']),
      );
      expect(broken('capabilities-import-no-sdk')).toEqual([expect.stringMatching(/^src\/runNotifications\/flushBurstWindows\.ts → .*node_modules\/@azure\/data-tables\//)]);
      expect(broken('src-stands-alone')).toEqual(['src/governance/governResource.ts → dev/emulator/arm.ts']);
      expect(broken('tools-import-no-tests')).toEqual(['dev/emulator/arm.ts → test/helpers/fixture.ts']);
      // The port import of the same adapter is allowed.
      expect(summary.violations.some(({ from, to }) => from === 'src/adapters/cd/createCdTarget.ts' && to === 'src/modelCd/ports.ts')).toBe(false);
    }, 60_000);
  });
});
