import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

// The app is loaded only by the host here: importing a function file first would register it before the host's core API exists.
const entry = join(repositoryRoot, 'src', 'index.ts');

interface FunctionStatus {
  readonly name: string;
  readonly trigger: string;
  readonly error?: string;
  readonly bindings: readonly { type: string; direction: string; route?: string; methods?: string[]; authLevel?: string; schedule?: string; queueName?: string; connection?: string }[];
}

/** The contract infra's Event Grid subscriptions, callers and the host rely on (DESIGN "Contracts"). */
const expectedTriggers: Record<string, Record<string, unknown>> = {
  amlEvents: { type: 'eventGridTrigger' },
  resourceEvents: { type: 'eventGridTrigger' },
  eventsWebhook: { type: 'httpTrigger', route: 'events', methods: ['POST', 'OPTIONS'], authLevel: 'anonymous' },
  // Schedules come from the app settings (values below differ from the defaults, so a hard-coded schedule fails).
  complianceSweep: { type: 'timerTrigger', schedule: '0 15 */4 * * *' },
  computeRequestsExpiry: { type: 'timerTrigger', schedule: '0 */7 * * * *' },
  // Background work runs on Storage queues through the identity-based connection AML_WARDEN_QUEUE.
  computeRequestProvisioning: { type: 'queueTrigger', queueName: 'aml-warden-provisioning', connection: 'AML_WARDEN_QUEUE' },
  notificationFlush: { type: 'queueTrigger', queueName: 'aml-warden-burst-flush', connection: 'AML_WARDEN_QUEUE' },
  sweepSlice: { type: 'queueTrigger', queueName: 'aml-warden-sweep-slices', connection: 'AML_WARDEN_QUEUE' },
  sweepSlicePoison: { type: 'queueTrigger', queueName: 'aml-warden-sweep-slices-poison', connection: 'AML_WARDEN_QUEUE' },
  health: { type: 'httpTrigger', route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  openapi: { type: 'httpTrigger', route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous' },
  // Read-only views for operators: the stored sweep reports and the model CD ledger.
  sweepReports: { type: 'httpTrigger', route: 'sweep-reports', methods: ['GET'], authLevel: 'anonymous' },
  sweepReportById: { type: 'httpTrigger', route: 'sweep-reports/{runId}', methods: ['GET'], authLevel: 'anonymous' },
  cdRuns: { type: 'httpTrigger', route: 'cd-runs', methods: ['GET'], authLevel: 'anonymous' },
  // Azure Monitor alerts from an action group's secure webhook (model monitoring → retraining).
  monitorAlerts: { type: 'httpTrigger', route: 'monitor-alerts', methods: ['POST'], authLevel: 'anonymous' },
  // The web console's page and files: public, under the route prefix (`/api/console/…`).
  console: { type: 'httpTrigger', route: 'console/{*path}', methods: ['GET', 'HEAD'], authLevel: 'anonymous' },
  computeRequests: { type: 'httpTrigger', route: 'compute-requests', authLevel: 'anonymous' },
  computeRequestById: { type: 'httpTrigger', route: 'compute-requests/{id}', methods: ['GET'], authLevel: 'anonymous' },
  computeRequestAllowances: { type: 'httpTrigger', route: 'compute-requests/options', methods: ['GET'], authLevel: 'anonymous' },
  computeRequestApprove: { type: 'httpTrigger', route: 'compute-requests/{id}/approve', methods: ['POST'], authLevel: 'anonymous' },
  computeRequestReject: { type: 'httpTrigger', route: 'compute-requests/{id}/reject', methods: ['POST'], authLevel: 'anonymous' },
};

describe('the functions the app registers', () => {
  let host: FunctionsHost;

  beforeAll(async () => {
    host = await startHost({
      entry,
      port: 0,
      timers: false,
      queues: false,
      log: () => {},
      env: { AML_WARDEN_SWEEP_SCHEDULE: '0 15 */4 * * *', AML_WARDEN_EXPIRY_SCHEDULE: '0 */7 * * * *' },
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('carry the binding metadata of the contract: trigger type, route, methods, auth level, schedule', async () => {
    const response = await fetch(`${host.url}/admin/functions`, { headers: { 'x-functions-key': host.keys.masterKey } });
    const functions = (await response.json()) as FunctionStatus[];
    expect(functions.map((fn) => fn.name).sort()).toEqual(Object.keys(expectedTriggers).sort());
    for (const fn of functions) {
      expect(fn.error, fn.name).toBeUndefined();
      const trigger = fn.bindings.find((binding) => binding.direction === 'in' && binding.type.endsWith('Trigger'));
      expect(trigger, fn.name).toMatchObject(expectedTriggers[fn.name] ?? {});
    }
    const collection = functions.find((fn) => fn.name === 'computeRequests')?.bindings.find((binding) => binding.type === 'httpTrigger');
    expect([...(collection?.methods ?? [])].sort()).toEqual(['GET', 'POST']);
  });

  it('are exactly the function names GET /api/health reports', async () => {
    const { appFunctionNames } = await import('../../src/functions/health.js');
    expect([...appFunctionNames].sort()).toEqual(host.functions.map((fn) => fn.name).sort());
  });
});
