/**
 * First event: what a fresh app instance costs before it has done anything. Each run spawns a new offline host
 * process on the app's entry (bundle and unbundled, interleaved) against one emulator and Azurite, and times
 * spawn → listening, then the first ModelRegistered delivery → its 200 (the lazy SDKs load, a token is fetched,
 * ARM is re-read, the claim is written to Table Storage, the Azure DevOps run starts), then a second version's
 * delivery on the same, now warm, process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startAzurite } from '../dev/azurite.js';
import { startEmulator, type RunningEmulator } from '../dev/emulator/server.js';
import { eventGridWebhookUrl, readOrCreateHostKeys, type HostKeys } from '../dev/host/hostKeys.js';
import { onEachLine } from '../dev/outputLines.js';
import { findFreePort, LOOPBACK } from '../dev/ports.js';
import { playgroundEnvironment } from '../dev/start.js';
import { composeApp } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import type { Benchmark, BenchContext } from './benchmark.js';
import { deliverToAmlEvents, modelRegisteredEvent, seedRetrainedVersions, SUBSCRIPTION, type ModelVersionName } from './events.js';
import { describeMachine, machineLine, writeSection } from './report.js';
import { median, percentile, round } from './stats.js';
import { retrainedModelsPolicy } from '../dev/playgroundPolicy.js';

const MODEL_NAME = 'first-event-model';
/** The pipeline the benchmark's policy starts for a retrained version. */
const PIPELINE_ID = 1;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface FirstEventVariant {
  readonly name: string;
  readonly entry: string;
}

export interface Figure {
  readonly medianMs: number;
  readonly p90Ms: number;
}

export interface FirstEventSample {
  readonly variant: string;
  /** Spawn until the host prints its functions (it listens by then). */
  readonly listening: Figure;
  /** The first delivery's POST until its 200. */
  readonly firstEvent: Figure;
  /** Spawn until the first delivery's 200: what a scaled-out instance adds to the event that woke it. */
  readonly spawnToFirstAnswer: Figure;
  /** A second version's delivery on the same process. */
  readonly secondEvent: Figure;
  /** Timed deliveries of this variant that started their Azure DevOps run, of `deliveries`. */
  readonly cdRuns: number;
  readonly deliveries: number;
  /** Why the app dropped a delivery instead of starting its run, as it logged it (the first such line). */
  readonly dropped?: string;
}

export interface FirstEventResult {
  readonly runs: number;
  readonly samples: readonly FirstEventSample[];
}

interface RunTimes {
  readonly listeningMs: number;
  readonly firstEventMs: number;
  readonly secondEventMs: number;
  /** Of the two deliveries, how many started their run. */
  readonly cdRuns: number;
  readonly dropped: string | undefined;
}

export function firstEventVariants(root: string): FirstEventVariant[] {
  return [
    { name: 'bundle `out/package/main.js`', entry: join(root, 'out', 'package', 'main.js') },
    { name: 'unbundled `dist/src/index.js`', entry: join(root, 'dist', 'src', 'index.js') },
  ];
}

