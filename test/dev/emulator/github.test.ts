import { beforeAll, describe, expect, it } from 'vitest';
import { GitHubState, MAX_DISPATCH_INPUTS, PLAYGROUND_WORKFLOWS, mount } from '../../../dev/emulator/github.js';
import { createLocalIdp } from '../../../dev/emulator/idp.js';
import type { LocalIdp } from '../../../dev/emulator/idp.js';
import { secretVaultFor } from '../../../dev/emulator/keyvault.js';
import { Router } from '../../../dev/emulator/router.js';
import { mount as mountSinks } from '../../../dev/emulator/sinks.js';
import { callRoute, fixedContext } from '../../helpers/emulatorServices.js';

const BASE = 'https://127.0.0.1:7443';

// One key pair per file: generating RSA keys is the slow part, and the routes keep no state in the IdP.
let idp: LocalIdp;
beforeAll(async () => {
  idp = await createLocalIdp(BASE);
});
const DISPATCH = '/github/repos/contoso/mlops-cd/actions/workflows/model-cd.yml/dispatches';

async function setUp() {
  const context = fixedContext(idp, BASE);
  const router = new Router();
  const state = mount(router, context);
  const headers = { authorization: `token ${secretVaultFor(context).currentValue('github-token') ?? ''}` };
  return { router, state, headers, context };
}

describe('GitHubState', () => {
  it('resolves a workflow by file name or numeric id', () => {
    const state = new GitHubState();
    const modelCd = PLAYGROUND_WORKFLOWS.find((workflow) => workflow.file === 'model-cd.yml')!;
    expect(state.workflow('Contoso', 'MLOps-CD', 'model-cd.yml')).toBe(modelCd);
    expect(state.workflow('contoso', 'mlops-cd', String(modelCd.id))).toBe(modelCd);
    expect(state.workflow('contoso', 'mlops-cd', 'retrain.yml')?.name).toBe('Retrain');
    expect(state.workflow('contoso', 'other', 'model-cd.yml')).toBeUndefined();
  });
});

describe('GitHub routes', () => {
  it('accepts the older token scheme and records the dispatch', async () => {
    const { router, state, headers } = await setUp();
    const response = await callRoute(router, 'POST', DISPATCH, { headers, body: { ref: 'refs/heads/main', inputs: { model_version: '2' } } });
    expect(response.status).toBe(204);
    expect(state.runs()).toMatchObject([{ ref: 'refs/heads/main', inputs: { model_version: '2' }, event: 'workflow_dispatch', createdAt: '2025-03-01T10:00:00.000Z' }]);
  });

  it(`refuses more than ${MAX_DISPATCH_INPUTS} inputs`, async () => {
    const { router, state, headers } = await setUp();
    const inputs = Object.fromEntries(Array.from({ length: MAX_DISPATCH_INPUTS + 1 }, (_, index) => [`input_${index}`, 'v']));
    const response = await callRoute(router, 'POST', DISPATCH, { headers, body: { ref: 'main', inputs } });
    expect(response.status).toBe(422);
    expect(state.runs()).toEqual([]);
  });

  it('refuses an input the workflow does not declare, also when it declares none, and dispatches nothing', async () => {
    const { router, state, headers } = await setUp();
    const unexpected = await callRoute(router, 'POST', DISPATCH, { headers, body: { ref: 'main', inputs: { model_version: '2', extra: 'x' } } });
    expect(unexpected.status).toBe(422);
    expect(JSON.stringify(unexpected.body)).toContain('Unexpected inputs provided: [\\"extra\\"]');
    state.addWorkflow({ owner: 'contoso', repo: 'mlops-cd', id: 9, file: 'plain.yml', name: 'Plain', inputs: [] });
    const none = await callRoute(router, 'POST', '/github/repos/contoso/mlops-cd/actions/workflows/plain.yml/dispatches', { headers, body: { ref: 'main', inputs: { model_version: '2' } } });
    expect(none.status).toBe(422);
    expect(state.runs()).toEqual([]);
  });

  it('answers 400 to a body that is not a JSON object', async () => {
    const { router, headers } = await setUp();
    expect((await callRoute(router, 'POST', DISPATCH, { headers, body: 'ref=main' })).status).toBe(400);
  });

  it('a disabled github-token secret makes every call 401', async () => {
    const { router, headers, context } = await setUp();
    const token = secretVaultFor(context).currentValue('github-token') ?? '';
    secretVaultFor(context).set('github-token', token, { enabled: false });
    expect((await callRoute(router, 'POST', DISPATCH, { headers, body: { ref: 'main' } })).status).toBe(401);
  });
});

describe('sink routes', () => {
  it('keeps deliveries per sink name, case-insensitively, and answers 200 for a generic sink', async () => {
    const { router, context } = await setUp();
    const sinks = mountSinks(router, context);
    const response = await callRoute(router, 'POST', '/sink/Generic', { headers: { 'content-type': 'application/json' }, body: { a: 1 } });
    expect(response.status).toBe(200);
    expect(sinks.deliveries('generic')).toMatchObject([{ body: { a: 1 }, receivedAt: '2025-03-01T10:00:00.000Z' }]);
    expect(sinks.deliveries('teams')).toEqual([]);
  });
});
