import { LOCAL_TENANT_ID, PLAYGROUND_API } from './emulator/idp.js';

/**
 * The app settings that point the app at a running emulator and Azurite — what `local.settings.sample.json`
 * says for the default ports, for any ports. Tests, benchmarks and the CLI tests spread it and add their own.
 */
export interface LocalAzure {
  /** `https://127.0.0.1:PORT` of the emulator. */
  readonly emulatorUrl: string;
  /** Azurite's connection string (Table and Queue services). */
  readonly azuriteConnectionString: string;
}

export function localAzureSettings(local: LocalAzure, files: { readonly policy: string; readonly caFile: string }): Record<string, string> {
  return {
    AML_WARDEN_POLICY: files.policy,
    AML_WARDEN_ARM_ENDPOINT: local.emulatorUrl,
    AML_WARDEN_CREDENTIAL: 'local',
    AML_WARDEN_LOCAL_IDP_URL: `${local.emulatorUrl}/idp`,
    AML_WARDEN_TLS_CA_FILE: files.caFile,
    AML_WARDEN_STATE_CONNECTION_STRING: local.azuriteConnectionString,
    AML_WARDEN_QUEUE: local.azuriteConnectionString,
    AML_WARDEN_KEYVAULT_URL: local.emulatorUrl,
    AML_WARDEN_AUTH_TENANT_ID: LOCAL_TENANT_ID,
    AML_WARDEN_AUTH_CLIENT_ID: PLAYGROUND_API.clientId,
    AML_WARDEN_AUTH_APP_ID_URI: PLAYGROUND_API.appIdUri,
    AML_WARDEN_AUTH_AUTHORITY: `${local.emulatorUrl}/idp`,
  };
}
