/**
 * Compute on approval through the real HTTP paths: the offline host serving the app, user tokens from the
 * emulator's identity provider, the emulator's ARM (computes as long-running operations) and Key Vault,
 * Teams messages into the emulator's sink, and state in Azurite.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { startAzurite, type AzuriteHandle } from '../../dev/azurite.js';
import { LOCAL_TENANT_ID, PLAYGROUND_API } from '../../dev/emulator/idp.js';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { computeId as emulatorComputeId } from '../../dev/emulator/state.js';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import type { ComputeRequest } from '../../src/computeRequests/computeRequest.js';
import { createComputeRequestStore } from '../../src/adapters/tables/computeRequestStore.js';
import type { ComputeRequestStore } from '../../src/computeRequests/ports.js';
import { createStateStore } from '../../src/adapters/tables/tableState.js';
import { request as httpsRequest } from '../helpers/emulatorServices.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo`;
const TABLE_PREFIX = 'crtest';

const requester = 'alice@contoso.com';
const otherRequester = 'bob@contoso.com';
const approver = 'carol@contoso.com';
const secondApprover = 'dave@contoso.com';

let emulator: RunningEmulator;
let azurite: AzuriteHandle;
let host: FunctionsHost;
let certDir: string;
let store: ComputeRequestStore;

interface ApiResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

type RequestBody = ComputeRequest;
type ErrorBody = { error: { code: string; message: string; target?: string; details?: { target: string; message: string }[] } };

async function mint(user: string, roles: string[], extra: { audience?: string; expiresInSeconds?: number; version?: 1 | 2; tenantId?: string } = {}): Promise<string> {
  const response = await httpsRequest(`${emulator.url}/idp/dev/token`, { method: 'POST', body: { user, roles, ...extra }, ca: emulator.caPem });
  expect(response.status).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

const tokens: Record<string, string> = {};
const tokenOf = (user: string) => {
  const token = tokens[user];
  if (token === undefined) throw new Error(`no token for ${user}`);
  return token;
};

async function api<T = Record<string, unknown>>(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${host.url}/api/${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

let nameCounter = 0;
/** A compute name no other test uses (names are claimed per workspace). */
const freshName = (stem: string) => `${stem}-${process.pid % 1000}-${++nameCounter}`.slice(0, 24);

const validBody = (computeName: string, overrides: Record<string, unknown> = {}) => ({
  workspaceId: WORKSPACE_ID,
  computeName,
  vmSize: 'Standard_DS3_v2',
  maxNodeCount: 4,
  justification: 'Feature engineering for the churn model',
  ...overrides,
});

async function createRequest(computeName: string, user = requester, overrides: Record<string, unknown> = {}): Promise<RequestBody> {
  const created = await api<RequestBody>('POST', 'compute-requests', { token: tokenOf(user), body: validBody(computeName, overrides) });
  expect(created.status).toBe(201);
  return created.body;
}

/** Polls GET until the request reaches a terminal status (the app provisions in the background). */
async function settled(id: string): Promise<RequestBody> {
  // Provisioning looks at Azure's operation every FOLLOW_UP_SECONDS, one queue message at a time.
  for (let attempt = 0; attempt < 600; attempt++) {
    const current = await api<RequestBody>('GET', `compute-requests/${id}`, { token: tokenOf(approver) });
    expect(current.status).toBe(200);
    if (['Succeeded', 'Failed', 'Rejected', 'Expired'].includes(current.body.status)) return current.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`compute request ${id} did not settle`);
}

const TextRuns = z.object({ type: z.literal('RichTextBlock'), inlines: z.array(z.object({ type: z.literal('TextRun'), text: z.string() })) });
const FactRow = z.object({ type: z.literal('ColumnSet'), columns: z.tuple([z.object({ items: z.tuple([TextRuns]) }), z.object({ items: z.tuple([TextRuns]) })]) });
const textOf = (block: z.infer<typeof TextRuns>) => block.inlines.map((run) => run.text).join('');

