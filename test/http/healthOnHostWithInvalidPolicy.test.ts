import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { request } from '../helpers/emulatorServices.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

// The health function is loaded only by the host here: importing it first would register it before the host's core API exists.
// Health reads no table, so Azurite's well-known development account is named but not started.
const AZURITE = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

interface HealthError {
  status: string;
  error: { code: string; target?: string; message?: string; problems?: { path: string; line: number; column: number; message: string }[] };
}

describe('GET /api/health on the offline host while the policy file is invalid', () => {
  let emulator: RunningEmulator;
  let host: FunctionsHost;
  let folder: string;
  let policyPath: string;
  const logged: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 'playground' });
    folder = mkdtempSync(join(tmpdir(), 'aml-warden-health-invalid-policy-'));
    policyPath = join(folder, 'policy.yaml');
    // Two mistakes on different lines: a mode that does not exist, and a CD rule naming a target that is not defined.
    writeFileSync(policyPath, ['mode: enforced', 'cd:', '  targets: {}', '  rules:', '    - name: retrained', '      target: model-cd', ''].join('\n'));
    writeFileSync(join(folder, 'emulator-ca.pem'), emulator.caPem);
    const env = {
      ...localAzureSettings({ emulatorUrl: emulator.url, azuriteConnectionString: AZURITE }, { policy: policyPath, caFile: join(folder, 'emulator-ca.pem') }),
      AML_WARDEN_HTTP_TIMEOUT_MS: '5000',
    };
    host = await startHost({ entry: join(repositoryRoot, 'src', 'functions', 'health.ts'), port: 0, timers: false, log: (line) => logged.push(line), env });
  });

  afterAll(async () => {
    await host?.close();
    await emulator?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const tokenFor = async (body: Record<string, unknown>) =>
    (await request(`${emulator.url}/idp/dev/token`, { method: 'POST', body, ca: emulator.caPem })).json<{ access_token: string }>().access_token;

  const health = async (token?: string) => {
    const response = await fetch(`${host.url}/api/health`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as HealthError };
  };

  it('tells an Operator every problem in the file with its line and column', async () => {
    const { status, body } = await health(await tokenFor({ app: 'monitoring', roles: ['Operator'] }));
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ code: 'PolicyFileError', target: 'AML_WARDEN_POLICY' });
    expect(body.error.problems).toEqual([
      { path: 'mode', line: 1, column: 7, message: "expected 'audit' or 'enforce'" },
      { path: 'cd.rules[0].target', line: 6, column: 15, message: "unknown target 'model-cd' (none are defined)" },
    ]);
    expect(body.error.message?.split('\n')).toEqual([
      `${policyPath}: 2 problems`,
      `${policyPath}:1:7  mode  expected 'audit' or 'enforce'`,
      `${policyPath}:6:15  cd.rules[0].target  unknown target 'model-cd' (none are defined)`,
    ]);
    expect(logged.join('\n')).toContain(`${policyPath}:6:15  cd.rules[0].target`);
  });

  it('tells an anonymous caller nothing from the file: only that AML_WARDEN_POLICY is at fault', async () => {
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body).toEqual({ status: 'error', error: { code: 'PolicyFileError', target: 'AML_WARDEN_POLICY' } });
  });

  it('still refuses a token without the Operator role (403) and one it cannot validate (401)', async () => {
    const requester = await tokenFor({ user: 'alice@contoso.com', roles: ['ComputeRequester'] });
    const refused = await fetch(`${host.url}/api/health`, { headers: { authorization: `Bearer ${requester}` } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('mode');
    const invalid = await fetch(`${host.url}/api/health`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(invalid.status).toBe(401);
    expect(await invalid.text()).not.toContain('mode');
  });
});
