/**
 * Events: 1,000 ModelRegistered deliveries (200 distinct retrained versions, each delivered 5 times, 50 at once)
 * through the offline host's Event Grid endpoint, against the emulator and Azurite. It must start exactly 200 CD
 * runs. Reports deliveries per second, p50/p99 latency of a delivery, and outbound calls per delivery as the
 * emulator saw them (ARM, identity provider, Key Vault, Azure DevOps; table operations go to Azurite and are not
 * counted there).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { startAzurite } from '../dev/azurite.js';
import { startEmulator } from '../dev/emulator/server.js';
import { startHost } from '../dev/host/host.js';
import { composeApp, setAppForProcess } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import type { Benchmark, BenchContext } from './benchmark.js';
import { describeMachine, machineLine, writeSection } from './report.js';
import { percentile, round } from './stats.js';
import { retrainedModelsPolicy } from '../dev/playgroundPolicy.js';
import { localAzureSettings } from '../dev/localAzureSettings.js';

export const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
const RESOURCE_GROUP = 'rg-mlops-demo';
const WORKSPACE = 'mlw-demo';
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;

export interface EventsBenchOptions {
  readonly versions: number;
  readonly copies: number;
  readonly concurrency: number;
}

export interface EventsBenchResult extends EventsBenchOptions {
  readonly deliveries: number;
  /** Deliveries the host answered with something other than 200 (then redelivered, as Event Grid would). */
  readonly redeliveries: number;
  readonly cdRuns: number;
  readonly distinctVersionsRun: number;
  readonly wallMs: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly outboundCallsPerEvent: number;
  readonly callsByService: Readonly<Record<string, number>>;
}

function serviceOf(path: string): string {
  if (path.startsWith('/ado/')) return 'Azure DevOps';
  if (path.startsWith('/idp')) return 'identity provider';
  if (path.startsWith('/secrets')) return 'Key Vault';
  if (path.startsWith('/subscriptions/')) return 'ARM';
  return 'other';
}