/** The approvers' Teams cards: title, text and facts as the card lays them out, and the sink's view of how Teams shows them. */
function teamsMessages() {
  return emulator.sinks.deliveries('teams').map((delivery) => {
    const card = z
      .object({
        attachments: z.array(
          z.object({
            contentType: z.literal('application/vnd.microsoft.card.adaptive'),
            content: z.object({
              type: z.literal('AdaptiveCard'),
              body: z.array(z.union([TextRuns, z.object({ type: z.literal('Container'), items: z.array(FactRow) })])),
              actions: z.array(z.object({ type: z.string(), url: z.string() })).optional(),
            }),
          }),
        ),
      })
      .parse(delivery.body).attachments[0]?.content;
    if (card === undefined) throw new Error('no card');
    const texts = card.body.flatMap((block) => (block.type === 'RichTextBlock' ? [textOf(block)] : []));
    const facts = Object.fromEntries(
      card.body.flatMap((block) => (block.type === 'Container' ? block.items.map((row) => [textOf(row.columns[0].items[0]), textOf(row.columns[1].items[0])]) : [])),
    );
    return { title: texts[0] ?? '', text: texts.slice(1).join('\n\n'), facts, actions: card.actions ?? [], shown: delivery.teams };
  });
}

const messagesAbout = (id: string) => teamsMessages().filter((message) => message.facts['Request'] === id);

/** The request's status is recorded before its requester is told, so a test that saw it settle waits for the message. */
async function toldAbout(id: string, title: string) {
  return vi.waitFor(() => {
    const message = messagesAbout(id).find((candidate) => candidate.title === title);
    if (message === undefined) throw new Error(`no message "${title}" about ${id} yet`);
    return message;
  }, { timeout: 10_000, interval: 50 });
}

/** Writes the request straight to the table, as another instance of the app would have left it. */
async function rewriteStored(id: string, change: (request: ComputeRequest) => ComputeRequest): Promise<void> {
  const stored = await store.get(id);
  if (stored === undefined) throw new Error(`compute request ${id} is not in the table`);
  await store.update(change(stored.request), stored.etag);
}

/** Approved and claimed for provisioning by another instance two minutes ago, with no operation recorded. */
async function claimedTwoMinutesAgo(id: string): Promise<void> {
  const claimedAt = new Date(Date.now() - 120_000).toISOString();
  await rewriteStored(id, (request) => ({
    ...request,
    status: 'Provisioning',
    updatedAt: claimedAt,
    provisioningAttempts: 1,
    history: [
      ...request.history,
      { status: 'Approved', at: claimedAt, by: approver, byId: 'approver-oid' },
      { status: 'Provisioning', at: claimedAt, by: 'aml-warden', byId: 'aml-warden' },
    ],
  }));
}

