/**
 * The app's identity towards Azure: managed identity (DefaultAzureCredential) in Azure, or the local
 * identity provider of `npm start`. Everything else only sees a `TokenCredential`, so the same code
 * runs against Azure with only settings changed.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { z } from 'zod';
import type { Settings } from '../../config.js';
import { AppError } from '../../errors.js';
import { assertSuccess, type HttpClient } from '../http/httpClient.js';

const MODULE = 'credential';

/** Refresh this long before a token expires, so a token never expires in flight. */
const REFRESH_MARGIN_MS = 5 * 60_000;

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  token_type: z.string().optional(),
});

/** A client-credentials `TokenCredential` for the local identity provider (`POST <idp>/token`). */
export class LocalIdpCredential implements TokenCredential {
  readonly #tokenUrl: string;
  readonly #clientId: string;
  readonly #http: HttpClient;
  readonly #now: () => number;
  readonly #cache = new Map<string, AccessToken>();
  readonly #inFlight = new Map<string, Promise<AccessToken>>();

  constructor(idpUrl: string, http: HttpClient, options: { clientId?: string; now?: () => number } = {}) {
    this.#tokenUrl = `${idpUrl.replace(/\/+$/, '')}/token`;
    this.#clientId = options.clientId ?? 'aml-warden';
    this.#http = http;
    this.#now = options.now ?? Date.now;
  }

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const scope = (Array.isArray(scopes) ? scopes : [scopes]).join(' ');
    const cached = this.#cache.get(scope);
    if (cached !== undefined && this.#now() < (cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp)) return cached;
    let pending = this.#inFlight.get(scope);
    if (pending === undefined) {
      pending = this.#fetchToken(scope).finally(() => this.#inFlight.delete(scope));
      this.#inFlight.set(scope, pending);
    }
    return pending;
  }

  async #fetchToken(scope: string): Promise<AccessToken> {
    const response = await this.#http.request({
      method: 'POST',
      url: this.#tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.#clientId, scope }).toString(),
    });
    assertSuccess(response, 'The identity provider');
    const parsed = tokenResponseSchema.safeParse(response.json());
    if (!parsed.success) {
      throw new AppError('UpstreamPermanent', 'The identity provider answered without a usable access token', { module: MODULE });
    }
    const issuedAt = this.#now();
    const lifetimeMs = parsed.data.expires_in * 1000;
    const token: AccessToken = {
      token: parsed.data.access_token,
      tokenType: 'Bearer',
      expiresOnTimestamp: issuedAt + lifetimeMs,
      // Short-lived tokens refresh at half their life rather than never being reused.
      refreshAfterTimestamp: issuedAt + Math.max(lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs / 2),
    };
    this.#cache.set(scope, token);
    return token;
  }
}

/** DefaultAzureCredential, imported on the first token request so the entry stays light. */
export class LazyDefaultAzureCredential implements TokenCredential {
  readonly #managedIdentityClientId: string | undefined;
  readonly #timeoutMs: number;
  #credential: Promise<TokenCredential> | undefined;

  constructor(options: { managedIdentityClientId: string | undefined; timeoutMs: number }) {
    this.#managedIdentityClientId = options.managedIdentityClientId;
    this.#timeoutMs = options.timeoutMs;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.#credential ??= import('@azure/identity').then(
      ({ DefaultAzureCredential }) =>
        new DefaultAzureCredential({
          // A user-assigned identity is chosen by AZURE_CLIENT_ID; absent, the system-assigned one is used.
          ...(this.#managedIdentityClientId === undefined ? {} : { managedIdentityClientId: this.#managedIdentityClientId }),
          retryOptions: { maxRetries: 2 },
        }),
    );
    const credential = await this.#credential;
    return credential.getToken(scopes, {
      ...options,
      requestOptions: { timeout: options?.requestOptions?.timeout ?? this.#timeoutMs },
    });
  }
}

/** The credential the settings ask for. */
export function createCredential(settings: Settings, http: HttpClient): TokenCredential {
  if (settings.credential === 'local') {
    if (settings.localIdpUrl === undefined) {
      throw new AppError('ConfigurationError', 'AML_WARDEN_LOCAL_IDP_URL: is required when AML_WARDEN_CREDENTIAL is "local"', {
        target: 'AML_WARDEN_LOCAL_IDP_URL',
        module: MODULE,
      });
    }
    return new LocalIdpCredential(settings.localIdpUrl, http);
  }
  return new LazyDefaultAzureCredential({ managedIdentityClientId: settings.managedIdentityClientId, timeoutMs: settings.httpTimeoutMs });
}
