/**
 * `GET /api/compute-requests/options` through the real HTTP paths: the offline host serving the app, user tokens from
 * the emulator's identity provider, the workspace read from the emulator's ARM, and the playground policy with a
 * `prod` override. What it offers is held against what `POST /api/compute-requests` accepts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { startAzurite, type AzuriteHandle } from '../../dev/azurite.js';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { computeRequestOptionsSchema, type ComputeRequestOptions } from '../../src/computeRequests/computeRequestSchemas.js';
import { request as httpsRequest } from '../helpers/emulatorServices.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo`;
const PROD_ID = WORKSPACE_ID.replace('mlw-demo', 'mlw-prod');

const requester = 'erin@contoso.com';
const approver = 'frank@contoso.com';

let emulator: RunningEmulator;
let azurite: AzuriteHandle;
let host: FunctionsHost;
let workDir: string;
const tokens: Record<string, string> = {};

type ErrorBody = { error: { code: string; message: string; target?: string } };

async function mint(user: string, roles: string[]): Promise<string> {
  const response = await httpsRequest(`${emulator.url}/idp/dev/token`, { method: 'POST', body: { user, roles }, ca: emulator.caPem });
  expect(response.status).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

const tokenOf = (user: string) => {
  const token = tokens[user];
  if (token === undefined) throw new Error(`no token for ${user}`);
  return token;
};

async function api<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${host.url}/api/${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

const optionsFor = (workspaceId: string, token = tokenOf(requester)) =>
  api<ComputeRequestOptions & ErrorBody>('GET', `compute-requests/options?workspaceId=${encodeURIComponent(workspaceId)}`, { token });

let nameCounter = 0;
const freshName = (stem: string) => `${stem}-${process.pid % 1000}-${++nameCounter}`.slice(0, 24);

const post = (workspaceId: string, fields: { vmSize: string; maxNodeCount: number; minNodeCount?: number; vmPriority?: string }) =>
  api<ErrorBody & { status: string; vmSize: string; vmPriority: string }>('POST', 'compute-requests', {
    token: tokenOf(requester),
    body: { workspaceId, computeName: freshName('opt'), justification: 'Sizing the new training cluster', ...fields },
  });

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'aml-warden-cr-options-'));
  [emulator, azurite] = await Promise.all([startEmulator({ port: 0, certDir: workDir }), startAzurite()]);
  const caFile = emulator.caFile ?? join(workDir, 'emulator-ca.pem');

  // The playground policy, plus rules for workspaces tagged environment=prod.
  const policy = parse(await readFile(join(repositoryRoot, 'policy', 'playground.yaml'), 'utf8')) as { scope: Record<string, unknown> };
  policy.scope['overrides'] = {
    prod: { computeRequests: { allowedVmSizes: ['Standard_DS3_v2', 'Standard_NC4as_T4_v3'], maxNodeCount: 2, allowLowPriority: false } },
  };
  const policyFile = join(workDir, 'policy.yaml');
  await writeFile(policyFile, stringify(policy));

  // A second workspace beside the playground's, tagged for production.
  const demo = emulator.state.get(WORKSPACE_ID);
  if (demo === undefined) throw new Error('the playground workspace is not seeded');
  emulator.state.put({ ...structuredClone(demo), id: PROD_ID, name: 'mlw-prod', tags: { ...demo.tags, environment: 'prod' } });

  host = await startHost({
    entry: join(repositoryRoot, 'src', 'index.ts'),
    port: 0,
    timers: false,
    queues: false,
    log: () => undefined,
    env: {
      ...localAzureSettings({ emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString }, { policy: policyFile, caFile }),
      AML_WARDEN_TABLE_PREFIX: 'croptions',
      AML_WARDEN_HTTP_TIMEOUT_MS: '10000',
    },
  });
  tokens[requester] = await mint(requester, ['ComputeRequester']);
  tokens[approver] = await mint(approver, ['ComputeApprover']);
});

afterAll(async () => {
  await host?.close();
  await Promise.all([emulator?.close(), azurite?.close()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('GET /api/compute-requests/options', () => {
  it("answers the playground workspace's form from the policy, not as a request id", async () => {
    const response = await optionsFor(WORKSPACE_ID);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      workspace: { id: WORKSPACE_ID, name: 'mlw-demo', subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-mlops-demo', location: 'eastus', environment: 'dev' },
      environmentOverride: null,
      vmSize: { allowed: ['Standard_DS2_v2', 'Standard_DS3_v2', 'Standard_DS4_v2', 'Standard_NC4as_T4_v3'] },
      maxNodeCount: { minimum: 1, maximum: 4 },
      minNodeCount: { value: 0 },
      vmPriority: { allowed: ['Dedicated', 'LowPriority'], default: 'Dedicated' },
      idleTimeBeforeScaleDown: 'PT30M',
      remoteLoginPortPublicAccess: 'Disabled',
      requiredTags: [
        { name: 'owner', allowedValues: null, value: 'mlops-team@contoso.com' },
        { name: 'cost-center', allowedValues: null, value: 'cc-1234' },
        { name: 'environment', allowedValues: ['dev', 'test', 'prod'], value: 'dev' },
      ],
      expiresAfter: 'P7D',
    });
    expect(computeRequestOptionsSchema.safeParse(response.body).success).toBe(true);
  });

  it('every size it lists is accepted by POST at the largest node count it allows, and one step past a limit is refused with 422', async () => {
    const { body: options } = await optionsFor(WORKSPACE_ID);
    for (const vmSize of options.vmSize.allowed ?? []) {
      const filed = await post(WORKSPACE_ID, { vmSize, maxNodeCount: options.maxNodeCount.maximum, minNodeCount: options.minNodeCount.value });
      expect(filed.status, vmSize).toBe(201);
    }
    for (const vmPriority of options.vmPriority.allowed) {
      expect((await post(WORKSPACE_ID, { vmSize: 'Standard_DS3_v2', maxNodeCount: 1, vmPriority })).body.vmPriority).toBe(vmPriority);
    }

    const unlisted = await post(WORKSPACE_ID, { vmSize: 'Standard_NC24', maxNodeCount: 1 });
    expect(options.vmSize.allowed).not.toContain('Standard_NC24');
    expect(unlisted.status).toBe(422);
    expect(unlisted.body.error).toMatchObject({ code: 'PolicyViolation', target: 'body.vmSize' });
    expect(unlisted.body.error.message).toMatch(/^computeRequests\.allowedVmSizes: /);

    const tooMany = await post(WORKSPACE_ID, { vmSize: 'Standard_DS3_v2', maxNodeCount: options.maxNodeCount.maximum + 1 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.message).toMatch(/^computeRequests\.maxNodeCount: /);
  });

  it("a workspace tagged prod gets the override's narrower rules, and POST holds it to them", async () => {
    const response = await optionsFor(PROD_ID);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      workspace: { id: PROD_ID, name: 'mlw-prod', environment: 'prod' },
      environmentOverride: 'prod',
      vmSize: { allowed: ['Standard_DS3_v2', 'Standard_NC4as_T4_v3'] },
      maxNodeCount: { minimum: 1, maximum: 2 },
      vmPriority: { allowed: ['Dedicated'], default: 'Dedicated' },
    });
    expect((await post(PROD_ID, { vmSize: 'Standard_NC4as_T4_v3', maxNodeCount: 2 })).status).toBe(201);

    const lowPriority = await post(PROD_ID, { vmSize: 'Standard_DS3_v2', maxNodeCount: 1, vmPriority: 'LowPriority' });
    expect(lowPriority.status).toBe(422);
    expect(lowPriority.body.error).toMatchObject({ target: 'body.vmPriority' });
    expect(lowPriority.body.error.message).toMatch(/^computeRequests\.allowLowPriority: /);

    // Allowed in the base rules, not in prod's.
    const baseSize = await post(PROD_ID, { vmSize: 'Standard_DS2_v2', maxNodeCount: 1 });
    expect(baseSize.status).toBe(422);
    expect(baseSize.body.error.message).toContain('allowed: Standard_DS3_v2, Standard_NC4as_T4_v3');
  });

  it('the request routes beside it still read requests by id', async () => {
    const created = await post(WORKSPACE_ID, { vmSize: 'Standard_DS2_v2', maxNodeCount: 1 });
    expect(created.status).toBe(201);
    const id = (created.body as unknown as { id: string }).id;
    const read = await api<{ id: string }>('GET', `compute-requests/${id}`, { token: tokenOf(requester) });
    expect(read).toMatchObject({ status: 200, body: { id } });
    // A method the options route does not take is not served by it.
    expect((await api<ErrorBody>('POST', 'compute-requests/options', { token: tokenOf(requester), body: {} })).status).toBe(404);
  });

  it('a missing, malformed or non-workspace workspaceId is 400 naming query.workspaceId; so is an unknown parameter', async () => {
    const missing = await api<ErrorBody>('GET', 'compute-requests/options', { token: tokenOf(requester) });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'BadRequest', target: 'query.workspaceId', message: 'query.workspaceId is required' });

    const malformed = await optionsFor('mlw-demo');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.target).toBe('query.workspaceId');
    expect(malformed.body.error.message).toContain('workspace resource id');

    const compute = await optionsFor(`${WORKSPACE_ID}/computes/cpu-cluster`);
    expect(compute.status).toBe(400);
    expect(compute.body.error.target).toBe('query.workspaceId');

    const extra = await api<ErrorBody>('GET', `compute-requests/options?workspaceId=${encodeURIComponent(WORKSPACE_ID)}&vmSize=big`, { token: tokenOf(requester) });
    expect(extra.status).toBe(400);
    expect(extra.body.error.target).toBe('query.vmSize');
  });

  it("a workspace Azure does not know is 404, and one outside the policy's scope 422, as for POST", async () => {
    const ghost = await optionsFor(WORKSPACE_ID.replace('mlw-demo', 'mlw-missing'));
    expect(ghost.status).toBe(404);
    expect(ghost.body.error).toMatchObject({ code: 'NotFound', target: 'query.workspaceId' });
    expect(ghost.body.error.message).toContain('mlw-missing');

    const outside = await optionsFor(WORKSPACE_ID.replace(SUBSCRIPTION, '22222222-2222-2222-2222-222222222222'));
    expect(outside.status).toBe(422);
    expect(outside.body.error).toMatchObject({ code: 'PolicyViolation', target: 'query.workspaceId' });
  });

  it('no token is 401 and a token without the ComputeRequester role 403', async () => {
    const anonymous = await api<ErrorBody>('GET', `compute-requests/options?workspaceId=${encodeURIComponent(WORKSPACE_ID)}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.message).toBe('missing bearer token');

    const approverOnly = await optionsFor(WORKSPACE_ID, tokenOf(approver));
    expect(approverOnly.status).toBe(403);
    expect(approverOnly.body.error.message).toContain('ComputeRequester');
  });

  it('is in the OpenAPI document, with a required workspaceId and a response schema its answers satisfy', async () => {
    const document = await api<{
      paths: Record<string, Record<string, { operationId: string; parameters: { name: string; in: string; required: boolean }[]; responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> }>>;
      components: { schemas: Record<string, Record<string, unknown>> };
    }>('GET', 'openapi.json');
    const operation = document.body.paths['/compute-requests/options']?.['get'];
    expect(operation?.operationId).toBe('getComputeRequestOptions');
    expect(operation?.parameters).toEqual([expect.objectContaining({ name: 'workspaceId', in: 'query', required: true })]);
    expect(operation?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/ComputeRequestOptions');
    const component = document.body.components.schemas['ComputeRequestOptions'];
    if (component === undefined) throw new Error('no ComputeRequestOptions component');
    const documented = z.fromJSONSchema(component);
    for (const workspaceId of [WORKSPACE_ID, PROD_ID]) {
      const parsed = documented.safeParse((await optionsFor(workspaceId)).body);
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
    expect(documented.safeParse({ workspace: { id: WORKSPACE_ID } }).success).toBe(false);
  });
});
