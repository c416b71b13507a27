/**
 * Secrets from Key Vault, cached for a TTL so a burst of events costs one read.
 * Values never leave this module except to the caller: errors name the secret, never its value.
 * `@azure/keyvault-secrets` is imported on first use.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { SecretClient } from '@azure/keyvault-secrets';
import type { CredentialKind } from '../../config.js';
import { AppError } from '../../errors.js';
import { azureErrorFacts, fromAzureError } from '../azureErrors.js';
import { perRetryPolicies } from '../pipelinePolicies.js';

const MODULE = 'secrets';

export interface SecretStore {
  /** The secret's current value (cached up to the TTL). */
  getSecret(name: string): Promise<string>;
}

export interface SecretStoreOptions {
  readonly keyVaultUrl: string | undefined;
  readonly credential: TokenCredential;
  /** `local`: the emulator's challenge names a resource that is not a vault host, so resource verification is off. */
  readonly credentialKind: CredentialKind;
  readonly ttlSeconds: number;
  readonly timeoutMs: number;
  readonly ca?: string | undefined;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

export function createSecretStore(options: SecretStoreOptions): SecretStore {
  return new KeyVaultSecretStore(options);
}

class KeyVaultSecretStore implements SecretStore {
  readonly #options: SecretStoreOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, { readonly value: string; readonly expiresAt: number }>();
  // Concurrent misses for one name share a single read.
  readonly #inFlight = new Map<string, Promise<string>>();
  #client: Promise<SecretClient> | undefined;

  constructor(options: SecretStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async getSecret(name: string): Promise<string> {
    const cached = this.#cache.get(name);
    if (cached !== undefined && this.#now() < cached.expiresAt) return cached.value;
    let pending = this.#inFlight.get(name);
    if (pending === undefined) {
      pending = this.#read(name).finally(() => this.#inFlight.delete(name));
      this.#inFlight.set(name, pending);
    }
    return pending;
  }

  async #read(name: string): Promise<string> {
    const client = await this.#getClient();
    let value: string | undefined;
    try {
      const secret = await client.getSecret(name);
      value = secret.properties.enabled === false ? undefined : secret.value;
    } catch (error) {
      const { statusCode } = azureErrorFacts(error);
      if (statusCode === 404) {
        throw new AppError('ConfigurationError', `Key Vault secret '${name}' not found`, { target: name, module: MODULE });
      }
      if (statusCode === 401 || statusCode === 403) {
        throw new AppError('ConfigurationError', `Key Vault denied reading secret '${name}' (${statusCode})`, { target: name, module: MODULE });
      }
      throw fromAzureError(error, `Reading Key Vault secret '${name}'`, { module: MODULE, target: name });
    }
    if (value === undefined) {
      throw new AppError('ConfigurationError', `Key Vault secret '${name}' has no enabled value`, { target: name, module: MODULE });
    }
    if (this.#options.ttlSeconds > 0) this.#cache.set(name, { value, expiresAt: this.#now() + this.#options.ttlSeconds * 1000 });
    return value;
  }

  #getClient(): Promise<SecretClient> {
    const { keyVaultUrl, credential, credentialKind, ca, timeoutMs } = this.#options;
    if (keyVaultUrl === undefined) {
      return Promise.reject(
        new AppError('ConfigurationError', 'AML_WARDEN_KEYVAULT_URL: is required to read secrets', { target: 'AML_WARDEN_KEYVAULT_URL', module: MODULE }),
      );
    }
    this.#client ??= import('@azure/keyvault-secrets').then(
      ({ SecretClient: Client }) =>
        new Client(keyVaultUrl, credential, {
          disableChallengeResourceVerification: credentialKind === 'local',
          ...(ca === undefined ? {} : { tlsOptions: { ca } }),
          retryOptions: { maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 10_000 },
          additionalPolicies: perRetryPolicies(timeoutMs),
          userAgentOptions: { userAgentPrefix: 'aml-warden' },
        }),
    );
    return this.#client;
  }
}
