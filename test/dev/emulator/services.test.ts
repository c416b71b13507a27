import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SecretClient } from '@azure/keyvault-secrets';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDevCli } from '../../../dev/cli.js';
import type { EmulatedEvent } from '../../../dev/emulator/context.js';
import { devOpsStateFor } from '../../../dev/emulator/devops.js';
import type { DevOpsState } from '../../../dev/emulator/devops.js';
import { createEventPublisher } from '../../../dev/emulator/eventgrid.js';
import { secretVaultFor } from '../../../dev/emulator/keyvault.js';
import type { SecretVault } from '../../../dev/emulator/keyvault.js';
import { startEmulator } from '../../../dev/emulator/server.js';
import { LOCAL_TENANT_ID, PLAYGROUND_API, stableGuid } from '../../../dev/emulator/idp.js';
import type { RunningEmulator } from '../../../dev/emulator/server.js';
import { sinkStateFor } from '../../../dev/emulator/sinks.js';
import type { SinkState } from '../../../dev/emulator/sinks.js';
import { localIdpCredential, request } from '../../helpers/emulatorServices.js';

const ADO_RESOURCE = '499b84ac-1321-427f-aa17-267ca6975798';

let emulator: RunningEmulator & { vault: SecretVault; devops: DevOpsState; sinks: SinkState };

beforeAll(async () => {
  const running = await startEmulator({ seed: 'empty' });
  emulator = Object.assign(running, {
    vault: secretVaultFor(running.context),
    devops: devOpsStateFor(running.context),
    sinks: sinkStateFor(running.context),
  });
});

afterAll(async () => {
  await emulator.close();
});

function basicPat(pat: string): string {
  return `Basic ${Buffer.from(`:${pat}`).toString('base64')}`;
}

