import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalIdp } from '../../../dev/emulator/idp.js';
import type { LocalIdp } from '../../../dev/emulator/idp.js';
import { KEY_VAULT_RESOURCE, SecretVault, mount, playgroundSecrets, secretVaultFor } from '../../../dev/emulator/keyvault.js';
import { Router } from '../../../dev/emulator/router.js';
import { callRoute, fixedContext } from '../../helpers/emulatorServices.js';

const BASE = 'https://127.0.0.1:7443';

// One key pair per file: generating RSA keys is the slow part, and the routes keep no state in the IdP.
let idp: LocalIdp;
beforeAll(async () => {
  idp = await createLocalIdp(BASE);
});

describe('SecretVault', () => {
  it('is seeded with the playground secrets, webhook URLs pointing at the sinks', () => {
    const vault = new SecretVault(BASE);
    expect(vault.names().sort()).toEqual(
      ['ado-pat', 'cd-webhook-signing-key', 'events-webhook-key', 'generic-webhook-url', 'github-token', 'slack-webhook-url', 'teams-webhook-url'].sort(),
    );
    expect(vault.currentValue('teams-webhook-url')).toBe(`${BASE}/sink/teams`);
    expect(vault.currentValue('slack-webhook-url')).toBe(`${BASE}/sink/slack`);
    expect(vault.currentValue('generic-webhook-url')).toBe(`${BASE}/sink/generic`);
    expect(playgroundSecrets(BASE)['ado-pat']).toBe(vault.currentValue('ado-pat'));
  });

  it('keeps every version, serves the newest by default, and reset restores the seed', () => {
    const vault = new SecretVault(BASE);
    const seeded = vault.get('ado-pat');
    vault.set('ADO-PAT', 'rotated');
    expect(vault.currentValue('ado-pat')).toBe('rotated');
    expect(vault.get('ado-pat', seeded?.version)?.value).toBe(seeded?.value);
    vault.reset();
    expect(vault.currentValue('ado-pat')).toBe(seeded?.value);
    expect(vault.get('ado-pat', seeded?.version)).toBeUndefined();
  });

  it('a disabled current version has no usable value', () => {
    const vault = new SecretVault(BASE);
    vault.set('github-token', 'ghp_disabled', { enabled: false });
    expect(vault.currentValue('github-token')).toBeUndefined();
  });
});

describe('Key Vault routes', () => {
  async function setUp() {
    const context = fixedContext(idp, BASE);
    const router = new Router();
    const vault = mount(router, context);
    const token = await idp.mintAccessToken({ audience: KEY_VAULT_RESOURCE });
    return { router, vault, context, headers: { authorization: `Bearer ${token}` } };
  }

  it('mount returns the same vault the other services read', async () => {
    const { vault, context } = await setUp();
    expect(secretVaultFor(context)).toBe(vault);
  });

  it('returns a secret bundle with a versioned id and unix-second timestamps from the emulator clock', async () => {
    const { router, headers, context } = await setUp();
    const response = await callRoute(router, 'GET', '/secrets/events-webhook-key', { headers, query: { 'api-version': '7.5' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      value: 'playground-events-webhook-key',
      attributes: { enabled: true, created: context.clock.now.getTime() / 1000, recoveryLevel: 'Recoverable+Purgeable' },
    });
    expect((response.body as { id: string }).id).toMatch(new RegExp(`^${BASE}/secrets/events-webhook-key/[0-9a-f]{32}$`));
  });

  it('requires api-version once authenticated', async () => {
    const { router, headers } = await setUp();
    const response = await callRoute(router, 'GET', '/secrets/ado-pat', { headers });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'BadParameter' } });
  });

  it('PUT validates the name and the body, and a disabled secret cannot be read', async () => {
    const { router, headers } = await setUp();
    const query = { 'api-version': '7.5' };
    expect((await callRoute(router, 'PUT', '/secrets/bad_name', { headers, query, body: { value: 'x' } })).status).toBe(400);
    expect((await callRoute(router, 'PUT', '/secrets/good-name', { headers, query, body: { contentType: 'text/plain' } })).status).toBe(400);
    const disabled = await callRoute(router, 'PUT', '/secrets/good-name', { headers, query, body: { value: 'x', attributes: { enabled: false } } });
    expect(disabled.status).toBe(200);
    const read = await callRoute(router, 'GET', '/secrets/good-name', { headers, query });
    expect(read.status).toBe(403);
    expect(JSON.stringify(read.body)).not.toContain('"x"');
  });
});
