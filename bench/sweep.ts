/**
 * The compliance sweep fanned out over the app's queues (DESIGN, performance targets): 10 subscriptions × 300
 * workspaces × 10 computes against the emulator with ARM's throttling on, audit mode, swept by 1 and then by 2
 * offline host processes taking slice messages from the same Azurite queues. Reports wall time against the
 * lower bound of the busiest subscription (its ARM reads beyond the 250 burst at 25/s), ARM calls per compute,
 * messages per workspace, each host's peak memory, and what an idle app runs in an hour.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { startAzurite, type AzuriteHandle } from '../dev/azurite.js';
import { startEmulator, type RunningEmulator } from '../dev/emulator/server.js';
import { seedBulk } from '../dev/emulator/seed.js';
import { ARM_THROTTLE_DEFAULTS } from '../dev/emulator/throttle.js';
import { localAzureSettings } from '../dev/localAzureSettings.js';
import { composeApp, type App } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { settingDefaults } from '../src/settingDefaults.js';
import { planSweep } from '../src/sweep/planSweep.js';
import type { SweepReport } from '../src/sweep/sweepReport.js';
import type { Benchmark, BenchContext } from './benchmark.js';
import { describeMachine, machineLine, writeSection } from './report.js';
import { round } from './stats.js';

const SUBSCRIPTIONS = Number(process.env['BENCH_SWEEP_SUBSCRIPTIONS'] ?? 10);
const WORKSPACES_PER_SUBSCRIPTION = Number(process.env['BENCH_SWEEP_WORKSPACES'] ?? 300);
const COMPUTES = Number(process.env['BENCH_SWEEP_COMPUTES'] ?? 10);
const IDLE_SECONDS = Number(process.env['BENCH_SWEEP_IDLE_SECONDS'] ?? 30);
/** Rules whose reads the third run prices (appended to the shipped default policy). */
const MORE_RULES = ['jobs:', '  allowedInstanceTypes: [Standard_DS3_v2]', 'onlineEndpoints:', '  maxInstances: 4', 'quota:', '  utilizationThreshold: 80', ''].join('\n');