async function devToken(body: Record<string, unknown>): Promise<string> {
  const response = await request(`${emulator.url}/idp/dev/token`, { method: 'POST', body, ca: emulator.caPem });
  expect(response.status).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

describe('identity provider', () => {
  it("publishes the tenant's v1 and v2 OpenID configurations, as Entra does, naming the same signing key", async () => {
    for (const [path, issuer] of [
      [`/idp/${LOCAL_TENANT_ID}/.well-known/openid-configuration`, `${emulator.url}/idp/sts/${LOCAL_TENANT_ID}/`],
      [`/idp/${LOCAL_TENANT_ID}/v2.0/.well-known/openid-configuration`, `${emulator.url}/idp/${LOCAL_TENANT_ID}/v2.0`],
    ] as const) {
      const config = (await request(`${emulator.url}${path}`, { ca: emulator.caPem })).json<{ issuer: string; jwks_uri: string }>();
      expect(config.issuer).toBe(issuer);
      const jwks = (await request(config.jwks_uri, { ca: emulator.caPem })).json<JSONWebKeySet>();
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: emulator.idp.kid });
      expect(jwks.keys[0]).not.toHaveProperty('d');
    }
    const otherTenant = await request(`${emulator.url}/idp/99999999-9999-4999-8999-999999999999/v2.0/.well-known/openid-configuration`, { ca: emulator.caPem });
    expect(otherTenant.status).toBe(400);
  });

  it('issues client-credential tokens whose audience is the scope resource', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ci-runner', scope: 'https://management.azure.com//.default' });
    const response = await request(`${emulator.url}/idp/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      ca: emulator.caPem,
    });
    expect(response.status).toBe(200);
    const body = response.json<{ access_token: string; expires_in: number; token_type: string }>();
    expect(body).toMatchObject({ expires_in: 3600, token_type: 'Bearer' });
    expect(await emulator.idp.verifyToken(body.access_token, 'https://management.azure.com')).toEqual({ principal: 'ci-runner' });
    expect(await emulator.idp.verifyToken(body.access_token, 'https://vault.azure.net')).toHaveProperty('error');
  });

  it('refuses a token request with another grant type', async () => {
    const response = await request(`${emulator.url}/idp/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&scope=api%3A%2F%2Faml-warden%2F.default',
      ca: emulator.caPem,
    });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('mints a user token through the dev CLI that verifies against the published JWKS', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'aml-warden-cli-'));
    try {
      const caFile = path.join(directory, 'ca.pem');
      await writeFile(caFile, emulator.caPem);
      const out: string[] = [];
      const err: string[] = [];
      const code = await runDevCli(
        ['dev', 'token', '--user', 'approver@contoso.com', '--role', 'ComputeApprover', '--role', 'ComputeRequester', '--idp', `${emulator.url}/idp`, '--ca', caFile],
        { stdout: (text) => out.push(text), stderr: (text) => err.push(text), cwd: directory },
      );
      expect(err.join('')).toBe('');
      expect(code).toBe(0);
      const printed = out.join('');
      expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);

      const jwks = (await request(`${emulator.url}/idp/${LOCAL_TENANT_ID}/discovery/v2.0/keys`, { ca: emulator.caPem })).json<JSONWebKeySet>();
      const { payload, protectedHeader } = await jwtVerify(printed.trim(), createLocalJWKSet(jwks), {
        issuer: `${emulator.url}/idp/${LOCAL_TENANT_ID}/v2.0`,
        audience: PLAYGROUND_API.clientId,
        algorithms: ['RS256'],
      });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({
        preferred_username: 'approver@contoso.com',
        roles: ['ComputeApprover', 'ComputeRequester'],
        sub: payload.oid,
        scp: 'access_as_user',
        ver: '2.0',
      });
      expect(payload.oid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(typeof payload.tid).toBe('string');
      expect(typeof payload.name).toBe('string');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('mints a v1.0 token and an app-only token through the dev CLI when asked with --token-version 1 and --app', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'aml-warden-cli-'));
    try {
      await writeFile(path.join(directory, 'ca.pem'), emulator.caPem);
      const mint = async (...extra: string[]) => {
        const out: string[] = [];
        const code = await runDevCli(['token', '--role', 'ComputeApprover', '--idp', `${emulator.url}/idp`, '--ca', 'ca.pem', ...extra], {
          stdout: (text) => out.push(text),
          stderr: () => undefined,
          cwd: directory,
        });
        expect(code).toBe(0);
        return JSON.parse(Buffer.from(out.join('').trim().split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      };
      expect(await mint('--user', 'approver@contoso.com', '--token-version', '1')).toMatchObject({
        ver: '1.0',
        iss: `${emulator.url}/idp/sts/${LOCAL_TENANT_ID}/`,
        aud: PLAYGROUND_API.appIdUri,
        upn: 'approver@contoso.com',
        scp: 'access_as_user',
      });
      const app = await mint('--user', 'nightly-automation', '--app');
      expect(app).toMatchObject({ ver: '2.0', aud: PLAYGROUND_API.clientId, idtyp: 'app', roles: ['ComputeApprover'] });
      expect(app).not.toHaveProperty('scp');
      expect(app['oid']).not.toBe(stableGuid('nightly-automation'));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('mints an already expired, and a not yet valid, token through the dev CLI from negative and positive offsets', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'aml-warden-cli-'));
    try {
      await writeFile(path.join(directory, 'ca.pem'), emulator.caPem);
      const mint = async (...extra: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runDevCli(['token', '--user', 'a@contoso.com', '--role', 'ComputeRequester', '--idp', `${emulator.url}/idp`, '--ca', 'ca.pem', ...extra], {
          stdout: (text) => out.push(text),
          stderr: (text) => err.push(text),
          cwd: directory,
        });
        expect(err.join('')).toBe('');
        expect(code).toBe(0);
        const token = out.join('').trim();
        return { token, claims: JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number; nbf: number; iat: number } };
      };
      const now = Math.floor(Date.now() / 1000);
      const expired = await mint('--expires-in', '-120');
      expect(expired.claims.exp).toBeLessThanOrEqual(now - 100);
      expect(await emulator.idp.verifyToken(expired.token, 'api://aml-warden')).toHaveProperty('error');

      const early = await mint('--not-before', '600');
      expect(early.claims.nbf).toBeGreaterThanOrEqual(now + 590);
      expect(await emulator.idp.verifyToken(early.token, 'api://aml-warden')).toHaveProperty('error');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('gives the same user the same oid in every token', async () => {
    const first = await devToken({ user: 'requester@contoso.com', roles: ['ComputeRequester'] });
    const second = await devToken({ user: 'requester@contoso.com' });
    const other = await devToken({ user: 'someone@contoso.com' });
    const principalOf = async (token: string) => emulator.idp.verifyToken(token, PLAYGROUND_API.clientId);
    expect(await principalOf(first)).toEqual(await principalOf(second));
    expect(await principalOf(first)).not.toEqual(await principalOf(other));
  });

  it('rejects an expired dev token, a token not valid yet and one for another audience', async () => {
    const expired = await devToken({ user: 'late@contoso.com', roles: ['ComputeRequester'], expiresInSeconds: -120 });
    expect(await emulator.idp.verifyToken(expired, PLAYGROUND_API.clientId)).toEqual({ error: 'token expired' });
    const early = await devToken({ user: 'early@contoso.com', notBeforeSeconds: 600 });
    expect(await emulator.idp.verifyToken(early, PLAYGROUND_API.clientId)).toHaveProperty('error');
    const elsewhere = await devToken({ user: 'someone@contoso.com', audience: 'api://other-app' });
    expect(await emulator.idp.verifyToken(elsewhere, PLAYGROUND_API.clientId)).toHaveProperty('error');
    expect(await emulator.idp.verifyToken(elsewhere, 'api://other-app')).toHaveProperty('principal');
  });

  it('the dev CLI fails on stderr with exit code 1 when the identity provider is unreachable', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'aml-warden-cli-'));
    try {
      await writeFile(path.join(directory, 'ca.pem'), emulator.caPem);
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const out: string[] = [];
      const err: string[] = [];
      const code = await runDevCli(['token', '--user', 'a@contoso.com', '--role', 'R', '--idp', `https://127.0.0.1:${port}/idp`, '--ca', 'ca.pem'], {
        stdout: (text) => out.push(text),
        stderr: (text) => err.push(text),
        cwd: directory,
      });
      expect(code).toBe(1);
      expect(out).toEqual([]);
      expect(err.join('')).toContain('Cannot reach');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('Key Vault', () => {
  function secretClient() {
    const credential = localIdpCredential(emulator.url, emulator.caPem);
    const client = new SecretClient(emulator.url, credential, {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: emulator.caPem },
      retryOptions: { maxRetries: 0 },
    });
    return { client, credential };
  }

  it('the real SecretClient reads a seeded secret through the challenge flow', async () => {
    const { client, credential } = secretClient();
    const secret = await client.getSecret('teams-webhook-url');
    expect(secret.value).toBe(`${emulator.url}/sink/teams`);
    expect(secret.name).toBe('teams-webhook-url');
    expect(secret.properties.vaultUrl).toBe(emulator.url);
    expect(secret.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(secret.properties.createdOn).toBeInstanceOf(Date);
    expect(credential.scopesRequested).toEqual(['https://vault.azure.net/.default']);
  });

  it('a secret set through the SDK becomes the current version and older versions stay readable', async () => {
    const { client } = secretClient();
    const before = await client.getSecret('cd-webhook-signing-key');
    const written = await client.setSecret('cd-webhook-signing-key', 'rotated-signing-key');
    expect(written.properties.version).not.toBe(before.properties.version);
    expect((await client.getSecret('cd-webhook-signing-key')).value).toBe('rotated-signing-key');
    expect((await client.getSecret('cd-webhook-signing-key', { version: before.properties.version ?? '' })).value).toBe(before.value);
  });

  it('an unknown secret is a 404 SecretNotFound for the SDK', async () => {
    const { client } = secretClient();
    await expect(client.getSecret('no-such-secret')).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });

  it('answers a request without a token with the challenge Key Vault sends', async () => {
    const response = await request(`${emulator.url}/secrets/ado-pat?api-version=7.5`, { ca: emulator.caPem });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(`Bearer authorization="${emulator.url}/idp", resource="https://vault.azure.net"`);
    expect(response.text).not.toContain(emulator.vault.currentValue('ado-pat'));
  });

  it('refuses a token minted for another resource', async () => {
    const armToken = await emulator.idp.mintAccessToken({ audience: 'https://management.azure.com' });
    const response = await request(`${emulator.url}/secrets/ado-pat?api-version=7.5`, { headers: { authorization: `Bearer ${armToken}` }, ca: emulator.caPem });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'Unauthorized' } });
  });
});

