import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isListening } from '../../dev/ports.js';
import { startPlayground, type Playground } from '../../dev/start.js';
import { playgroundEndpointsSchema } from '../../src/cli/playgroundEndpoints.js';
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

  it('refuses to start with an invalid policy, naming the file, the setting that chose it and every problem, and starts nothing', async () => {
    const broken = (await readFile(join(folder, 'policy', 'playground.yaml'), 'utf8'))
      .replace('mode: enforce', 'mode: enforced')
      .replace('maxNodeCount: 4', 'maxNodeCount: -4');
    await writeFile(join(folder, 'policy', 'broken.yaml'), broken);
    const started: string[] = [];
    const failure = startPlayground({
      cwd: folder,
      distDir,
      appPort: 0,
      emulatorPort: 0,
      azuritePort: 0,
      runner: 'host',
      environment: { AML_WARDEN_POLICY: 'policy/broken.yaml' },
      log: (line) => started.push(line),
    });
    await expect(failure).rejects.toThrow('The app cannot serve until its policy is fixed: policy/broken.yaml (AML_WARDEN_POLICY, exported in the shell).');
    const message = await failure.catch((error: unknown) => (error instanceof Error ? error.message : ''));
    expect(message).toContain('mode');
    expect(message).toContain('scaling.clusters.maxNodeCount');
    expect(message).toContain('Fix policy/broken.yaml, then run npm start again.');
    expect(message).not.toContain('is running');
    expect(started.filter((line) => !line.startsWith('[start] created'))).toEqual([]);
    expect(existsSync(join(folder, '.aml-warden', 'dev', 'endpoints.json'))).toBe(false);
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

  it('writes the ports it actually uses to .aml-warden/dev/endpoints.json', async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    expect(playground.endpointsFile).toBe(join(folder, '.aml-warden', 'dev', 'endpoints.json'));
    const endpoints = playgroundEndpointsSchema.parse(JSON.parse(await readFile(playground.endpointsFile, 'utf8')));
    expect(endpoints).toMatchObject({
      pid: process.pid,
      folder,
      app: { url: playground.appUrl },
      emulator: { url: playground.emulatorUrl, idpUrl: `${playground.emulatorUrl}/idp`, caFile: playground.caFile },
      azurite: { tableUrl: `http://127.0.0.1:${playground.azurite.port}/devstoreaccount1`, reused: false },
      policy: { source: join(folder, 'policy', 'playground.yaml'), effective: join(folder, '.aml-warden', 'dev', 'effective-policy.yaml') },
    });
    expect(endpoints.azurite.connectionString).toContain(`TableEndpoint=http://127.0.0.1:${playground.azurite.port}/devstoreaccount1`);
    // The settings the app runs with instead of local.settings.json's defaults: the ports in use.
    expect(endpoints.settings['AML_WARDEN_ARM_ENDPOINT']?.value).toBe(playground.emulatorUrl);
    expect(endpoints.settings['AML_WARDEN_POLICY']?.value).toBe(endpoints.policy.effective);
    expect(endpoints.settings['AML_WARDEN_STATE_CONNECTION_STRING']?.value).toBe(endpoints.azurite.connectionString);
  });

  it("points the app's CD targets at the emulator actually running, leaving policy/playground.yaml as written", async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    const source = await readFile(join(folder, 'policy', 'playground.yaml'), 'utf8');
    const effective = await readFile(playground.policy.effective, 'utf8');
    const targets = (parse(effective) as { cd: { targets: Record<string, { organizationUrl: string }> } }).cd.targets;
    expect(targets['model-cd']?.organizationUrl).toBe(`${playground.emulatorUrl}/ado/contoso`);
    expect(targets['retrain']?.organizationUrl).toBe(`${playground.emulatorUrl}/ado/contoso`);
    expect(source).toContain('organizationUrl: https://127.0.0.1:7443/ado/contoso');
    // Line for line the source, so a problem the app reports is on the same line of policy/playground.yaml.
    const sourceLines = source.split('\n').slice(0, -1);
    const emulatorUrl = playground.emulatorUrl;
    expect(effective.split('\n').slice(0, sourceLines.length)).toEqual(
      sourceLines.map((line) => (line.trimStart().startsWith('organizationUrl:') ? line.replace('https://127.0.0.1:7443', emulatorUrl) : line)),
    );
    expect(effective).toContain(`# npm start wrote this copy of policy/playground.yaml for the emulator at ${emulatorUrl}; edit policy/playground.yaml, not this file.`);
    // The app reads that copy.
    const health = await fetch(`${playground.appUrl}/api/health`);
    expect(health.status).toBe(200);
  });

  it('refuses a second playground in the same folder while one runs', async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    await expect(startPlayground({ cwd: folder, distDir, appPort: 0, emulatorPort: 0, azuritePort: 0, runner: 'host', log: () => {} })).rejects.toThrow(
      `A playground already runs from ${folder} (npm start, pid ${process.pid}; emulator ${playground.emulatorUrl}, app ${playground.appUrl})`,
    );
  });

  it('mints a user token through the aml-warden command against the running identity provider, found through the endpoints file', async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    // Asynchronously: the emulator answering the command runs in this process. No --idp, no --ca: on these ports too.
    const result = await promisify(execFile)(
      process.execPath,
      [join(folder, 'bin', 'aml-warden.js'), 'dev', 'token', '--user', 'requester@contoso.com', '--role', 'ComputeRequester'],
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
    expect(existsSync(stopped.endpointsFile)).toBe(false);
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
