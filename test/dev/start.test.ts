import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isListening } from '../../dev/ports.js';
import { startPlayground, type Playground } from '../../dev/start.js';
import { createPlaygroundCopy, type PlaygroundCopy } from '../helpers/playgroundCopy.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const root = repositoryRoot;

/** HTTPS to the emulator, trusting its CA explicitly (never by turning certificate checks off). */
async function callEmulator(url: string, ca: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return await new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method, headers: init.headers, ca, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('npm start (the local playground)', () => {
  let copy: PlaygroundCopy | undefined;
  let folder: string;
  let distDir: string;
  let playground: Playground | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    copy = await createPlaygroundCopy('start-');
    ({ folder, distDir } = copy);
  });

  afterAll(async () => {
    await playground?.stop();
    await copy?.remove();
  });

  it('refuses to start when a port is taken, naming the port and the setting that moves it', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(
        startPlayground({ cwd: folder, distDir, appPort: port, emulatorPort: 0, azuritePort: 0, runner: 'host', log: () => {} }),
      ).rejects.toThrow(new RegExp(`Port ${port} \\(the Functions app\\) is already in use.*AML_WARDEN_DEV_PORT`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('starts Azurite, the emulator and the app on the offline host, and /api/health answers 200', async () => {
    playground = await startPlayground({
      cwd: folder,
      distDir,
      appPort: 0,
      emulatorPort: 0,
      azuritePort: 0,
      runner: 'host',
      log: (line) => lines.push(line),
    });
    expect(playground.runner).toBe('host');
    expect(playground.pids).toHaveLength(2);

    const response = await fetch(`${playground.appUrl}/api/health`);
    const body: unknown = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: 'ok' });

    expect(existsSync(join(folder, 'local.settings.json'))).toBe(true);
    expect(await readFile(playground.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(playground.caFile).toBe(join(folder, '.aml-warden', 'dev', 'emulator-ca.pem'));
    expect(lines.some((line) => line.startsWith('[app] '))).toBe(true);
  });

  it('mints a user token through the aml-warden command against the running identity provider', async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    // Asynchronously: the emulator answering the command runs in this process.
    const result = await promisify(execFile)(
      process.execPath,
      [
        join(folder, 'bin', 'aml-warden.js'),
        'dev',
        'token',
        '--user',
        'requester@contoso.com',
        '--role',
        'ComputeRequester',
        '--idp',
        `${playground.emulatorUrl}/idp`,
        '--ca',
        playground.caFile,
      ],
      { cwd: folder, encoding: 'utf8', timeout: 30_000 },
    );
    expect(result.stderr).toBe('');
    const token = result.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const claims: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ preferred_username: 'requester@contoso.com', roles: ['ComputeRequester'], iss: `${playground.emulatorUrl}/idp/00000000-0000-4000-8000-00000000a11e/v2.0` });
  });

  it("delivers the emulator's ResourceWriteSuccess events to the app's resourceEvents function", async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    const ca = await readFile(playground.caFile, 'utf8');
    const token = await callEmulator(`${playground.emulatorUrl}/idp/token`, ca, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=aml-warden&scope=https%3A%2F%2Fmanagement.azure.com%2F.default',
    });
    expect(token.status, token.body).toBe(200);
    const accessToken = (JSON.parse(token.body) as { access_token: string }).access_token;
    const workspace =
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';
    const write = await callEmulator(`${playground.emulatorUrl}${workspace}/providers/Microsoft.Resources/tags/default?api-version=2021-04-01`, ca, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'Merge', properties: { tags: { 'start-test': 'delivered' } } }),
    });
    expect(write.status, write.body).toBe(200);
    await waitUntil(() => lines.some((line) => line.includes("Executing 'Functions.resourceEvents'")), 'resourceEvents to run');
    expect(lines.some((line) => line.includes("Executing 'Functions.resourceEvents'"))).toBe(true);
  });

  it('stops every process it started and frees every port', async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    const stopped = playground;
    playground = undefined;
    const appPort = Number(new URL(stopped.appUrl).port);
    const emulatorPort = Number(new URL(stopped.emulatorUrl).port);
    await stopped.stop();

    for (const pid of stopped.pids) await waitUntil(() => !isAlive(pid), `process ${pid} to end`);
    expect(stopped.pids.filter(isAlive)).toEqual([]);
    expect(await isListening(appPort)).toBe(false);
    expect(await isListening(emulatorPort)).toBe(false);
    expect(await isListening(stopped.azurite.port)).toBe(false);
  });
});

describe('the aml-warden command', () => {
  let folder: string;

  beforeAll(async () => {
    await mkdir(join(root, '.aml-warden', 'tmp'), { recursive: true });
    folder = await mkdtemp(join(root, '.aml-warden', 'tmp', 'bin-'));
    await mkdir(join(folder, 'bin'));
    await copyFile(join(root, 'bin', 'aml-warden.js'), join(folder, 'bin', 'aml-warden.js'));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it.each([[['dev', 'token']], [['sweep']]])('asks for a build when the compiled code is missing (%j)', (args) => {
    const result = spawnSync(process.execPath, [join(folder, 'bin', 'aml-warden.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('npm run build');
    expect(result.stdout).toBe('');
  });
});
