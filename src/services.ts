/**
 * The services root: every adapter the use cases need, built once per process from the configuration.
 * Building is cheap — each adapter imports its SDK on first use — so the app's entry stays light.
 */
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { getConfig, type Config } from './config.js';
import { createCredential } from './adapters/identity/credential.js';
import { createMachineLearningClientFactory } from './adapters/arm/machineLearning.js';
import { createHttpClient, type HttpClient } from './adapters/http/httpClient.js';
import { createSecretStore, type SecretStore } from './adapters/keyvault/secrets.js';
import { createStateStore, type StateStore } from './adapters/tables/tableState.js';
import { createTelemetry, type Telemetry } from './adapters/telemetry/telemetry.js';

export interface Services {
  readonly config: Config;
  readonly http: HttpClient;
  readonly credential: TokenCredential;
  /** The Azure ML management client for a subscription (cached per subscription). */
  arm(subscriptionId: string): Promise<AzureMachineLearningWorkspaces>;
  readonly state: StateStore;
  readonly secrets: SecretStore;
  readonly telemetry: Telemetry;
}

export interface ServiceOverrides {
  /** Replace adapters (e.g. an in-memory telemetry a test inspects). */
  readonly telemetry?: Telemetry;
  readonly credential?: TokenCredential;
}

/** Builds the services for a configuration; tests point one at their own emulator and Azurite. */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  const { settings, tlsCa } = config;
  const http = createHttpClient({ timeoutMs: settings.httpTimeoutMs, ca: tlsCa });
  const credential = overrides.credential ?? createCredential(settings, http);
  const arm = createMachineLearningClientFactory({ armEndpoint: settings.armEndpoint, credential, timeoutMs: settings.httpTimeoutMs, ca: tlsCa });
  return {
    config,
    http,
    credential,
    arm,
    state: createStateStore({ state: settings.state, tablePrefix: settings.tablePrefix, credential, timeoutMs: settings.httpTimeoutMs, ca: tlsCa }),
    secrets: createSecretStore({
      keyVaultUrl: settings.keyVaultUrl,
      credential,
      credentialKind: settings.credential,
      ttlSeconds: settings.secretTtlSeconds,
      timeoutMs: settings.httpTimeoutMs,
      ca: tlsCa,
    }),
    telemetry:
      overrides.telemetry ??
      createTelemetry({
        connectionString: settings.appInsightsConnectionString,
        flushTimeoutMs: settings.httpTimeoutMs,
        // Telemetry must never fail an invocation; say why it is missing, without the connection string.
        onError: (error) => console.warn(`Telemetry unavailable: ${error instanceof Error ? error.name : typeof error}`),
      }),
  };
}

let processServices: Services | undefined;

/** The process's services, built on first use from `getConfig()` (throws its ConfigurationError/PolicyFileError). */
export async function getServices(): Promise<Services> {
  processServices ??= createServices(getConfig());
  return processServices;
}

/** Installs the services every function will get (the offline host in tests); `undefined` goes back to building from settings. */
export function setServicesForProcess(services: Services | undefined): void {
  processServices = services;
}

/** The services if something already built them; never builds (for /api/health, which must not fail because of them). */
export function peekServices(): Services | undefined {
  return processServices;
}
