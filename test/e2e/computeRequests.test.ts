/**
 * End to end, as a new user tries it: the local playground (`npm start`: Azurite, the emulator and the app in
 * its own process with its timers running), tokens minted with `aml-warden dev token`, and the compute-request
 * API called over HTTP until the emulator holds the cluster.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type Playground } from '../../dev/start.js';
import { request as httpsRequest } from '../helpers/emulatorServices.js';
import { createPlaygroundCopy, type PlaygroundCopy } from '../helpers/playgroundCopy.js';

const WORKSPACE_ID =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';

let copy: PlaygroundCopy | undefined;
let folder: string;
let playground: Playground;
let ca: string;

async function devToken(user: string, role: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(folder, 'bin', 'aml-warden.js'), 'dev', 'token', '--user', user, '--role', role, '--idp', `${playground.emulatorUrl}/idp`, '--ca', playground.caFile],
    { cwd: folder, timeout: 20_000 },
  );
  return stdout.trim();
}

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${playground.appUrl}/api/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  copy = await createPlaygroundCopy('e2e-cr-');
  folder = copy.folder;
  playground = await startPlayground({ cwd: folder, distDir: copy.distDir, appPort: 0, emulatorPort: 0, azuritePort: 0, runner: 'host', log: () => undefined });
  ca = await readFile(playground.caFile, 'utf8');
}, 120_000);

afterAll(async () => {
  await playground?.stop();
  await copy?.remove();
});

describe('compute on approval in the playground', () => {
  it('request 201 Pending → requester approving 403 → approver 200 → Succeeded within seconds, cluster built to policy → second approval 409', async () => {
    const requester = await devToken('requester@contoso.com', 'ComputeRequester');
    const approver = await devToken('approver@contoso.com', 'ComputeApprover');

    const created = await api('POST', 'compute-requests', requester, {
      workspaceId: WORKSPACE_ID,
      computeName: 'e2e-train',
      vmSize: 'Standard_DS3_v2',
      maxNodeCount: 2,
      justification: 'Hyperparameter sweep for the churn model',
    });
    expect(created.status).toBe(201);
    expect(created.body['status']).toBe('Pending');
    const id = String(created.body['id']);

    expect((await api('POST', `compute-requests/${id}/approve`, requester, {})).status).toBe(403);
    const approved = await api('POST', `compute-requests/${id}/approve`, approver, { comment: 'approved for the sprint' });
    expect(approved.status).toBe(200);
    expect(approved.body['status']).toBe('Approved');

    let status = 'Approved';
    for (let attempt = 0; attempt < 150 && !['Succeeded', 'Failed'].includes(status); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = String((await api('GET', `compute-requests/${id}`, requester)).body['status']);
    }
    expect(status).toBe('Succeeded');

    // The cluster as ARM reports it, read with an app token from the emulator's identity provider.
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'e2e-check', scope: 'https://management.azure.com/.default' }).toString();
    const armToken = (
      await httpsRequest(`${playground.emulatorUrl}/idp/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, ca })
    ).json<{ access_token: string }>().access_token;
    const compute = (
      await httpsRequest(`${playground.emulatorUrl}${WORKSPACE_ID}/computes/e2e-train?api-version=2022-10-01`, { headers: { authorization: `Bearer ${armToken}` }, ca })
    ).json<{ tags: Record<string, string>; properties: { provisioningState: string; properties: Record<string, unknown> } }>();
    expect(compute.properties.provisioningState).toBe('Succeeded');
    expect(compute.tags).toMatchObject({ owner: 'requester@contoso.com', 'aml-warden-request': id, 'cost-center': 'cc-1234', environment: 'dev' });
    expect(compute.properties.properties).toMatchObject({
      remoteLoginPortPublicAccess: 'Disabled',
      scaleSettings: { minNodeCount: 0, maxNodeCount: 2, nodeIdleTimeBeforeScaleDown: 'PT30M' },
    });

    expect((await api('POST', `compute-requests/${id}/approve`, approver, {})).status).toBe(409);
  });
});