export async function measureFirstEvent(root: string, runs = 10, log: (line: string) => void = () => {}): Promise<FirstEventResult> {
  const variants = firstEventVariants(root);
  const hostMain = join(root, 'dist', 'dev', 'host', 'main.js');
  for (const file of [hostMain, ...variants.map((variant) => variant.entry)]) {
    if (!existsSync(file)) throw new Error(`${relative(root, file)} is missing; run npm run build && npm run package`);
  }
  const appRoot = mkdtempSync(join(tmpdir(), 'aml-warden-bench-first-event-'));
  const [emulator, azurite] = await Promise.all([startEmulator({ port: 0, seed: 'playground' }), startAzurite()]);
  try {
    const caFile = join(appRoot, 'emulator-ca.pem');
    writeFileSync(caFile, emulator.caPem);
    writeFileSync(join(appRoot, 'policy.yaml'), retrainedModelsPolicy(emulator.url));
    const keysFile = join(appRoot, 'host-keys.json');
    readOrCreateHostKeys(keysFile);
    const env = playgroundEnvironment(
      // Settings the playground's local.settings.json gives the app besides the addresses this fills in.
      { AML_WARDEN_POLICY: join(appRoot, 'policy.yaml') },
      { cwd: appRoot, emulatorUrl: emulator.url, caFile, azuriteConnectionString: azurite.connectionString, azuriteTableUrl: azurite.tableUrl },
    );

    // Two versions per process: the first event and the warm comparison. One untimed round per variant first
    // warms the file cache and creates the state tables, as a deployed app finds them.
    const rounds = runs + 1;
    const models: ModelVersionName[] = Array.from({ length: rounds * variants.length * 2 }, (_, index) => ({ name: MODEL_NAME, version: String(index + 1) }));
    log(`seeding ${models.length} retrained model versions and their jobs`);
    await seedRetrainedVersions(await composeApp(loadConfig(env, { appRoot })).adapters.arm(SUBSCRIPTION), models);

    const times = new Map<string, RunTimes[]>(variants.map((variant) => [variant.name, []]));
    let nextModel = 0;
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no variant always runs right after another.
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(round + i) % variants.length] as FirstEventVariant;
        const pair = [models[nextModel++], models[nextModel++]] as [ModelVersionName, ModelVersionName];
        const measured = await runOnce({ root, hostMain, entry: variant.entry, env, emulator, models: pair, keysFile });
        if (round > 0) times.get(variant.name)?.push(measured);
      }
      log(round === 0 ? 'warm-up round done' : `round ${round}/${runs} done`);
    }

    const figure = (values: readonly number[]): Figure => ({ medianMs: round(median(values)), p90Ms: round(percentile(values, 90)) });
    const samples = variants.map((variant) => {
      const measured = times.get(variant.name) ?? [];
      return {
        variant: variant.name,
        listening: figure(measured.map((run) => run.listeningMs)),
        firstEvent: figure(measured.map((run) => run.firstEventMs)),
        spawnToFirstAnswer: figure(measured.map((run) => run.listeningMs + run.firstEventMs)),
        secondEvent: figure(measured.map((run) => run.secondEventMs)),
        cdRuns: measured.reduce((total, run) => total + run.cdRuns, 0),
        deliveries: measured.length * 2,
        dropped: measured.find((run) => run.dropped !== undefined)?.dropped,
      };
    });
    return { runs, samples };
  } finally {
    await Promise.all([emulator.close(), azurite.close()]);
    rmSync(appRoot, { recursive: true, force: true });
  }
}

interface RunInput {
  readonly root: string;
  readonly hostMain: string;
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  readonly emulator: RunningEmulator;
  readonly models: readonly [ModelVersionName, ModelVersionName];
  /** The host's keys, shared by every process so the webhook URL stays the same. */
  readonly keysFile: string;
}

