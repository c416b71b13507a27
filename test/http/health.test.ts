import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, readAppVersion } from '../../src/config.js';
import { healthReport } from '../../src/functions/health.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const AZURITE = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

function context(): { context: InvocationContext; errors: string[] } {
  const errors: string[] = [];
  const invocation = new InvocationContext({
    functionName: 'health',
    invocationId: 'test',
    logHandler: (level, ...args) => {
      if (level === 'error') errors.push(args.map(String).join(' '));
    },
  });
  return { context: invocation, errors };
}

describe('health report', () => {
  it('answers 200 with version, functions, a secret-free settings summary and the playground policy summary', async () => {
    const env = {
      AML_WARDEN_POLICY: 'policy/playground.yaml',
      AML_WARDEN_STATE_CONNECTION_STRING: AZURITE,
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=99999999-8888-7777-6666-555555555555',
    };
    const { context: invocation } = context();
    const response = await healthReport(() => loadConfig(env, { appRoot: repositoryRoot }), invocation);
    expect(response.status).toBe(200);
    const body = response.jsonBody as Record<string, unknown>;
    expect(body.status).toBe('ok');
    expect(body.version).toBe(readAppVersion(repositoryRoot));
    expect(body.functions).toEqual(expect.arrayContaining(['amlEvents', 'resourceEvents', 'eventsWebhook', 'complianceSweep', 'health']));
    expect(body.policy).toMatchObject({ source: 'policy/playground.yaml', mode: 'enforce' });
    expect(body.config).toMatchObject({ state: { kind: 'connectionString', connectionString: 'configured' }, telemetry: 'configured' });
    const text = JSON.stringify(body);
    expect(text).not.toContain('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
    expect(text).not.toContain('99999999-8888-7777-6666-555555555555');
  });

  it('summarises the production default policy shipped with the app in audit mode', async () => {
    const { context: invocation } = context();
    const response = await healthReport(() => loadConfig({ AML_WARDEN_STATE_CONNECTION_STRING: AZURITE }, { appRoot: repositoryRoot }), invocation);
    expect(response.status).toBe(200);
    expect((response.jsonBody as { policy: unknown }).policy).toMatchObject({ source: 'policy/default.yaml', mode: 'audit' });
  });

  it('tells anyone only the status and the version', async () => {
    const { context: invocation } = context();
    const env = { AML_WARDEN_POLICY: 'policy/playground.yaml', AML_WARDEN_STATE_CONNECTION_STRING: AZURITE };
    const response = await healthReport(() => loadConfig(env, { appRoot: repositoryRoot }), invocation, 'anonymous');
    expect(response).toMatchObject({ status: 200, jsonBody: { status: 'ok', version: readAppVersion(repositoryRoot) } });
    expect(Object.keys(response.jsonBody as object).sort()).toEqual(['status', 'version']);
  });

  it('tells anyone which setting is invalid, but only the log and operators why', async () => {
    const { context: invocation, errors } = context();
    const env = { AML_WARDEN_ARM_ENDPOINT: 'http://management.azure.com', AML_WARDEN_STATE_CONNECTION_STRING: AZURITE };
    const response = await healthReport(() => loadConfig(env, { appRoot: repositoryRoot }), invocation, 'anonymous');
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({ status: 'error', error: { code: 'ConfigurationError', target: 'AML_WARDEN_ARM_ENDPOINT' } });
    expect(errors.join('\n')).toContain('AML_WARDEN_ARM_ENDPOINT: must be an https URL');
  });

  it('answers 503 naming the setting when the configuration is invalid, and logs it', async () => {
    const { context: invocation, errors } = context();
    const env = { AML_WARDEN_ARM_ENDPOINT: 'http://management.azure.com', AML_WARDEN_STATE_CONNECTION_STRING: AZURITE };
    const response = await healthReport(() => loadConfig(env, { appRoot: repositoryRoot }), invocation);
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({
      status: 'error',
      error: { code: 'ConfigurationError', message: 'AML_WARDEN_ARM_ENDPOINT: must be an https URL', target: 'AML_WARDEN_ARM_ENDPOINT' },
    });
    expect(errors.join('\n')).toContain('AML_WARDEN_ARM_ENDPOINT');
  });
});

describe('health report with an invalid policy file', () => {
  const folder = mkdtempSync(join(tmpdir(), 'aml-warden-health-policy-'));
  const policyPath = join(folder, 'policy.yaml');
  // Two mistakes, on lines 1 and 4.
  writeFileSync(policyPath, ['mode: enforced', 'scaling:', '  clusters:', '    maxNodeCount: 0', ''].join('\n'));
  const env = { AML_WARDEN_POLICY: policyPath, AML_WARDEN_STATE_CONNECTION_STRING: AZURITE };

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('tells an operator every problem with its line and column, and logs them all', async () => {
    const { context: invocation, errors } = context();
    const response = await healthReport(() => loadConfig(env, { appRoot: repositoryRoot }), invocation, 'operator');
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({
      status: 'error',
      error: {
        code: 'PolicyFileError',
        target: 'AML_WARDEN_POLICY',
        message: [
          `${policyPath}: 2 problems`,
          `${policyPath}:1:7  mode  expected 'audit' or 'enforce'`,
          `${policyPath}:4:19  scaling.clusters.maxNodeCount  expected a number ≥ 1`,
        ].join('\n'),
        problems: [
          { path: 'mode', line: 1, column: 7, message: "expected 'audit' or 'enforce'" },
          { path: 'scaling.clusters.maxNodeCount', line: 4, column: 19, message: 'expected a number ≥ 1' },
        ],
      },
    });
    const logged = errors.join('\n');
    expect(logged).toContain(`${policyPath}:1:7  mode`);
    expect(logged).toContain(`${policyPath}:4:19  scaling.clusters.maxNodeCount`);
  });

  it('tells anyone else only that the setting AML_WARDEN_POLICY is at fault, nothing from the file', async () => {
    const { context: invocation } = context();
    const response = await healthReport(() => loadConfig(env, { appRoot: repositoryRoot }), invocation, 'anonymous');
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({ status: 'error', error: { code: 'PolicyFileError', target: 'AML_WARDEN_POLICY' } });
  });
});
