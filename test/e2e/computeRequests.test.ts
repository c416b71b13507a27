/**
 * End to end, as a new user tries it: the local playground (`npm start`: Azurite, the emulator and the app in
 * its own process with its timers running), tokens minted with `aml-warden dev token`, and the compute-request
 * API called over HTTP until the emulator holds the cluster.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type Playground } from '../../dev/start.js';
import { request as httpsRequest } from '../helpers/emulatorServices.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const WORKSPACE_ID =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';

/** Compiles src/ and dev/ file by file, as `npm run build` does (without type checking), into `<folder>/dist`. */
async function compileTree(folder: string): Promise<string> {
  const distDir = join(folder, 'dist');
  const sources: string[] = [];
  for (const top of ['src', 'dev']) {
    for (const entry of await readdir(join(root, top), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) sources.push(path);
      else {
        const target = join(distDir, relative(root, path));
        await mkdir(join(target, '..'), { recursive: true });
        await copyFile(path, target);
      }
    }
  }
  await build({ entryPoints: sources, outdir: distDir, outbase: root, bundle: false, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
  return distDir;
}

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
  await mkdir(join(root, '.aml-warden', 'tmp'), { recursive: true });
  folder = await mkdtemp(join(root, '.aml-warden', 'tmp', 'e2e-cr-'));
  const distDir = await compileTree(folder);
  for (const file of ['local.settings.sample.json', 'host.json']) await copyFile(join(root, file), join(folder, file));
  await mkdir(join(folder, 'policy'));
  for (const file of await readdir(join(root, 'policy'))) await copyFile(join(root, 'policy', file), join(folder, 'policy', file));
  await mkdir(join(folder, 'bin'));
  await copyFile(join(root, 'bin', 'aml-warden.js'), join(folder, 'bin', 'aml-warden.js'));
  playground = await startPlayground({ cwd: folder, distDir, appPort: 0, emulatorPort: 0, azuritePort: 0, runner: 'host', log: () => undefined });
  ca = await readFile(playground.caFile, 'utf8');
}, 120_000);

afterAll(async () => {
  await playground?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
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