describe('Azure DevOps', () => {
  const runsUrl = () => `${emulator.url}/ado/contoso/mlops/_apis/pipelines/1/runs?api-version=7.1`;

  it('starts a pipeline run with a PAT and lists and gets it like the service', async () => {
    const pat = emulator.vault.currentValue('ado-pat') ?? '';
    const started = await request(runsUrl(), {
      method: 'POST',
      headers: { authorization: basicPat(pat) },
      body: {
        templateParameters: { modelName: 'credit-default', modelVersion: '7', workspaceId: 'w', idempotencyKey: 'amlw-credit-7' },
        resources: { repositories: { self: { refName: 'refs/heads/main' } } },
      },
      ca: emulator.caPem,
    });
    expect(started.status).toBe(200);
    const run = started.json<Record<string, unknown> & { id: number; url: string; _links: { web: { href: string } } }>();
    expect(run).toMatchObject({
      state: 'inProgress',
      name: 'amlw-credit-7.1',
      templateParameters: { modelName: 'credit-default', modelVersion: '7' },
      pipeline: { id: 1, name: 'model-cd' },
    });
    expect(run.url).toBe(`${emulator.url}/ado/contoso/mlops/_apis/pipelines/1/runs/${run.id}`);
    expect(run._links.web.href).toContain(`buildId=${run.id}`);

    const listed = await request(runsUrl(), { headers: { authorization: basicPat(pat) }, ca: emulator.caPem });
    const list = listed.json<{ count: number; value: { id: number }[] }>();
    expect(list.count).toBe(list.value.length);
    expect(list.value[0]?.id).toBe(run.id);

    const fetched = await request(`${emulator.url}/ado/contoso/mlops/_apis/pipelines/1/runs/${run.id}?api-version=7.1`, {
      headers: { authorization: basicPat(pat) },
      ca: emulator.caPem,
    });
    expect(fetched.json()).toMatchObject({ id: run.id, templateParameters: { modelVersion: '7' } });
  });

  it('accepts a bearer token for Azure DevOps and records who started the run', async () => {
    const token = await emulator.idp.mintAccessToken({ audience: ADO_RESOURCE, subject: 'cd-identity' });
    const started = await request(`${emulator.url}/ado/contoso/mlops/_apis/pipelines/2/runs?api-version=7.1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: { templateParameters: { workspaceId: 'w', idempotencyKey: 'amlw-retrain-1', dataDriftName: 'drift' } },
      ca: emulator.caPem,
    });
    expect(started.status).toBe(200);
    const id = started.json<{ id: number }>().id;
    expect(emulator.devops.runs({ pipelineId: 2 }).find((run) => run.id === id)?.requestedBy).toBe('cd-identity');
  });

  it('answers a wrong PAT, a token for another resource or none with 203 and an HTML sign-in page, starting nothing', async () => {
    const before = emulator.devops.runs().length;
    const armToken = await emulator.idp.mintAccessToken({ audience: 'https://management.azure.com' });
    for (const headers of <Record<string, string>[]>[{ authorization: basicPat('not-the-pat') }, { authorization: `Bearer ${armToken}` }, {}]) {
      const refused = await request(runsUrl(), { method: 'POST', headers, body: {}, ca: emulator.caPem });
      expect(refused.status).toBe(203);
      expect(refused.headers['content-type']).toMatch(/^text\/html/);
      expect(refused.text).toContain('Sign In');
    }
    expect(emulator.devops.runs()).toHaveLength(before);
  });

  it('answers 401 instead when the client asks with X-TFS-FedAuthRedirect: Suppress', async () => {
    const refused = await request(runsUrl(), { method: 'POST', headers: { authorization: basicPat('not-the-pat'), 'x-tfs-fedauthredirect': 'Suppress' }, body: {}, ca: emulator.caPem });
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ typeKey: 'UnauthorizedRequestException' });
  });

  it('answers 400 without api-version and 404 for an unknown pipeline', async () => {
    const auth = { authorization: basicPat(emulator.vault.currentValue('ado-pat') ?? '') };
    const noVersion = await request(`${emulator.url}/ado/contoso/mlops/_apis/pipelines/1/runs`, { method: 'POST', headers: auth, body: {}, ca: emulator.caPem });
    expect(noVersion.status).toBe(400);
    expect(noVersion.json()).toMatchObject({ typeKey: 'VssVersionNotSpecifiedException' });
    const unknown = await request(`${emulator.url}/ado/contoso/mlops/_apis/pipelines/99/runs?api-version=7.1`, { method: 'POST', headers: auth, body: {}, ca: emulator.caPem });
    expect(unknown.status).toBe(404);
  });
});

describe('GitHub', () => {
  const dispatchUrl = (workflow: string) => `${emulator.url}/github/repos/contoso/mlops-cd/actions/workflows/${workflow}/dispatches`;
  const auth = () => ({ authorization: `Bearer ${emulator.vault.currentValue('github-token') ?? ''}`, accept: 'application/vnd.github+json' });

  it('a workflow_dispatch answers 204 and the run is listed with its inputs', async () => {
    const dispatched = await request(dispatchUrl('model-cd.yml'), {
      method: 'POST',
      headers: auth(),
      body: { ref: 'main', inputs: { model_name: 'credit-default', model_version: '7' } },
      ca: emulator.caPem,
    });
    expect(dispatched.status).toBe(204);
    expect(dispatched.text).toBe('');
    const runs = await request(`${emulator.url}/github/repos/contoso/mlops-cd/actions/runs`, { headers: auth(), ca: emulator.caPem });
    const body = runs.json<{ total_count: number; workflow_runs: { event: string; path: string; inputs: Record<string, string> }[] }>();
    expect(body.total_count).toBeGreaterThanOrEqual(1);
    expect(body.workflow_runs[0]).toMatchObject({
      event: 'workflow_dispatch',
      path: '.github/workflows/model-cd.yml',
      inputs: { model_name: 'credit-default', model_version: '7' },
    });
  });

  it('answers 200 with the run id and its URLs when the dispatch asks for return_run_details', async () => {
    const dispatched = await request(dispatchUrl('model-cd.yml'), {
      method: 'POST',
      headers: auth(),
      body: { ref: 'main', inputs: { model_name: 'churn', model_version: '3' }, return_run_details: true },
      ca: emulator.caPem,
    });
    expect(dispatched.status).toBe(200);
    const details = dispatched.json<{ workflow_run_id: number; run_url: string; html_url: string }>();
    expect(details.run_url).toBe(`${emulator.url}/github/repos/contoso/mlops-cd/actions/runs/${details.workflow_run_id}`);
    expect(details.html_url).toBe(`https://github.com/contoso/mlops-cd/actions/runs/${details.workflow_run_id}`);
    const runs = (await request(`${emulator.url}/github/repos/contoso/mlops-cd/actions/runs`, { headers: auth(), ca: emulator.caPem })).json<{ workflow_runs: { id: number }[] }>();
    expect(runs.workflow_runs.map((run) => run.id)).toContain(details.workflow_run_id);
  });

  it('answers 401 Bad credentials without the right token', async () => {
    const wrong = await request(dispatchUrl('model-cd.yml'), { method: 'POST', headers: { authorization: 'Bearer ghp_wrong' }, body: { ref: 'main' }, ca: emulator.caPem });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ message: 'Bad credentials' });
    const none = await request(dispatchUrl('model-cd.yml'), { method: 'POST', body: { ref: 'main' }, ca: emulator.caPem });
    expect(none.status).toBe(401);
  });

  it('rejects non-string inputs and a missing ref with 422, and an unknown workflow with 404', async () => {
    const numeric = await request(dispatchUrl('model-cd.yml'), { method: 'POST', headers: auth(), body: { ref: 'main', inputs: { model_version: 7 } }, ca: emulator.caPem });
    expect(numeric.status).toBe(422);
    expect(numeric.json<{ message: string }>().message).toContain('model_version');
    const noRef = await request(dispatchUrl('model-cd.yml'), { method: 'POST', headers: auth(), body: { inputs: {} }, ca: emulator.caPem });
    expect(noRef.status).toBe(422);
    const unknown = await request(dispatchUrl('deploy.yml'), { method: 'POST', headers: auth(), body: { ref: 'main' }, ca: emulator.caPem });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ message: 'Not Found' });
  });
});

