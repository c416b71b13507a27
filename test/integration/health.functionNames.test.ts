import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';

// The app is loaded only by the host here: importing a function file first would register it before the host's core API exists.
const entry = join(import.meta.dirname, '..', '..', 'src', 'index.ts');

describe('the function names GET /api/health reports', () => {
  let host: FunctionsHost;

  beforeAll(async () => {
    host = await startHost({ entry, port: 0, timers: false, log: () => {} });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('are exactly the functions the app registers', async () => {
    const { appFunctionNames } = await import('../../src/functions/health.js');
    expect([...appFunctionNames].sort()).toEqual(host.functions.map((fn) => fn.name).sort());
  });
});