/** A compute PUT straight to ARM, as someone with their own access would send it (not through the app). */
async function armPut(computeName: string, body: Record<string, unknown>) {
  const token = (await httpsRequest(`${emulator.url}/idp/dev/token`, { method: 'POST', body: { app: 'data-engineer-cli', audience: 'https://management.azure.com' }, ca: emulator.caPem })).json<{ access_token: string }>().access_token;
  return httpsRequest(`${emulator.url}${WORKSPACE_ID}/computes/${computeName}?api-version=2024-04-01`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}` }, ca: emulator.caPem });
}

function computePuts(computeName: string): number {
  return emulator.calls().filter((call) => call.method === 'PUT' && call.path.endsWith(`/computes/${computeName}`)).length;
}

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'aml-warden-cr-'));
  [emulator, azurite] = await Promise.all([startEmulator({ port: 0, certDir }), startAzurite()]);
  const caFile = emulator.caFile ?? join(certDir, 'emulator-ca.pem');
  host = await startHost({
    entry: join(repositoryRoot, 'src', 'index.ts'),
    port: 0,
    timers: false,
    log: () => undefined,
    env: {
      ...localAzureSettings(
        { emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString },
        { policy: join(repositoryRoot, 'policy', 'playground.yaml'), caFile },
      ),
      AML_WARDEN_TABLE_PREFIX: TABLE_PREFIX,
      AML_WARDEN_SWEEP_SCHEDULE: '0 0 */6 * * *',
      AML_WARDEN_HTTP_TIMEOUT_MS: '10000',
    },
  });
  // A second view of the same tables, as another instance of the app would have.
  store = createComputeRequestStore(
    createStateStore({ state: { kind: 'connectionString', connectionString: azurite.connectionString }, tablePrefix: TABLE_PREFIX, timeoutMs: 10_000 }),
  );
  tokens[requester] = await mint(requester, ['ComputeRequester']);
  tokens[otherRequester] = await mint(otherRequester, ['ComputeRequester']);
  tokens[approver] = await mint(approver, ['ComputeApprover']);
  tokens[secondApprover] = await mint(secondApprover, ['ComputeApprover']);
});

afterAll(async () => {
  await host?.close();
  await Promise.all([emulator?.close(), azurite?.close()]);
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('compute on approval: request, approve, provision', () => {
  it('accepts a v1.0 token and a v2.0 token, both minted for the configured API, and refuses a v2.0 token for the App ID URI', async () => {
    const v1 = await api<ErrorBody>('POST', 'compute-requests', { body: validBody(freshName('v1')), token: await mint(requester, ['ComputeRequester'], { version: 1 }) });
    expect(v1.status).toBe(201);
    const v2 = await api<ErrorBody>('POST', 'compute-requests', { body: validBody(freshName('v2')), token: await mint(requester, ['ComputeRequester'], { version: 2 }) });
    expect(v2.status).toBe(201);
    const wrongAudience = await api<ErrorBody>('POST', 'compute-requests', { body: validBody(freshName('v2uri')), token: await mint(requester, ['ComputeRequester'], { version: 2, audience: PLAYGROUND_API.appIdUri }) });
    expect(wrongAudience.status).toBe(401);
  });

  it("a justification holding a Markdown link reaches the approvers' Teams card as text, never as a link", async () => {
    const justification = 'Urgent: [Approve here](https://evil.example) <https://evil.example|or here> <!channel>\nFAKE approved';
    const created = await createRequest(freshName('phish'), requester, { justification });
    const card = messagesAbout(created.id).find((message) => message.title.includes('awaiting approval'));
    expect(card?.text).toContain(`Justification: ${justification}`);
    // How Teams shows it: a card it renders, whose one live link is the request's own page.
    expect(card?.shown?.problems).toEqual([]);
    expect(card?.shown?.links).toEqual([{ text: 'Open the request', url: `${host.url}/api/compute-requests/${created.id}` }]);
    expect(card?.shown?.texts.some((text) => text.includes('[Approve here](https://evil.example)'))).toBe(true);
  });

  it('a request is created Pending, the requester cannot approve it, an approver can, and the cluster is built to policy', async () => {
    const computeName = freshName('train');
    const created = await createRequest(computeName);
    expect(created).toMatchObject({ status: 'Pending', requestedBy: requester, workspaceId: WORKSPACE_ID, computeName, vmSize: 'Standard_DS3_v2', maxNodeCount: 4, minNodeCount: 0 });
    expect(created.history).toEqual([expect.objectContaining({ status: 'Pending', by: requester })]);
    expect(created).not.toHaveProperty('operationState');

    // The approvers' Adaptive Card names the request and links to it.
    const card = messagesAbout(created.id).find((message) => message.title.includes('awaiting approval'));
    expect(card?.facts).toMatchObject({ 'Requested by': requester, Compute: computeName, Workspace: 'mlw-demo' });
    expect(card?.actions[0]?.url).toBe(`${host.url}/api/compute-requests/${created.id}`);

    // A requester holds no approver role; even one who did could not approve their own request.
    const selfApproval = await api<ErrorBody>('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(requester), body: {} });
    expect(selfApproval.status).toBe(403);
    const requesterWhoApproves = await mint(requester, ['ComputeRequester', 'ComputeApprover']);
    const ownApproval = await api<ErrorBody>('POST', `compute-requests/${created.id}/approve`, { token: requesterWhoApproves, body: {} });
    expect(ownApproval.status).toBe(403);
    expect(ownApproval.body.error.message).toContain('requester cannot decide their own');

    // An application holding the approver role is not a person: it cannot decide, in either token version.
    for (const version of [1, 2]) {
      const daemon = (await httpsRequest(`${emulator.url}/idp/dev/token`, { method: 'POST', body: { app: 'approval-bot', roles: ['ComputeApprover'], version }, ca: emulator.caPem })).json<{ access_token: string }>().access_token;
      for (const [decision, body] of [['approve', { comment: 'auto' }], ['reject', { reason: 'auto' }]] as const) {
        const byApp = await api<ErrorBody>('POST', `compute-requests/${created.id}/${decision}`, { token: daemon, body });
        expect(byApp.status).toBe(403);
        expect(byApp.body.error.message).toContain("needs a person's token");
      }
    }
    // A person of another tenant is not even signed in here.
    const foreign = await mint('approver@fabrikam.com', ['ComputeApprover'], { tenantId: '99999999-9999-4999-8999-999999999999' });
    const foreignApproval = await api<ErrorBody>('POST', `compute-requests/${created.id}/approve`, { token: foreign, body: {} });
    expect(foreignApproval.status).toBe(401);
    expect((await api<RequestBody>('GET', `compute-requests/${created.id}`, { token: tokenOf(approver) })).body.status).toBe('Pending');

    const approved = await api<RequestBody>('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(approver), body: { comment: 'go ahead' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'Approved', decidedBy: approver, decisionComment: 'go ahead' });

    const done = await settled(created.id);
    expect(done.status).toBe('Succeeded');
    expect(done.history.map((entry) => entry.status)).toEqual(['Pending', 'Approved', 'Provisioning', 'Succeeded']);
    expect(done.history[1]).toMatchObject({ by: approver, comment: 'go ahead' });

    const compute = emulator.state.get(emulatorComputeId(SUBSCRIPTION, 'rg-mlops-demo', 'mlw-demo', computeName));
    expect(compute?.tags).toEqual({ owner: requester, 'aml-warden-request': created.id, 'cost-center': 'cc-1234', environment: 'dev' });
    expect(compute?.properties).toMatchObject({
      computeType: 'AmlCompute',
      provisioningState: 'Succeeded',
      properties: expect.objectContaining({
        vmSize: 'Standard_DS3_v2',
        remoteLoginPortPublicAccess: 'Disabled',
        scaleSettings: expect.objectContaining({ minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' }),
      }),
    });
    expect(computePuts(computeName)).toBe(1);

    const second = await api<ErrorBody>('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(secondApprover), body: {} });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain('Succeeded');

    // The requester heard of the decision and of the result.
    await toldAbout(created.id, `Compute request approved: ${computeName}`);
    await toldAbout(created.id, `Compute ready: ${computeName}`);
  });

  it('two approvals racing: one wins, the other gets 409, and the cluster is created once', async () => {
    const computeName = freshName('race');
    const created = await createRequest(computeName);
    const results = await Promise.all(
      [approver, secondApprover, approver, secondApprover].map((user) => api<RequestBody>('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(user) })),
    );
    expect(results.map((result) => result.status).sort()).toEqual([200, 409, 409, 409]);
    expect((await settled(created.id)).status).toBe('Succeeded');
    // A duplicate provisioning message (delivered again, or a resumed request) must not create it again.
    await host.invoke('computeRequestProvisioning', { requestId: created.id });
    expect(computePuts(computeName)).toBe(1);
    const history = (await api<RequestBody>('GET', `compute-requests/${created.id}`, { token: tokenOf(approver) })).body.history;
    expect(history.filter((entry) => entry.status === 'Approved')).toHaveLength(1);
  });

  it('provisioning that fails in Azure ends Failed with Azure\'s reason, and the requester is told', async () => {
    const computeName = freshName('doomed');
    emulator.injectFault({
      kind: 'lro-failure',
      method: 'PUT',
      path: `/computes/${computeName}$`,
      body: { error: { code: 'QuotaExceeded', message: 'Not enough Standard_DS3_v2 quota in eastus for 4 nodes' } },
    });
    const created = await createRequest(computeName);
    expect((await api('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(approver) })).status).toBe(200);
    const done = await settled(created.id);
    expect(done.status).toBe('Failed');
    expect(done.failureReason).toContain('QuotaExceeded');
    expect(done.failureReason).toContain('Not enough Standard_DS3_v2 quota');
    const told = await toldAbout(created.id, `Compute could not be created: ${computeName}`);
    expect(told.text).toContain(requester);
    expect(told?.text).toContain('QuotaExceeded');
    // A failed request gives its name back.
    expect((await api('POST', 'compute-requests', { token: tokenOf(requester), body: validBody(computeName) })).status).toBe(409);
  });

  it('a request approved while its provisioning could not be queued is resumed by the expiry timer from the table alone', async () => {
    const computeName = freshName('resume');
    const created = await createRequest(computeName);
    // Another instance approved it 20 minutes ago and could not queue its provisioning: only the table knows.
    const approvedAt = new Date(Date.now() - 20 * 60_000).toISOString();
    await rewriteStored(created.id, (request) => ({
      ...request,
      status: 'Approved',
      decidedBy: approver,
      decidedAt: approvedAt,
      updatedAt: approvedAt,
      history: [...request.history, { status: 'Approved', at: approvedAt, by: approver, byId: 'approver-oid' }],
    }));
    expect(computePuts(computeName)).toBe(0);
    await host.invoke('computeRequestsExpiry');
    const done = await settled(created.id);
    expect(done.status).toBe('Succeeded');
    expect(computePuts(computeName)).toBe(1);
  });

  it('a claim whose instance died before sending the PUT is taken over once stale, and the cluster is created once', async () => {
    const computeName = freshName('orphan');
    const created = await createRequest(computeName);
    // Another instance claimed it two minutes ago and stopped before anything reached Azure.
    await claimedTwoMinutesAgo(created.id);
    // Its message, unfinished, is visible again and taken by this instance.
    await host.invoke('computeRequestProvisioning', { requestId: created.id });
    const done = await settled(created.id);
    expect(done.status).toBe('Succeeded');
    expect(done.provisioningAttempts).toBe(2);
    expect(computePuts(computeName)).toBe(1);
  });

  it('a compute someone creates under the requested name after the request was filed is left as it is, and the request fails naming it', async () => {
    const computeName = freshName('taken');
    const created = await createRequest(computeName);
    // Between filing and approval, a data engineer creates a GPU cluster of that name by hand.
    const theirs = await armPut(computeName, { location: 'eastus', tags: { owner: 'erin@contoso.com' }, properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC6s_v3', scaleSettings: { maxNodeCount: 2, minNodeCount: 0 } } } });
    expect(theirs.status).toBeLessThan(300);
    expect((await api('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(approver) })).status).toBe(200);
    const done = await settled(created.id);
    expect(done.status).toBe('Failed');
    expect(done.failureReason).toContain(`the name ${computeName} was taken after the request was filed`);
    // Their cluster is as they made it: no PUT of ours reached it.
    expect(computePuts(computeName)).toBe(1);
    const compute = emulator.state.get(emulatorComputeId(SUBSCRIPTION, 'rg-mlops-demo', 'mlw-demo', computeName));
    expect(compute?.tags).toEqual({ owner: 'erin@contoso.com' });
    expect(compute?.properties['properties']).toMatchObject({ vmSize: 'Standard_NC6s_v3' });
    const told = await toldAbout(created.id, `Compute could not be created: ${computeName}`);
    expect(told.text).toContain('was taken after the request was filed');
  });

  it('the create asks Azure not to overwrite (If-None-Match: *); a 409 is looked into: a name taken meanwhile fails the request as taken', async () => {
    const computeName = freshName('race-put');
    const created = await createRequest(computeName);
    // Someone creates the cluster while the app is between its read (which still saw no compute) and its PUT.
    expect((await armPut(computeName, { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC6s_v3', scaleSettings: { maxNodeCount: 1 } } } })).status).toBeLessThan(300);
    emulator.injectFault({ method: 'GET', path: `/computes/${computeName}$`, status: 404, body: { error: { code: 'ResourceNotFound', message: 'not found' } }, times: 1 });
    emulator.injectFault({ method: 'PUT', path: `/computes/${computeName}$`, status: 409, body: { error: { code: 'Conflict', message: `A compute named ${computeName} already exists.` } } });
    expect((await api('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(approver) })).status).toBe(200);
    const done = await settled(created.id);
    expect(done.status).toBe('Failed');
    expect(done.failureReason).toContain(`the name ${computeName} was taken after the request was filed`);
    const ours = emulator.calls().filter((call) => call.method === 'PUT' && call.path.endsWith(`/computes/${computeName}`) && call.status === 409);
    expect(ours.map((call) => call.preconditions)).toEqual([{ 'if-none-match': '*' }]);
  });

  it('a 409 for anything else than a taken name fails the request with Azure\'s reason', async () => {
    const computeName = freshName('busy-put');
    const created = await createRequest(computeName);
    emulator.injectFault({ method: 'PUT', path: `/computes/${computeName}$`, status: 409, body: { error: { code: 'Conflict', message: 'The workspace is being updated; try again later.' } } });
    expect((await api('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(approver) })).status).toBe(200);
    const done = await settled(created.id);
    expect(done.status).toBe('Failed');
    expect(done.failureReason).toContain('The workspace is being updated');
    expect(done.failureReason).not.toContain('was taken');
  });

  it('a cluster created by an attempt that died before recording it is recognised by its request tag and not created again', async () => {
    const computeName = freshName('own');
    const created = await createRequest(computeName);
    // Another instance claimed it two minutes ago, sent the PUT, and stopped before recording the operation.
    await claimedTwoMinutesAgo(created.id);
    const sent = await armPut(computeName, { location: 'eastus', tags: { owner: requester, 'aml-warden-request': created.id }, properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 4, minNodeCount: 0 } } } });
    expect(sent.status).toBeLessThan(300);
    // Its message, unfinished, is visible again: the cluster is still being created at first, and done by a later look.
    await host.invoke('computeRequestProvisioning', { requestId: created.id });
    const done = await settled(created.id);
    expect(done.status).toBe('Succeeded');
    expect(done.provisioningAttempts).toBe(1);
    expect(computePuts(computeName)).toBe(1);
  });

  it('a request that ended without giving its name back does not hold the name', async () => {
    const computeName = freshName('leftover');
    const created = await createRequest(computeName);
    // Rejected by an instance that stopped before releasing the name.
    const rejectedAt = new Date().toISOString();
    await rewriteStored(created.id, (request) => ({
      ...request,
      status: 'Rejected',
      updatedAt: rejectedAt,
      history: [...request.history, { status: 'Rejected', at: rejectedAt, by: approver, byId: 'approver-oid', comment: 'not now' }],
    }));
    const again = await api<RequestBody>('POST', 'compute-requests', { token: tokenOf(requester), body: validBody(computeName) });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.id);
    // An open request still holds it.
    const third = await api<ErrorBody>('POST', 'compute-requests', { token: tokenOf(otherRequester), body: validBody(computeName) });
    expect(third.status).toBe(409);
    expect(third.body.error.target).toBe('body.computeName');
  });

  it('a rejected request records the reason, tells the requester, and cannot be approved afterwards', async () => {
    const computeName = freshName('nope');
    const created = await createRequest(computeName);
    const missingReason = await api<ErrorBody>('POST', `compute-requests/${created.id}/reject`, { token: tokenOf(approver), body: {} });
    expect(missingReason.status).toBe(400);
    expect(missingReason.body.error.target).toBe('body.reason');
    const rejected = await api<RequestBody>('POST', `compute-requests/${created.id}/reject`, { token: tokenOf(approver), body: { reason: 'Use the shared cpu-cluster' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'Rejected', decidedBy: approver, decisionComment: 'Use the shared cpu-cluster' });
    const late = await api<ErrorBody>('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(approver) });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('Rejected');
    expect(messagesAbout(created.id).some((message) => message.title === `Compute request rejected: ${computeName}` && message.text.includes('Use the shared cpu-cluster'))).toBe(true);
    expect(computePuts(computeName)).toBe(0);
  });

  it('a Pending request past the policy window expires on the timer, recorded and notified', async () => {
    const computeName = freshName('stale');
    const created = await createRequest(computeName);
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(7 * 24 * 3600 * 1000);
    // The window has passed (as the table says, for every instance).
    await rewriteStored(created.id, (request) => ({ ...request, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    await host.invoke('computeRequestsExpiry');
    const expired = await api<RequestBody>('GET', `compute-requests/${created.id}`, { token: tokenOf(requester) });
    expect(expired.body.status).toBe('Expired');
    expect(expired.body.history.at(-1)).toMatchObject({ status: 'Expired', by: 'aml-warden' });
    expect(messagesAbout(created.id).some((message) => message.title === `Compute request expired: ${computeName}`)).toBe(true);
    expect((await api('POST', `compute-requests/${created.id}/approve`, { token: tokenOf(approver) })).status).toBe(409);
  });

  it('requesters see only their own requests, approvers see all, filtered by status, workspace and user', async () => {
    const mine = await createRequest(freshName('mine'));
    const theirs = await createRequest(freshName('theirs'), otherRequester);

    const ownList = await api<{ value: RequestBody[]; count: number }>('GET', 'compute-requests', { token: tokenOf(otherRequester) });
    expect(ownList.status).toBe(200);
    expect(ownList.body.value.length).toBeGreaterThan(0);
    expect(ownList.body.value.every((item) => item.requestedBy === otherRequester)).toBe(true);
    expect((await api('GET', `compute-requests/${mine.id}`, { token: tokenOf(otherRequester) })).status).toBe(404);

    const query = `status=Pending&workspaceId=${encodeURIComponent(WORKSPACE_ID.toUpperCase())}&requestedBy=${encodeURIComponent(requester)}`;
    const filtered = await api<{ value: RequestBody[]; count: number }>('GET', `compute-requests?${query}`, { token: tokenOf(approver) });
    expect(filtered.status).toBe(200);
    const ids = filtered.body.value.map((item) => item.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(filtered.body.value.every((item) => item.status === 'Pending' && item.requestedBy === requester)).toBe(true);
    expect(filtered.body.count).toBe(filtered.body.value.length);

    const badStatus = await api<ErrorBody>('GET', 'compute-requests?status=Done', { token: tokenOf(approver) });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.target).toBe('query.status');
  });

  it('every request and decision is counted in telemetry', async () => {
    const operator = (await httpsRequest(`${emulator.url}/idp/dev/token`, { method: 'POST', body: { app: 'monitoring', roles: ['Operator'] }, ca: emulator.caPem })).json<{ access_token: string }>().access_token;
    const health = await api<{ telemetry?: { events: Record<string, number> } }>('GET', 'health', { token: operator });
    expect(health.status).toBe(200);
    const events = health.body.telemetry?.events ?? {};
    for (const name of ['ComputeRequestCreated', 'ComputeRequestApproved', 'ComputeRequestRejected', 'ComputeRequestExpired', 'ComputeRequestSucceeded', 'ComputeRequestFailed']) {
      expect(events[name] ?? 0).toBeGreaterThan(0);
    }
  });
});

describe('refused requests: the right status, a message that says why, and nothing created', () => {
  let before: { requests: number; puts: number };

  beforeAll(async () => {
    before = { requests: (await store.list()).length, puts: emulator.calls().filter((call) => call.method === 'PUT').length };
  });

  const post = (body: unknown, token = tokenOf(requester)) => api<ErrorBody>('POST', 'compute-requests', { token, body });

  it('a missing field is 400 naming it', async () => {
    const { justification: _omitted, ...body } = validBody(freshName('nojust'));
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'BadRequest', target: 'body.justification', message: 'body.justification is required' });
  });

  it('a wrong type is 400 naming the field', async () => {
    const response = await post(validBody(freshName('types'), { maxNodeCount: '4' }));
    expect(response.status).toBe(400);
    expect(response.body.error.target).toBe('body.maxNodeCount');
    expect(response.body.error.message).toContain('expected a number');
  });

  it('an invalid compute name is 400 naming the field', async () => {
    const response = await post(validBody('9-starts-with-a-digit'));
    expect(response.status).toBe(400);
    expect(response.body.error.target).toBe('body.computeName');
  });

  it('an unknown workspace is 404', async () => {
    const response = await post(validBody(freshName('ghost'), { workspaceId: WORKSPACE_ID.replace('mlw-demo', 'mlw-missing') }));
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain('mlw-missing');
  });

  it('a workspace outside the policy\'s scope is 422 naming the rule', async () => {
    const response = await post(validBody(freshName('scope'), { workspaceId: WORKSPACE_ID.replace(SUBSCRIPTION, '22222222-2222-2222-2222-222222222222') }));
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('PolicyViolation');
    expect(response.body.error.message).toMatch(/^scope: /);
  });

  it('a VM size the policy does not allow is 422 naming the rule', async () => {
    const response = await post(validBody(freshName('big'), { vmSize: 'Standard_NC24' }));
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'PolicyViolation', target: 'body.vmSize' });
    expect(response.body.error.message).toContain('computeRequests.allowedVmSizes');
    expect(response.body.error.message).toContain('Standard_NC24');
  });

  it('a maxNodeCount over the cap is 422 naming the rule', async () => {
    const response = await post(validBody(freshName('wide'), { maxNodeCount: 20 }));
    expect(response.status).toBe(422);
    expect(response.body.error.message).toContain('computeRequests.maxNodeCount');
  });

  it('a compute name already taken in the workspace is 409', async () => {
    const response = await post(validBody('cpu-cluster'));
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'Conflict', target: 'body.computeName' });
  });

  it('a body over the limit is 413', async () => {
    const response = await api<ErrorBody>('POST', 'compute-requests', {
      token: tokenOf(requester),
      rawBody: JSON.stringify(validBody(freshName('huge'), { justification: 'x'.repeat(1_100_000) })),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PayloadTooLarge');
  });

  it('no token, an expired token, another audience, alg none and a foreign signer are 401 with the reason', async () => {
    const body = validBody(freshName('auth'));
    const none = await api<ErrorBody>('POST', 'compute-requests', { body });
    expect(none.status).toBe(401);
    expect(none.body.error.message).toBe('missing bearer token');

    const expired = await post(body, await mint(requester, ['ComputeRequester'], { expiresInSeconds: -600 }));
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toBe('token has expired');

    const otherAudience = await post(body, await mint(requester, ['ComputeRequester'], { audience: 'api://something-else' }));
    expect(otherAudience.status).toBe(401);
    expect(otherAudience.body.error.message).toBe('token audience is not accepted');

    const [, payload] = tokenOf(requester).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const algNone = await post(body, unsigned);
    expect(algNone.status).toBe(401);
    expect(algNone.body.error.message).toContain('not accepted (RS256 only)');

    // Right issuer, audience and key id, but signed with someone else's key.
    const foreign = await generateKeyPair('RS256');
    const forged = await new SignJWT({ oid: 'x', roles: ['ComputeRequester'], preferred_username: requester, ver: '2.0', tid: LOCAL_TENANT_ID, scp: 'access_as_user' })
      .setProtectedHeader({ alg: 'RS256', kid: emulator.idp.kid })
      .setIssuer(emulator.idp.issuerFor(2))
      .setAudience(PLAYGROUND_API.clientId)
      .setExpirationTime('10m')
      .sign(foreign.privateKey);
    const forgedResponse = await post(body, forged);
    expect(forgedResponse.status).toBe(401);
    expect(forgedResponse.body.error.message).toBe('token signature is invalid');
  });

  it('a caller without the ComputeRequester role cannot create (403)', async () => {
    const response = await post(validBody(freshName('role')), tokenOf(approver));
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('ComputeRequester');
  });

  it('none of the refused requests created anything', async () => {
    expect((await store.list()).length).toBe(before.requests);
    expect(emulator.calls().filter((call) => call.method === 'PUT').length).toBe(before.puts);
  });
});

describe('the OpenAPI document', () => {
  let document: {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };

  beforeAll(async () => {
    const response = await api<typeof document>('GET', 'openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });

  it('lists every HTTP route the app registers, with its methods, and nothing it does not serve', () => {
    const registered = new Set<string>();
    for (const fn of host.functions) {
      // The console is a web page the app serves, not an operation of its API.
      if (fn.kind !== 'http' || fn.name === 'console') continue;
      for (const method of fn.methods ?? []) registered.add(`${method.toLowerCase()} /${fn.route ?? fn.name}`);
    }
    const documented = new Set(Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`)));
    expect(registered.size).toBeGreaterThan(5);
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it('describes the bodies the API really sends and accepts', async () => {
    const schemaOf = (name: string) => {
      const component = document.components.schemas[name];
      if (component === undefined) throw new Error(`no component ${name}`);
      return z.fromJSONSchema(component);
    };
    const created = await createRequest(freshName('doc'));
    expect(schemaOf('ComputeRequest').safeParse(created).success).toBe(true);
    const list = await api('GET', 'compute-requests', { token: tokenOf(approver) });
    const parsedList = schemaOf('ComputeRequestList').safeParse(list.body);
    expect(parsedList.error?.issues ?? []).toEqual([]);
    const refused = await api('POST', 'compute-requests', { token: tokenOf(requester), body: {} });
    expect(schemaOf('Error').safeParse(refused.body).success).toBe(true);
    expect(schemaOf('CreateComputeRequest').safeParse(validBody('doc-cluster')).success).toBe(true);
    expect(schemaOf('CreateComputeRequest').safeParse(validBody('doc-cluster', { maxNodeCount: 'four' })).success).toBe(false);
    expect(schemaOf('CreateComputeRequest').safeParse(validBody('doc-cluster', { unexpected: true })).success).toBe(false);
    // Every schema an operation points at exists.
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) {
        const refs = [
          ...Object.values(operation.responses).flatMap((response) => Object.values(response.content ?? {}).map((media) => media.schema.$ref)),
          ...Object.values(operation.requestBody?.content ?? {}).map((media) => media.schema.$ref),
        ].filter((ref): ref is string => ref !== undefined);
        for (const ref of refs) expect(document.components.schemas[ref.replace('#/components/schemas/', '')]).toBeDefined();
      }
    }
  });
});