describe('webhook sinks', () => {
  it('records a Teams delivery with 202 and lists it; DELETE clears the sink', async () => {
    const card = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }] };
    const posted = await request(`${emulator.url}/sink/teams`, { method: 'POST', headers: { 'x-trace': 'abc' }, body: card, ca: emulator.caPem });
    expect(posted.status).toBe(202);
    const listed = (await request(`${emulator.url}/sink/teams`, { ca: emulator.caPem })).json<{ count: number; deliveries: { body: unknown; headers: Record<string, string>; receivedAt: string }[] }>();
    expect(listed.count).toBe(1);
    expect(listed.deliveries[0]?.body).toEqual(card);
    expect(listed.deliveries[0]?.headers['x-trace']).toBe('abc');
    expect(Date.parse(listed.deliveries[0]?.receivedAt ?? '')).not.toBeNaN();

    expect((await request(`${emulator.url}/sink/teams`, { method: 'DELETE', ca: emulator.caPem })).status).toBe(204);
    expect((await request(`${emulator.url}/sink/teams`, { ca: emulator.caPem })).json()).toMatchObject({ count: 0 });
  });

  it('answers Slack with 200 ok and keeps a text body as text', async () => {
    const posted = await request(`${emulator.url}/sink/slack`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'plain words', ca: emulator.caPem });
    expect(posted.status).toBe(200);
    expect(posted.text).toBe('ok');
    expect(emulator.sinks.deliveries('slack').at(-1)?.body).toBe('plain words');
  });
});

