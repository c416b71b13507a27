import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { packageOf, packagesReachableStatically } from '../../scripts/package.js';

const output = (inputs: string[], imports: Metafile['outputs'][string]['imports']): Metafile['outputs'][string] => ({
  bytes: 1,
  inputs: Object.fromEntries(inputs.map((input) => [input, { bytesInOutput: 1 }])),
  imports,
  exports: [],
});

describe('packageOf', () => {
  it('names scoped and unscoped packages, the innermost node_modules winning', () => {
    expect(packageOf('node_modules/@azure/identity/dist/esm/index.js')).toBe('@azure/identity');
    expect(packageOf('node_modules/applicationinsights/out/main.js')).toBe('applicationinsights');
    expect(packageOf('node_modules/a/node_modules/@scope/b/x.js')).toBe('@scope/b');
    expect(packageOf('src/index.ts')).toBeUndefined();
  });
});

describe('packagesReachableStatically', () => {
  it('follows static imports from the entry but not dynamic ones', () => {
    const metafile: Metafile = {
      inputs: {},
      outputs: {
        'out/main.js': output(['src/index.ts', 'node_modules/@azure/functions/dist/x.js'], [
          { path: 'out/chunk-A.js', kind: 'import-statement' },
          { path: 'out/chunk-B.js', kind: 'dynamic-import' },
          { path: '@azure/functions-core', kind: 'require-call', external: true },
        ]),
        'out/chunk-A.js': output(['node_modules/zod/index.js'], [{ path: 'out/chunk-C.js', kind: 'import-statement' }]),
        'out/chunk-B.js': output(['node_modules/@azure/identity/index.js'], []),
        'out/chunk-C.js': output(['node_modules/yaml/index.js'], []),
      },
    };
    expect(packagesReachableStatically(metafile, 'out/main.js')).toEqual(['@azure/functions', 'yaml', 'zod']);
  });
});