interface HostProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** An offline host process of the packaged app, with the app's settings in its environment. */
async function startHostProcess(root: string, appRoot: string, env: Record<string, string>, timers: boolean): Promise<HostProcess> {
  const args = [join(root, 'dist', 'dev', 'host', 'main.js'), '--port', '0', '--entry', join(root, 'dist', 'src', 'index.js'), ...(timers ? [] : ['--no-timers'])];
  const child = spawn(process.execPath, args, { cwd: appRoot, env: { ...process.env, ...env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.some((line) => line.startsWith('Functions:'))) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`a host process exited with ${String(code)}:\n${lines.join('\n')}`)));
  });
  await ready;
  return {
    child,
    lines,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The process's peak resident set (Linux `VmHWM`), in MiB. */
function peakMemoryMiB(pid: number | undefined): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds the process has used (Linux `/proc/<pid>/stat` utime + stime, at the usual 100 ticks a second). */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // After the command name: field 3 is the state, so utime and stime (fields 14 and 15) are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

const invocationsOf = (host: HostProcess, fn: string) => host.lines.filter((line) => line.includes(`Executing 'Functions.${fn}'`)).length;

const REPORT_TIMEOUT_MS = Number(process.env['BENCH_SWEEP_TIMEOUT_SECONDS'] ?? 1200) * 1000;

/** The run's report once the last slice has closed it; on timeout, the hosts' last lines say where it stopped. */
async function waitForReport(app: App, runId: string, startedAt: string, hosts: readonly HostProcess[]): Promise<SweepReport> {
  const until = Date.now() + REPORT_TIMEOUT_MS;
  while (Date.now() < until) {
    if ((await app.sweep.ledger.run(runId, startedAt))?.status === 'Completed') {
      const report = await app.sweep.reports.find(runId, startedAt);
      if (report !== undefined) return report;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const tails = hosts.map((host, index) => `host ${index + 1}:\n${host.lines.slice(-20).join('\n')}`).join('\n');
  throw new Error(`sweep run ${runId} did not complete in ${REPORT_TIMEOUT_MS / 1000} s\n${tails}`);
}

interface RunFigures {
  readonly hosts: number;
  readonly seconds: number;
  readonly lowerBound: number;
  readonly report: SweepReport;
  readonly armCalls: number;
  readonly graphQueries: number;
  readonly throttled: number;
  readonly sliceInvocations: number;
  readonly invocationsPerHost: readonly number[];
  readonly peakMiB: readonly (number | undefined)[];
  readonly hostCpuSeconds: readonly (number | undefined)[];
  /** CPU of this process (the emulator) during the run. */
  readonly emulatorCpuSeconds: number;
}

async function sweepWith(hostCount: number, context: BenchContext, emulator: RunningEmulator, app: App, appRoot: string, env: Record<string, string>): Promise<RunFigures> {
  emulator.setThrottle(true);
  const hosts = await Promise.all(Array.from({ length: hostCount }, () => startHostProcess(context.root, appRoot, env, false)));
  try {
    emulator.resetCalls();
    const cpuBefore = process.cpuUsage();
    const hostCpuBefore = hosts.map((host) => cpuSeconds(host.child.pid) ?? 0);
    const started = performance.now();
    const planned = await planSweep(app.sweep, { info: () => {}, warn: (line) => context.log(`warn: ${String(line)}`), error: (line) => context.log(`error: ${String(line)}`) }, { modeOverride: 'audit', notify: false });
    if (planned.kind !== 'planned') throw new Error(`the sweep was not planned: ${planned.kind}`);
    const report = await waitForReport(app, planned.run.runId, planned.run.startedAt, hosts);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const calls = emulator.calls();
    const readsBySubscription = new Map<string, number>();
    for (const call of calls) {
      const subscription = /^\/subscriptions\/([^/]+)\//.exec(call.path)?.[1]?.toLowerCase();
      if (call.method === 'GET' && subscription !== undefined) readsBySubscription.set(subscription, (readsBySubscription.get(subscription) ?? 0) + 1);
    }
    const { burst, perSecond } = ARM_THROTTLE_DEFAULTS.reads;
    const lowerBound = Math.max(0, ...[...readsBySubscription.values()].map((reads) => (reads - burst) / perSecond));
    const invocationsPerHost = hosts.map((host) => invocationsOf(host, 'sweepSlice') + invocationsOf(host, 'sweepSlicePoison'));
    return {
      hosts: hostCount,
      seconds,
      lowerBound,
      report,
      armCalls: calls.filter((call) => call.path.startsWith('/subscriptions/') || call.path.startsWith('/providers/')).length,
      graphQueries: calls.filter((call) => call.path.startsWith('/providers/Microsoft.ResourceGraph')).length,
      throttled: calls.filter((call) => call.status === 429).length,
      sliceInvocations: invocationsPerHost.reduce((sum, count) => sum + count, 0),
      invocationsPerHost,
      peakMiB: hosts.map((host) => peakMemoryMiB(host.child.pid)),
      hostCpuSeconds: hosts.map((host, index) => {
        const now = cpuSeconds(host.child.pid);
        return now === undefined ? undefined : now - (hostCpuBefore[index] ?? 0);
      }),
      emulatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    await Promise.all(hosts.map((host) => host.stop()));
  }
}

/** Timer invocations an hour by the app's default schedules, and what an idle host process ran in `IDLE_SECONDS`. */
async function idleCost(context: BenchContext, appRoot: string, env: Record<string, string>): Promise<{ scheduledPerHour: string; observed: number }> {
  const perHour = (schedule: string) => {
    // NCRONTAB's six fields, as cron-parser reads them (seconds first).
    const from = new Date('2026-01-05T00:00:00Z');
    const interval = CronExpressionParser.parse(schedule, { currentDate: from, endDate: new Date(from.getTime() + 24 * 3_600_000), tz: 'UTC' });
    let count = 0;
    while (interval.hasNext()) {
      interval.next();
      count += 1;
    }
    return count / 24;
  };
  const sweep = perHour(settingDefaults.AML_WARDEN_SWEEP_SCHEDULE);
  const expiry = perHour(settingDefaults.AML_WARDEN_EXPIRY_SCHEDULE);
  const host = await startHostProcess(context.root, appRoot, env, true);
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const observed = host.lines.filter((line) => line.includes("Executing 'Functions.")).length;
    return { scheduledPerHour: `${round(sweep + expiry, 2)} (expiry ${round(expiry, 2)}, sweep ${round(sweep, 2)})`, observed };
  } finally {
    await host.stop();
  }
}

export const benchmark: Benchmark = {
  name: 'sweep',
  description: `compliance sweep of ${SUBSCRIPTIONS} subscriptions × ${WORKSPACES_PER_SUBSCRIPTION} workspaces × ${COMPUTES} computes through the queues, 1 and 2 host processes, and 1 with the jobs, online endpoint and quota rules, ARM throttling on`,
  async run(context) {
    let azurite: AzuriteHandle | undefined;
    const emulator = await startEmulator({ port: 0, seed: 'empty', throttle: true });
    try {
      azurite = await startAzurite();
      const seeded = seedBulk(emulator.state, { workspaces: SUBSCRIPTIONS * WORKSPACES_PER_SUBSCRIPTION, computesPerWorkspace: COMPUTES, subscriptions: SUBSCRIPTIONS }, new Date());
      const appRoot = mkdtempSync(join(tmpdir(), 'aml-warden-bench-sweep-'));
      copyFileSync(join(context.root, 'host.json'), join(appRoot, 'host.json'));
      writeFileSync(join(appRoot, 'ca.pem'), emulator.caPem);
      const policy = readFileSync(join(context.root, 'policy', 'default.yaml'), 'utf8').replace('subscriptions: []', `subscriptions: [${seeded.subscriptions.join(', ')}]`);
      writeFileSync(join(appRoot, 'policy.yaml'), policy);
      // Absolute: the host processes find their app root from the app's own files (host.json), not from their cwd.
      const env = {
        ...localAzureSettings({ emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString }, { policy: join(appRoot, 'policy.yaml'), caFile: join(appRoot, 'ca.pem') }),
        AML_WARDEN_TABLE_PREFIX: `bench${Date.now().toString(36)}`,
      };
      const app = composeApp(loadConfig(env, { appRoot }));
      // The same sweep with the rules that read more than computes: each workspace's jobs and online endpoints, and
      // quota per subscription and region. The bulk seed has neither jobs nor endpoints, so this prices the reads.
      writeFileSync(join(appRoot, 'policy-more.yaml'), `${policy.trimEnd()}\n${MORE_RULES}`);
      const moreEnv = { ...env, AML_WARDEN_POLICY: join(appRoot, 'policy-more.yaml') };
      const moreApp = composeApp(loadConfig(moreEnv, { appRoot }));

      const runs: RunFigures[] = [];
      for (const [hosts, runApp, runEnv] of [
        [1, app, env],
        [2, app, env],
        [1, moreApp, moreEnv],
      ] as const) {
        const figures = await sweepWith(hosts, context, emulator, runApp, appRoot, runEnv);
        context.log(`${hosts} host process(es): ${round(figures.seconds, 1)} s (bound ${round(figures.lowerBound, 1)} s), ${figures.sliceInvocations} slice invocations ${JSON.stringify(figures.invocationsPerHost)}`);
        runs.push(figures);
      }
      const idle = await idleCost(context, appRoot, env);

      const computes = (run: RunFigures) => run.report.totals.resources - run.report.workspaces;
      const failures = (run: RunFigures) => run.report.problems.length + run.report.totals.failed;
      const row = (name: string, value: (run: RunFigures) => string) => `| ${name} | ${runs.map(value).join(' | ')} |`;
      const rows = [
        row('workspaces / computes', (run) => `${run.report.workspaces} / ${computes(run)}`),
        row('failures (unreadable or failed workspaces + failed resources)', (run) => String(failures(run))),
        row('wall time', (run) => `${round(run.seconds, 1)} s`),
        row('lower bound: busiest subscription (ARM reads beyond the 250 burst at 25/s)', (run) => `${round(run.lowerBound, 1)} s`),
        row('wall time / lower bound', (run) => (run.lowerBound > 0 ? `${round(run.seconds / run.lowerBound, 2)}×` : 'n/a')),
        row('ARM calls (Resource Graph queries, answered 429)', (run) => `${run.armCalls} (${run.graphQueries}, ${run.throttled})`),
        row('ARM calls per compute', (run) => String(round(run.armCalls / Math.max(1, computes(run)), 3))),
        row('slice messages (per host process)', (run) => `${run.sliceInvocations} (${run.invocationsPerHost.join(' + ')})`),
        row('messages per workspace', (run) => String(round(run.sliceInvocations / Math.max(1, run.report.workspaces), 3))),
        row('CPU of the host processes (each)', (run) => run.hostCpuSeconds.map((value) => (value === undefined ? 'n/a' : `${round(value, 1)} s`)).join(' + ')),
        row('CPU of the emulator (the benchmark process)', (run) => `${round(run.emulatorCpuSeconds, 1)} s`),
        row('peak memory per host process (RSS)', (run) => run.peakMiB.map((mib) => (mib === undefined ? 'n/a' : `${round(mib, 0)} MiB`)).join(' / ')),
      ];
      for (const line of rows) context.log(line);
      const two = runs[1];
      const targetMet = two !== undefined && two.lowerBound > 0 && two.seconds / two.lowerBound <= 1.3;
      const markdown = [
        '## Compliance sweep',
        '',
        `Audit-mode sweep of ${SUBSCRIPTIONS} subscriptions × ${WORKSPACES_PER_SUBSCRIPTION} workspaces × ${COMPUTES} computes (every other cluster non-compliant) through the app's queues: planned in the benchmark's process, swept by offline host processes of the packaged app taking slice messages from Azurite (host.json as shipped), against the emulator with ARM's throttling on per subscription. The second column runs two host processes on the same queues. The third adds the policy's \`jobs\`, \`onlineEndpoints\` and \`quota\` sections: one \`Jobs_List\` and one \`OnlineEndpoints_List\` more per workspace (the seed has no jobs or endpoints, so no deployment lists follow), and \`Usages_List\` and \`Quotas_List\` once per subscription and region. ${machineLine(describeMachine())}`,
        '',
        '| measure | 1 host process | 2 host processes | 1 host process, with jobs, online endpoints and quota rules |',
        '| --- | --- | --- | --- |',
        ...rows,
        '',
        `Idle cost: by the default schedules the app runs ${idle.scheduledPerHour} timer invocations an hour, and nothing else; an idle host process (timers on, queues polled) ran ${idle.observed} invocation(s) in ${IDLE_SECONDS} s.`,
        '',
        `The busiest subscription's ARM budget is the lower bound: its reads beyond the 250 burst arrive at 25 per second whatever the number of instances. Where it is not reached, the machine is why: the host processes, the emulator and Azurite share its cores, so the wall time follows the CPU the sweep needs (the rows above), and a second process on the same cores splits that CPU rather than adding to it. The bound is what added instances could approach where each brings its own cores and ARM and Table Storage run elsewhere, as in Azure; this machine cannot show that. The target of at most 1.3× the bound with two processes is ${targetMet ? 'met' : 'not met'} here.`,
      ].join('\n');
      await writeSection(context.reportFile, 'sweep', markdown);
      const failed = runs.filter((run) => failures(run) > 0);
      if (failed.length > 0) throw new Error(`the sweep had failures with ${failed.map((run) => run.hosts).join(' and ')} host process(es)`);
    } finally {
      await Promise.all([emulator.close(), azurite?.close()]);
    }
  },
};