describe('emulator reset', () => {
  it('restores rotated secrets and forgets runs, dispatches and sink deliveries', async () => {
    const seededPat = emulator.vault.currentValue('ado-pat');
    emulator.vault.set('ado-pat', 'rotated-before-reset');
    await request(`${emulator.url}/sink/generic`, { method: 'POST', body: { a: 1 }, ca: emulator.caPem });
    expect(emulator.devops.runs().length).toBeGreaterThan(0);
    const reset = await request(`${emulator.url}/_emulator/reset`, { method: 'POST', ca: emulator.caPem });
    expect(reset.status).toBeLessThan(300);
    expect(emulator.vault.currentValue('ado-pat')).toBe(seededPat);
    expect(emulator.devops.runs()).toEqual([]);
    expect(emulator.sinks.deliveries('generic')).toEqual([]);
    const runs = await request(`${emulator.url}/github/repos/contoso/mlops-cd/actions/runs`, {
      headers: { authorization: `Bearer ${emulator.vault.currentValue('github-token') ?? ''}` },
      ca: emulator.caPem,
    });
    expect(runs.json()).toMatchObject({ total_count: 0 });
  });
});

describe('Event Grid delivery', () => {
  interface Received {
    readonly headers: http.IncomingHttpHeaders;
    readonly body: unknown;
  }

  async function startReceiver(statuses: number[]): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
    const received: Received[] = [];
    const server = http.createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        received.push({ headers: incoming.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        outgoing.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
        outgoing.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/eventgrid?functionName=resourceEvents`;
    return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  const event: EmulatedEvent = {
    id: 'b3ccc7e3-c1cb-49bf-b7c8-0d4e60980616',
    topic: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo',
    subject: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo/computes/gpu-cluster',
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2024-01-01T00:00:00Z',
    data: { operationName: 'Microsoft.MachineLearningServices/workspaces/computes/write', status: 'Succeeded' },
    dataVersion: '2',
    metadataVersion: '1',
  };

  it('retries after a 500 and stops once the endpoint accepts', async () => {
    const receiver = await startReceiver([500, 200]);
    const publisher = createEventPublisher({ subscriptions: [{ endpoint: receiver.url }], retryDelaysMs: [20, 20, 20] });
    try {
      publisher.publish(event);
      await publisher.idle();
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received.map((delivery) => delivery.headers['aeg-delivery-count'])).toEqual(['0', '1']);
      expect(receiver.received[0]?.headers).toMatchObject({
        'aeg-event-type': 'Notification',
        'aeg-subscription-name': 'RESOURCEEVENTS-SUBSCRIPTION',
        'content-type': 'application/json',
      });
      expect(receiver.received[0]?.body).toEqual([event]);
      expect(publisher.delivered().map((record) => [record.status, record.succeeded, record.final])).toEqual([
        [500, false, false],
        [200, true, true],
      ]);
    } finally {
      await publisher.close();
      await receiver.close();
    }
  });

  it('gives up after the configured attempts when the endpoint keeps failing', async () => {
    const receiver = await startReceiver([503]);
    const publisher = createEventPublisher({ subscriptions: [{ endpoint: receiver.url }], retryDelaysMs: [10, 10] });
    try {
      publisher.publish(event);
      await publisher.idle();
      expect(receiver.received).toHaveLength(3);
      expect(publisher.delivered().at(-1)).toMatchObject({ status: 503, succeeded: false, final: true, deliveryCount: 2 });
    } finally {
      await publisher.close();
      await receiver.close();
    }
  });

  it('delivers only the event types a subscription asks for', async () => {
    const receiver = await startReceiver([200]);
    const publisher = createEventPublisher({
      subscriptions: [{ endpoint: receiver.url, eventTypes: ['Microsoft.MachineLearningServices.ModelRegistered'] }],
    });
    try {
      publisher.publish(event);
      publisher.publish({ ...event, id: 'model-1', eventType: 'Microsoft.MachineLearningServices.ModelRegistered' });
      await publisher.idle();
      expect(receiver.received.map((delivery) => (delivery.body as EmulatedEvent[])[0]?.id)).toEqual(['model-1']);
    } finally {
      await publisher.close();
      await receiver.close();
    }
  });

  it('close() cancels a pending retry', async () => {
    const receiver = await startReceiver([500]);
    const publisher = createEventPublisher({ subscriptions: [{ endpoint: receiver.url }], retryDelaysMs: [60_000] });
    publisher.publish(event);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (publisher.delivered().length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    await publisher.close();
    await publisher.idle();
    expect(receiver.received).toHaveLength(1);
    expect(publisher.delivered()).toHaveLength(1);
    await receiver.close();
  });
});
