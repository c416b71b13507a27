/**
 * Every environment variable the app reads, with its default: one list, so docs, samples, infra and the
 * timer bindings can be checked against it. Dependency-free, because function registrations read it at
 * load time; `config.ts` is the one place that reads and validates the values.
 */
export const settingDefaults = {
  AML_WARDEN_POLICY: 'policy/default.yaml',
  AML_WARDEN_ARM_ENDPOINT: 'https://management.azure.com',
  AML_WARDEN_CREDENTIAL: 'default',
  AML_WARDEN_LOCAL_IDP_URL: undefined,
  AML_WARDEN_TLS_CA_FILE: undefined,
  AML_WARDEN_STATE_CONNECTION_STRING: undefined,
  AML_WARDEN_STATE_TABLE_URL: undefined,
  AML_WARDEN_TABLE_PREFIX: 'amlwarden',
  AML_WARDEN_KEYVAULT_URL: undefined,
  AML_WARDEN_SECRET_TTL_SECONDS: '300',
  APPLICATIONINSIGHTS_CONNECTION_STRING: undefined,
  AML_WARDEN_QUEUE: undefined,
  AML_WARDEN_QUEUE__queueServiceUri: undefined,
  AML_WARDEN_SWEEP_SCHEDULE: '0 0 */6 * * *',
  AML_WARDEN_EXPIRY_SCHEDULE: '0 */15 * * * *',
  AML_WARDEN_AUTH_TENANT_ID: undefined,
  AML_WARDEN_AUTH_CLIENT_ID: undefined,
  AML_WARDEN_AUTH_APP_ID_URI: undefined,
  AML_WARDEN_AUTH_AUTHORITY: 'https://login.microsoftonline.com',
  // The console's sign-in; each defaults to what the API's settings above imply (config.ts).
  AML_WARDEN_CONSOLE_CLIENT_ID: undefined,
  AML_WARDEN_CONSOLE_API_SCOPE: undefined,
  AML_WARDEN_CONSOLE_AUTHORITY: undefined,
  AML_WARDEN_CONSOLE_URL: undefined,
  AML_WARDEN_EVENTS_SECRET_NAME: undefined,
  AML_WARDEN_EVENTS_ROLE: 'AzureEventGridSecureWebhookSubscriber',
  AML_WARDEN_EVENTS_MAX_BATCH: '5000',
  AML_WARDEN_STUDIO_URL: 'https://ml.azure.com',
  AML_WARDEN_HTTP_TIMEOUT_MS: '10000',
  AZURE_CLIENT_ID: undefined,
} as const satisfies Record<string, string | undefined>;

type ScheduleSetting = 'AML_WARDEN_SWEEP_SCHEDULE' | 'AML_WARDEN_EXPIRY_SCHEDULE';

/**
 * A timer's `schedule` binding. The host resolves `%SETTING%` from the app settings, so the schedule changes
 * without a redeploy — but it refuses to index a timer whose setting is missing. So the expression is used
 * when the setting is present, and the documented default otherwise.
 */
export function timerScheduleBinding(setting: ScheduleSetting, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[setting];
  return value !== undefined && value.trim() !== '' ? `%${setting}%` : settingDefaults[setting];
}
