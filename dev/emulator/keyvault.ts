/**
 * Key Vault secrets, with the challenge-based authentication the real `@azure/keyvault-secrets` client expects:
 * a request without a bearer token gets 401 and `WWW-Authenticate: Bearer authorization="<base>/idp",
 * resource="https://vault.azure.net"`; the client then fetches a token for that resource and retries.
 *
 * State: one `SecretVault` per emulator context (`secretVaultFor(context)`, also returned by `mount`), seeded
 * with the playground secrets; `reset()` restores the seed. Other emulator services (Azure DevOps, GitHub)
 * read their credentials from it, so changing `ado-pat` through `PUT /secrets/ado-pat` changes what they accept.
 *
 * Routes: `GET /secrets`, `GET /secrets/{name}`, `GET /secrets/{name}/{version}`, `PUT /secrets/{name}`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import { bearerTokenOf } from './idp.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

/** The audience Key Vault tokens carry. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

/**
 * The playground's secrets. Values are fixed so that local scripts and docs can use them; they protect
 * nothing but the local emulator.
 */
export function playgroundSecrets(baseUrl: string): Record<string, string> {
  return {
    'events-webhook-key': 'playground-events-webhook-key',
    'ado-pat': 'playground-ado-pat',
    'github-token': 'ghp_playgroundGitHubToken',
    // A Standard Webhooks secret: whsec_ and the base64 of its bytes.
    'cd-webhook-signing-key': `whsec_${Buffer.from('playground-cd-webhook-signing-key').toString('base64')}`,
    'teams-webhook-url': `${baseUrl}/sink/teams`,
    'slack-webhook-url': `${baseUrl}/sink/slack`,
    'generic-webhook-url': `${baseUrl}/sink/generic`,
  };
}

export interface SecretVersion {
  readonly name: string;
  readonly version: string;
  readonly value: string;
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly enabled: boolean;
  /** Unix seconds, as the wire carries them. */
  readonly created: number;
  readonly updated: number;
}

export interface SetSecretOptions {
  readonly contentType?: string;
  readonly tags?: Record<string, string>;
  readonly enabled?: boolean;
}

/** Every version of every secret of one emulated vault. */
export class SecretVault {
  readonly #baseUrl: string;
  readonly #now: () => Date;
  readonly #versions = new Map<string, SecretVersion[]>();

  constructor(baseUrl: string, now: () => Date = () => new Date()) {
    this.#baseUrl = baseUrl;
    this.#now = now;
    this.reset();
  }

