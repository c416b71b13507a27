import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

// The health function is loaded only by the host here: importing it first would register it before the host's core API exists.
const AZURITE = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

describe('GET /api/health on the offline host with an invalid policy setting', () => {
  let host: FunctionsHost;
  const logged: string[] = [];

  beforeAll(async () => {
    host = await startHost({
      entry: join(repositoryRoot, 'src', 'functions', 'health.ts'),
      port: 0,
      timers: false,
      log: (line) => logged.push(line),
      env: { AML_WARDEN_POLICY: 'policy/does-not-exist.yaml', AML_WARDEN_STATE_CONNECTION_STRING: AZURITE },
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('registers health as an anonymous GET on /api/health', () => {
    const health = host.functions.find((fn) => fn.name === 'health');
    expect(health).toMatchObject({ kind: 'http', route: 'health', methods: ['GET'] });
  });

  it('answers 503 naming AML_WARDEN_POLICY (the reason is in the log), and keeps serving', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${host.url}/api/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; error: { code: string; message: string; target: string } };
      expect(body.status).toBe('error');
      expect(body.error.code).toBe('ConfigurationError');
      expect(body.error.target).toBe('AML_WARDEN_POLICY');
      expect(body.error.message).toBeUndefined();
    }
    expect(logged.join('\n')).toContain('policy file not found');
  });
});