/** One fresh host process: spawn → listening, first delivery, second delivery; the process is gone on return. */
async function runOnce(input: RunInput): Promise<RunTimes> {
  const port = await findFreePort();
  const hostUrl = `http://${LOOPBACK}:${port}`;
  const started = performance.now();
  const keys = readOrCreateHostKeys(input.keysFile);
  const child = spawn(process.execPath, [input.hostMain, '--port', String(port), '--entry', input.entry, '--no-timers', '--keys-file', input.keysFile], {
    cwd: input.root,
    env: { ...process.env, NODE_OPTIONS: '', ...input.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const output: string[] = [];
  try {
    await listening(child, output);
    const listeningMs = performance.now() - started;
    const first = await timedDelivery(hostUrl, keys, input.models[0], input.emulator, output);
    const second = await timedDelivery(hostUrl, keys, input.models[1], input.emulator, output);
    return {
      listeningMs,
      firstEventMs: first.elapsedMs,
      secondEventMs: second.elapsedMs,
      cdRuns: Number(first.started) + Number(second.started),
      dropped: output.find((line) => line.includes('Dropped event'))?.replace(/^\[[^\]]*\]\s*/, ''),
    };
  } finally {
    await stop(child);
    process.removeListener('exit', killOnExit);
  }
}

/** Resolves once the host prints its functions, which it does after it listens; rejects if it exits first. */
async function listening(child: ChildProcess, output: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not listen within ${START_TIMEOUT_MS} ms: ${tail(output)}`)), START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`the host exited with ${signal ?? `code ${String(code)}`} before listening: ${tail(output)}`));
    };
    child.once('exit', onExit);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      onEachLine(stream, (line) => {
        output.push(line);
        if (line.trim() === 'Functions:') {
          clearTimeout(timer);
          child.removeListener('exit', onExit);
          resolve();
        }
      });
    }
  });
}

/** POSTs a version's ModelRegistered delivery (it must be answered 200): its latency, and whether it started the version's run. */
async function timedDelivery(
  hostUrl: string,
  keys: HostKeys,
  model: ModelVersionName,
  emulator: RunningEmulator,
  output: readonly string[],
): Promise<{ elapsedMs: number; started: boolean }> {
  const sent = performance.now();
  const status = await deliverToAmlEvents(eventGridWebhookUrl(hostUrl, 'amlEvents', keys), modelRegisteredEvent(`first-event-${model.version}`, model));
  const elapsedMs = performance.now() - sent;
  if (status !== 200) throw new Error(`the delivery of ${model.name}:${model.version} answered ${status}: ${tail(output)}`);
  const started = emulator.devops
    .runs({ pipelineId: PIPELINE_ID })
    .some((run) => run.templateParameters['modelName'] === model.name && String(run.templateParameters['modelVersion']) === model.version);
  return { elapsedMs, started };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function tail(output: readonly string[]): string {
  return output.slice(-5).join(' | ') || '(no output)';
}

/** Whether every timed delivery of every variant started its run. */
export function everyRunStarted(result: FirstEventResult): boolean {
  return result.samples.every((sample) => sample.cdRuns === sample.deliveries);
}

export function firstEventMarkdown(result: FirstEventResult, machine: string, date: Date): string {
  const cell = (figure: Figure): string => `${figure.medianMs} / ${figure.p90Ms}`;
  const rows = result.samples.map(
    (sample) =>
      `| ${sample.variant} | ${cell(sample.listening)} | ${cell(sample.firstEvent)} | ${cell(sample.spawnToFirstAnswer)} | ${cell(sample.secondEvent)} | ${sample.cdRuns} / ${sample.deliveries} ${sample.cdRuns === sample.deliveries ? '✔' : '✘'} |`,
  );
  const failing = result.samples.filter((sample) => sample.cdRuns !== sample.deliveries);
  const failures = failing.map(
    (sample) =>
      `**${sample.variant}: ${sample.deliveries - sample.cdRuns} of ${sample.deliveries} deliveries were answered 200 without starting their run**` +
      `${sample.dropped === undefined ? '' : ` (the app logged \`${sample.dropped}\`)`}; its event figures stop short of the full path and understate it.`,
  );
  return [
    '## First event',
    '',
    `Measured ${date.toISOString().slice(0, 10)} on ${machine}.`,
    '',
    `${result.runs} fresh processes per variant, run interleaved after one untimed round, each the offline host`,
    "(`dist/dev/host/main.js --no-timers`) serving the app's entry with the settings `npm start` gives it, against one",
    'emulator (HTTPS) and Azurite. Per process: spawn until it listens; then the first ModelRegistered delivery to',
    '`/runtime/webhooks/eventgrid?functionName=amlEvents` until its 200 — it loads the lazy SDKs, gets a token, re-reads',
    'the version and its job from ARM, claims it in Table Storage and starts the Azure DevOps run; then a second',
    "version's delivery on the same, now warm, process. Every delivery is a distinct retrained version, so each",
    'should start a run; the last column counts those that did.',
    '',
    '| variant | spawn → listening | first event | spawn → first 200 | second event (warm) | runs started |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'Milliseconds, median / p90.',
    ...(failures.length > 0 ? ['', ...failures] : []),
    '',
    'Reproduce: `npm run bench` (or, after `npm run package`, `node dist/bench/run.js first-event`).',
  ].join('\n');
}

export const benchmark: Benchmark = {
  name: 'first-event',
  description: 'a fresh process: spawn → listening, its first ModelRegistered delivery, then a warm one',
  async run(context: BenchContext): Promise<void> {
    const result = await measureFirstEvent(context.root, 10, context.log);
    const markdown = firstEventMarkdown(result, machineLine(describeMachine()), new Date());
    context.log(markdown);
    await writeSection(context.reportFile, 'first-event', markdown);
    if (!everyRunStarted(result)) throw new Error('some deliveries were answered 200 without starting their CD run (see BENCHMARKS.md)');
  },
};