  /** Drops every secret and restores the playground's. */
  reset(): void {
    this.#versions.clear();
    for (const [name, value] of Object.entries(playgroundSecrets(this.#baseUrl))) this.set(name, value);
  }

  /** Adds a new version, which becomes the current one (as Key Vault's Set Secret does). */
  set(name: string, value: string, options: SetSecretOptions = {}): SecretVersion {
    const timestamp = Math.floor(this.#now().getTime() / 1000);
    const version: SecretVersion = {
      name,
      version: randomUUID().replaceAll('-', ''),
      value,
      enabled: options.enabled ?? true,
      created: timestamp,
      updated: timestamp,
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      ...(options.tags === undefined ? {} : { tags: { ...options.tags } }),
    };
    const key = name.toLowerCase();
    this.#versions.set(key, [...(this.#versions.get(key) ?? []), version]);
    return version;
  }

  /** The current version, or the named one. Names are case-insensitive, as in Key Vault. */
  get(name: string, version?: string): SecretVersion | undefined {
    const versions = this.#versions.get(name.toLowerCase());
    if (!versions) return undefined;
    return version ? versions.find((candidate) => candidate.version === version) : versions.at(-1);
  }

  /** The current value of an enabled secret; what the other emulated services check credentials against. */
  currentValue(name: string): string | undefined {
    const current = this.get(name);
    return current?.enabled ? current.value : undefined;
  }

  names(): string[] {
    return [...this.#versions.values()].map((versions) => versions.at(-1)?.name).filter((name): name is string => !!name);
  }
}

const vaults = new WeakMap<EmulatorContext, SecretVault>();

/** The vault of one emulator instance, created (and seeded) on first use. */
export function secretVaultFor(context: EmulatorContext): SecretVault {
  let vault = vaults.get(context);
  if (!vault) {
    vault = new SecretVault(context.baseUrl, () => context.now());
    vaults.set(context, vault);
  }
  return vault;
}

const secretName = z.string().regex(/^[0-9a-zA-Z-]{1,127}$/);

const setSecretBody = z.object({
  value: z.string({ error: "The parameter 'value' is required" }),
  contentType: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  attributes: z.object({ enabled: z.boolean().optional() }).loose().optional(),
});

export function mount(router: Router, context: EmulatorContext): SecretVault {
  const vault = secretVaultFor(context);

  const authenticated = (handler: (request: EmulatorRequest) => EmulatorResponse) => async (request: EmulatorRequest) => {
    const failure = await authenticate(request, context);
    if (failure) return failure;
    if (!request.query.get('api-version')) return vaultError(400, 'BadParameter', 'The api-version query parameter is required.');
    return handler(request);
  };

  const read = authenticated((request) => {
    const name = request.params.name ?? '';
    const secret = vault.get(name, request.params.version);
    if (!secret) {
      const what = request.params.version ? `(name/id) ${name} with version ${request.params.version}` : `(name/id) ${name}`;
      return vaultError(404, 'SecretNotFound', `A secret with ${what} was not found in this key vault.`);
    }
    if (!secret.enabled) return vaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.');
    return { status: 200, body: bundleOf(context.baseUrl, secret) };
  });

  router.add('GET', '/secrets/{name}', read);
  router.add('GET', '/secrets/{name}/{version}', read);

  router.add(
    'GET',
    '/secrets',
    authenticated(() => ({
      status: 200,
      body: {
        value: vault.names().flatMap((name) => {
          const current = vault.get(name);
          return current ? [itemOf(context.baseUrl, current)] : [];
        }),
        nextLink: null,
      },
    })),
  );

  router.add(
    'PUT',
    '/secrets/{name}',
    authenticated((request) => {
      const name = request.params.name ?? '';
      if (!secretName.safeParse(name).success) {
        return vaultError(400, 'BadParameter', "The request URI contains an invalid name: secret names may contain only 0-9, a-z, A-Z and '-'.");
      }
      const parsed = setSecretBody.safeParse(request.body);
      if (!parsed.success) return vaultError(400, 'BadParameter', parsed.error.issues.map((issue) => issue.message).join('; '));
      const { value, contentType, tags, attributes } = parsed.data;
      const secret = vault.set(name, value, {
        ...(contentType === undefined ? {} : { contentType }),
        ...(tags === undefined ? {} : { tags }),
        ...(attributes?.enabled === undefined ? {} : { enabled: attributes.enabled }),
      });
      return { status: 200, body: bundleOf(context.baseUrl, secret) };
    }),
  );

  return vault;
}

async function authenticate(request: EmulatorRequest, context: EmulatorContext): Promise<EmulatorResponse | undefined> {
  const challenge = { 'www-authenticate': `Bearer authorization="${context.baseUrl}/idp", resource="${KEY_VAULT_RESOURCE}"` };
  const token = bearerTokenOf(request.headers);
  if (!token) return vaultError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', challenge);
  const verified = await context.verifyToken(token, KEY_VAULT_RESOURCE);
  if ('error' in verified) return vaultError(401, 'Unauthorized', `AKV10022: Invalid token: ${verified.error}.`, challenge);
  return undefined;
}

function bundleOf(baseUrl: string, secret: SecretVersion): Record<string, unknown> {
  return {
    value: secret.value,
    id: `${baseUrl}/secrets/${secret.name}/${secret.version}`,
    ...(secret.contentType === undefined ? {} : { contentType: secret.contentType }),
    ...(secret.tags === undefined ? {} : { tags: secret.tags }),
    attributes: attributesOf(secret),
  };
}

function itemOf(baseUrl: string, secret: SecretVersion): Record<string, unknown> {
  return {
    id: `${baseUrl}/secrets/${secret.name}`,
    ...(secret.contentType === undefined ? {} : { contentType: secret.contentType }),
    ...(secret.tags === undefined ? {} : { tags: secret.tags }),
    attributes: attributesOf(secret),
  };
}

function attributesOf(secret: SecretVersion): Record<string, unknown> {
  return {
    enabled: secret.enabled,
    created: secret.created,
    updated: secret.updated,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays: 90,
  };
}

function vaultError(status: number, code: string, message: string, headers?: Record<string, string>): EmulatorResponse {
  return { status, body: { error: { code, message } }, ...(headers ? { headers } : {}) };
}
