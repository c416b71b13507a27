/** Shared set-up for the governance tests: the emulator, Azurite and the app composed against them over real HTTPS. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteHandle } from '../../dev/azurite.js';
import { resourceEvent } from '../../dev/emulator/arm/resourceEvents.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../dev/emulator/server.js';
import { composeApp, productionAdapters, type App } from '../../src/composition.js';
import { loadConfig } from '../../src/config.js';
import type { ResourceWriteSuccessEvent } from '../../src/events/domainEvent.js';
import { parseEvent } from '../../src/events/parseDelivery.js';
import { InMemoryTelemetry } from '../../src/adapters/telemetry/telemetry.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { repositoryRoot } from './repositoryRoot.js';

export const SUB = '11111111-1111-1111-1111-111111111111';
export const RG = 'rg-mlops-demo';
export const WS = 'mlw-demo';
export const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.MachineLearningServices/workspaces/${WS}`;
export const computeIdOf = (name: string) => `${WORKSPACE_ID}/computes/${name}`;

const PLAYGROUND_POLICY = readFileSync(join(repositoryRoot, 'policy', 'playground.yaml'), 'utf8');

export interface GovernanceKit {
  readonly emulator: RunningEmulator;
  readonly azurite: AzuriteHandle;
  /** The app for the playground policy with `edit` applied to its text. */
  app(edit?: (policy: string) => string, options?: { readonly tablePrefix?: string }): App & { readonly telemetry: InMemoryTelemetry };
  close(): Promise<void>;
}

export async function startGovernanceKit(options: EmulatorOptions = {}): Promise<GovernanceKit> {
  const [emulator, azurite] = await Promise.all([startEmulator({ port: 0, seed: 'playground', lroPolls: 0, ...options }), startAzurite()]);
  const appRoot = mkdtempSync(join(tmpdir(), 'aml-warden-governance-'));
  writeFileSync(join(appRoot, 'host.json'), '{"version":"2.0"}');
  writeFileSync(join(appRoot, 'emulator-ca.pem'), emulator.caPem);
  let policies = 0;
  return {
    emulator,
    azurite,
    app(edit = (policy) => policy, settings = {}) {
      policies += 1;
      const file = `policy-${policies}.yaml`;
      writeFileSync(join(appRoot, file), edit(PLAYGROUND_POLICY.replaceAll('https://127.0.0.1:7443', emulator.url)));
      const config = loadConfig(
        {
          ...localAzureSettings({ emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString }, { policy: file, caFile: 'emulator-ca.pem' }),
          AML_WARDEN_TABLE_PREFIX: settings.tablePrefix ?? `t${policies}x${Math.random().toString(36).slice(2, 8)}`,
          AML_WARDEN_HTTP_TIMEOUT_MS: '10000',
        },
        { appRoot },
      );
      const telemetry = new InMemoryTelemetry(5000);
      return Object.assign(composeApp(config, productionAdapters(config, { telemetry })), { telemetry });
    },
    async close() {
      await Promise.all([emulator.close(), azurite.close()]);
      rmSync(appRoot, { recursive: true, force: true });
    },
  };
}

/** The ResourceWriteSuccess ARM raises for a resource, parsed as the app parses deliveries. */
export function writeEventFor(resourceId: string): ResourceWriteSuccessEvent {
  const raw = resourceEvent({ resourceId, operationName: 'Microsoft.MachineLearningServices/workspaces/computes/write', action: 'write', claims: {}, now: new Date() });
  const event = parseEvent(raw);
  if (event.kind !== 'ResourceWriteSuccess') throw new Error(`expected a ResourceWriteSuccess, got ${event.kind}`);
  return event;
}

/** Writes (anything but GET) the emulator answered for paths under `resourceId`. */
export function writesTo(emulator: RunningEmulator, resourceId: string) {
  const prefix = resourceId.toLowerCase();
  return emulator.calls().filter((call) => call.method !== 'GET' && (call.path.toLowerCase() === prefix || call.path.toLowerCase().startsWith(`${prefix}/providers/`)));
}

export const quietLog = { info: () => {}, warn: () => {}, error: () => {} };