export async function measureEvents(root: string, options: EventsBenchOptions = { versions: 200, copies: 5, concurrency: 50 }, log: (line: string) => void = () => {}): Promise<EventsBenchResult> {
  const [emulator, azurite] = await Promise.all([startEmulator({ port: 0, seed: 'playground' }), startAzurite()]);
  const appRoot = mkdtempSync(join(tmpdir(), 'aml-warden-bench-events-'));
  try {
    writeFileSync(join(appRoot, 'host.json'), '{"version":"2.0"}');
    writeFileSync(join(appRoot, 'emulator-ca.pem'), emulator.caPem);
    writeFileSync(join(appRoot, 'policy.yaml'), retrainedModelsPolicy(emulator.url));
    const env: Record<string, string> = {
      ...localAzureSettings(
        { emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString },
        { policy: join(appRoot, 'policy.yaml'), caFile: join(appRoot, 'emulator-ca.pem') },
      ),
      AML_WARDEN_SWEEP_SCHEDULE: '0 0 */6 * * *',
    };
    const app = composeApp(loadConfig(env, { appRoot }));
    setAppForProcess(app);
    const host = await startHost({ entry: join(root, 'dist', 'src', 'index.js'), port: 0, timers: false, env, log: () => {} });
    try {
      log(`seeding ${options.versions} model versions and their jobs`);
      const names = Array.from({ length: options.versions }, (_, index) => ({ name: `bench-model-${index % 20}`, version: String(Math.floor(index / 20) + 1) }));
      await seedRetrainedVersions(await app.adapters.arm(SUBSCRIPTION), names);

      // Each version's copies sit together, so with 50 workers they arrive concurrently, as redeliveries can.
      const deliveries = names.flatMap((model, index) => Array.from({ length: options.copies }, () => modelRegisteredEvent(`bench-${index}`, model)));
      // Warm-up is not measured: one delivery that starts nothing (no such version) loads the use cases and SDKs.
      await deliverToAmlEvents(host.eventGridUrl('amlEvents'), modelRegisteredEvent('warm-up', { name: 'none', version: '1' }));
      emulator.resetCalls();

      log(`delivering ${deliveries.length} events, ${options.concurrency} at once`);
      const latencies: number[] = [];
      let redeliveries = 0;
      let next = 0;
      const started = performance.now();
      const worker = async (): Promise<void> => {
        while (next < deliveries.length) {
          const event = deliveries[next++];
          for (let attempt = 0; ; attempt += 1) {
            const sent = performance.now();
            const status = await deliverToAmlEvents(host.eventGridUrl('amlEvents'), event);
            latencies.push(performance.now() - sent);
            if (status === 200) break;
            redeliveries += 1;
            if (attempt > 5) throw new Error(`delivery ${String(event?.['id'])} kept failing (${status})`);
            // Event Grid backs off before redelivering (10 s, 30 s, 1 min, …); scaled down here so the run stays short.
            await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
      const wallMs = performance.now() - started;

      const runs = emulator.devops.runs({ pipelineId: 1 });
      const calls = emulator.calls();
      const callsByService: Record<string, number> = {};
      for (const call of calls) callsByService[serviceOf(call.path)] = (callsByService[serviceOf(call.path)] ?? 0) + 1;
      return {
        ...options,
        deliveries: deliveries.length,
        redeliveries,
        cdRuns: runs.length,
        distinctVersionsRun: new Set(runs.map((run) => `${run.templateParameters['modelName']}:${run.templateParameters['modelVersion']}`)).size,
        wallMs,
        eventsPerSecond: deliveries.length / (wallMs / 1000),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        outboundCallsPerEvent: calls.length / deliveries.length,
        callsByService,
      };
    } finally {
      await host.close();
      setAppForProcess(undefined);
    }
  } finally {
    await Promise.all([emulator.close(), azurite.close()]);
    rmSync(appRoot, { recursive: true, force: true });
  }
}

export interface ModelVersionName {
  readonly name: string;
  readonly version: string;
}

/** Registers each model version through ARM with a job in the experiment `retrain-bench`, so the policy's rule matches it. */
export async function seedRetrainedVersions(client: AzureMachineLearningWorkspaces, models: readonly ModelVersionName[]): Promise<void> {
  for (const model of models) {
    const jobName = `${model.name}-${model.version}-job`;
    await client.jobs.createOrUpdate(RESOURCE_GROUP, WORKSPACE, jobName, {
      properties: { jobType: 'Command', experimentName: 'retrain-bench', command: 'python train.py', environmentId: 'azureml:env:1' },
    } as Parameters<typeof client.jobs.createOrUpdate>[3]);
    await client.modelVersions.createOrUpdate(RESOURCE_GROUP, WORKSPACE, model.name, model.version, { properties: { jobName } });
  }
}

/** The playground workspace's ModelRegistered event for a version, in Event Grid's schema. */
export function modelRegisteredEvent(id: string, model: ModelVersionName): Record<string, unknown> {
  return {
    id,
    topic: WORKSPACE_ID,
    subject: `models/${model.name}:${model.version}`,
    eventType: 'Microsoft.MachineLearningServices.ModelRegistered',
    eventTime: new Date().toISOString(),
    data: { ModelName: model.name, ModelVersion: Number(model.version), ModelTags: {}, ModelProperties: {} },
    dataVersion: '',
    metadataVersion: '1',
  };
}

/** POSTs one event to `amlEvents` as Event Grid delivers it, to its webhook URL (with the system key); returns the host's status. */
export async function deliverToAmlEvents(webhookUrl: string, event: unknown): Promise<number> {
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
    body: JSON.stringify([event]),
  });
  await response.arrayBuffer();
  return response.status;
}

export function eventsMarkdown(result: EventsBenchResult, machine: string, date: Date): string {
  const verdict = result.cdRuns === result.versions && result.distinctVersionsRun === result.versions ? 'exactly once ✔' : 'NOT exactly once ✘';
  const byService = Object.entries(result.callsByService)
    .sort(([, a], [, b]) => b - a)
    .map(([service, count]) => `${service} ${round(count / result.deliveries, 2)}`)
    .join(', ');
  return [
    '## Events: ModelRegistered → model CD',
    '',
    `Measured ${date.toISOString().slice(0, 10)} on ${machine}. ${result.deliveries} deliveries (${result.versions} distinct versions × ${result.copies}, ${result.concurrency} concurrent) through the offline host's Event Grid endpoint, against the emulator (HTTPS) and Azurite. The delivery that decides a version re-reads it and its job from ARM and records the decision; duplicates answer from that decision and the Table Storage CD ledger.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| CD runs started | ${result.cdRuns} for ${result.distinctVersionsRun} distinct versions — ${verdict} |`,
    `| deliveries answered non-200 and redelivered | ${result.redeliveries} |`,
    `| throughput | ${round(result.eventsPerSecond, 1)} events/s (${round(result.wallMs / 1000, 2)} s wall) |`,
    `| delivery latency p50 / p99 | ${round(result.p50Ms, 1)} ms / ${round(result.p99Ms, 1)} ms |`,
    `| outbound calls per event (emulator) | ${round(result.outboundCallsPerEvent, 2)} (${byService}) |`,
    '',
    'Table operations (decision record, ledger claim and settle) go to Azurite and are not in the call count. A version costs two ARM reads once; a duplicate costs no ARM read when its decision and every matching target are settled (started, or failed for good; a duplicate waits a moment for a live holder, and fails for redelivery if it is still at work), and two when it must take the full path (no decision yet after a short wait, or a released or stale claim). Only claim holders call Azure DevOps and Key Vault (the PAT is cached for its TTL).',
  ].join('\n');
}

export const benchmark: Benchmark = {
  name: 'events',
  description: '1,000 ModelRegistered deliveries (200 versions × 5, 50 concurrent) → exactly 200 CD runs',
  async run(context: BenchContext) {
    const result = await measureEvents(context.root, undefined, context.log);
    const markdown = eventsMarkdown(result, machineLine(describeMachine()), new Date());
    context.log(markdown);
    await writeSection(context.reportFile, 'events', markdown);
    if (result.cdRuns !== result.versions) throw new Error(`expected ${result.versions} CD runs, got ${result.cdRuns}`);
  },
};
