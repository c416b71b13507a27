import { beforeAll, describe, expect, it } from 'vitest';
import { AZURE_DEVOPS_RESOURCE, DevOpsState, PLAYGROUND_PIPELINES, mount, runNameOf } from '../../../dev/emulator/devops.js';
import { createLocalIdp } from '../../../dev/emulator/idp.js';
import type { LocalIdp } from '../../../dev/emulator/idp.js';
import { secretVaultFor } from '../../../dev/emulator/keyvault.js';
import { Router } from '../../../dev/emulator/router.js';
import { callRoute, fixedContext } from '../../helpers/emulatorServices.js';

const BASE = 'https://127.0.0.1:7443';

// One key pair per file: generating RSA keys is the slow part, and the routes keep no state in the IdP.
let idp: LocalIdp;
beforeAll(async () => {
  idp = await createLocalIdp(BASE);
});
const RUNS = '/ado/contoso/mlops/_apis/pipelines/1/runs';
const basic = (pat: string) => ({ authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}` });

async function setUp() {
  const context = fixedContext(idp, BASE);
  const router = new Router();
  const state = mount(router, context);
  const headers = basic(secretVaultFor(context).currentValue('ado-pat') ?? '');
  return { idp, context, router, state, headers };
}

describe('DevOpsState', () => {
  const modelCd = PLAYGROUND_PIPELINES[0]!;
  const request = { templateParameters: {}, variables: {}, resources: {}, stagesToSkip: [], requestedBy: 'pat' };

  it("names runs by the pipeline's run number format, Azure DevOps' default being date and daily counter, with ids unique across pipelines", () => {
    let now = new Date('2025-03-01T10:00:00Z');
    const state = new DevOpsState(() => now);
    const plain = { ...modelCd, id: 9, parameters: [], runName: undefined };
    state.addPipeline(plain);
    const first = state.startRun(plain, request);
    const second = state.startRun(plain, request);
    const keyed = state.startRun(modelCd, { ...request, templateParameters: { idempotencyKey: 'amlw-1' } });
    const keyedAgain = state.startRun(modelCd, { ...request, templateParameters: { idempotencyKey: 'amlw-1' } });
    now = new Date('2025-03-02T08:00:00Z');
    const nextDay = state.startRun(plain, request);
    expect([first.name, second.name, keyed.name, keyedAgain.name, nextDay.name]).toEqual(['20250301.1', '20250301.2', 'amlw-1.1', 'amlw-1.2', '20250302.1']);
    expect(new Set([first.id, second.id, keyed.id, keyedAgain.id, nextDay.id]).size).toBe(5);
  });

  it('expands parameters, the date and the revision in a run number format', () => {
    expect(runNameOf('${{ parameters.model }}-$(Date:yyyyMMdd).$(Rev:r)', { model: 'churn' }, new Date('2026-12-04T00:00:00Z'), ['churn-20261204.1'])).toBe('churn-20261204.2');
  });

  it('completes a run and reset forgets every run', () => {
    const state = new DevOpsState();
    const run = state.startRun(modelCd, request);
    expect(state.completeRun(run.id, 'succeeded')).toMatchObject({ state: 'completed', result: 'succeeded' });
    state.reset();
    expect(state.runs()).toEqual([]);
  });
});

describe('Azure DevOps routes', () => {
  it('takes api-version from the Accept header as the service does', async () => {
    const { router, headers } = await setUp();
    const response = await callRoute(router, 'POST', RUNS, {
      headers: { ...headers, accept: 'application/json;api-version=7.1' },
      body: { templateParameters: { modelName: 'm', modelVersion: 3, workspaceId: 'w', idempotencyKey: 'k' } },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ templateParameters: { modelVersion: '3' }, createdDate: '2025-03-01T10:00:00.000Z' });
  });

  it('a preview run returns YAML and starts nothing', async () => {
    const { router, headers, state } = await setUp();
    const response = await callRoute(router, 'POST', RUNS, {
      headers,
      query: { 'api-version': '7.1' },
      body: { previewRun: true, templateParameters: { modelName: 'm', modelVersion: '1', workspaceId: 'w', idempotencyKey: 'k' } },
    });
    expect(response.status).toBe(200);
    expect((response.body as { finalYaml: string }).finalYaml).toContain('modelName: "m"');
    expect(state.runs()).toEqual([]);
  });

  it("refuses a parameter the pipeline's YAML does not declare, and one it declares without a default left unset", async () => {
    const { router, headers, state } = await setUp();
    const unexpected = await callRoute(router, 'POST', RUNS, { headers, query: { 'api-version': '7.1' }, body: { templateParameters: { modelName: 'm', modelVersion: '1', workspaceId: 'w', idempotencyKey: 'k', extra: 'x' } } });
    expect(unexpected.status).toBe(400);
    expect(unexpected.body).toMatchObject({ message: "Unexpected parameter 'extra'" });
    const missing = await callRoute(router, 'POST', RUNS, { headers, query: { 'api-version': '7.1' }, body: { templateParameters: { modelName: 'm', modelVersion: '1', workspaceId: 'w' } } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ message: "A value for the 'idempotencyKey' parameter must be provided." });
    // A YAML that declares no parameters takes none.
    state.addPipeline({ organization: 'contoso', project: 'mlops', id: 9, name: 'plain', folder: '\\', revision: 1, parameters: [] });
    const undeclared = await callRoute(router, 'POST', '/ado/contoso/mlops/_apis/pipelines/9/runs', { headers, query: { 'api-version': '7.1' }, body: { templateParameters: { modelName: 'm' } } });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body).toMatchObject({ message: "Unexpected parameter 'modelName'" });
    expect(state.runs()).toEqual([]);
  });

  it('finds a run by the start of its number through Builds - List, for one pipeline', async () => {
    const { router, headers } = await setUp();
    const run = await callRoute(router, 'POST', RUNS, { headers, query: { 'api-version': '7.1' }, body: { templateParameters: { modelName: 'm', modelVersion: '1', workspaceId: 'w', idempotencyKey: 'amlw-42' } } });
    expect(run.body).toMatchObject({ name: 'amlw-42.1' });
    const found = await callRoute(router, 'GET', '/ado/contoso/mlops/_apis/build/builds', { headers, query: { definitions: '1', buildNumber: 'amlw-42*', 'api-version': '7.1' } });
    expect(found.body).toMatchObject({ count: 1, value: [{ buildNumber: 'amlw-42.1', definition: { id: 1 } }] });
    const elsewhere = await callRoute(router, 'GET', '/ado/contoso/mlops/_apis/build/builds', { headers, query: { definitions: '2', buildNumber: 'amlw-42*', 'api-version': '7.1' } });
    expect(elsewhere.body).toMatchObject({ count: 0 });
    const exact = await callRoute(router, 'GET', '/ado/contoso/mlops/_apis/build/builds', { headers, query: { buildNumber: 'amlw-42', 'api-version': '7.1' } });
    expect(exact.body).toMatchObject({ count: 0 });
  });

  it('rejects a body whose variables are not objects', async () => {
    const { router, headers, state } = await setUp();
    const response = await callRoute(router, 'POST', RUNS, { headers, query: { 'api-version': '7.1' }, body: { variables: { a: 'b' } } });
    expect(response.status).toBe(400);
    expect(state.runs()).toEqual([]);
  });

  it('follows a PAT rotated in Key Vault: the old one stops working', async () => {
    const { router, headers, context } = await setUp();
    secretVaultFor(context).set('ado-pat', 'rotated-pat');
    const query = { 'api-version': '7.1' };
    expect((await callRoute(router, 'GET', RUNS, { headers: { ...headers, 'x-tfs-fedauthredirect': 'Suppress' }, query })).status).toBe(401);
    expect((await callRoute(router, 'GET', RUNS, { headers: basic('rotated-pat'), query })).status).toBe(200);
  });

  it('lists the playground pipelines and 404s an unknown project', async () => {
    const { router } = await setUp();
    const token = await idp.mintAccessToken({ audience: AZURE_DEVOPS_RESOURCE });
    const headers = { authorization: `Bearer ${token}` };
    const query = { 'api-version': '7.1' };
    const listed = await callRoute(router, 'GET', '/ado/contoso/mlops/_apis/pipelines', { headers, query });
    expect(listed.body).toMatchObject({ count: 2, value: [{ id: 1, name: 'model-cd' }, { id: 2, name: 'retrain' }] });
    expect((await callRoute(router, 'GET', '/ado/contoso/other/_apis/pipelines', { headers, query })).status).toBe(404);
  });
});
