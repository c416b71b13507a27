/**
 * The compliance sweep at scale (DESIGN, performance targets): 1,000 workspaces × 10 computes in one
 * subscription, against the emulator with ARM's throttling on (reads 250 burst / 25 per s), audit mode.
 * Reports wall time against the throttle's lower bound for the reads the sweep made, failures, and calls
 * per compute.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../dev/azurite.js';
import { startEmulator } from '../dev/emulator/server.js';
import { seedBulk } from '../dev/emulator/seed.js';
import { ARM_THROTTLE_DEFAULTS } from '../dev/emulator/throttle.js';
import { composeApp } from '../src/composition.js';
import { sweep } from '../src/sweep/sweep.js';
import { loadConfig } from '../src/config.js';
import type { Benchmark } from './benchmark.js';
import { describeMachine, machineLine, writeSection } from './report.js';
import { round } from './stats.js';
import { localAzureSettings } from '../dev/localAzureSettings.js';

const WORKSPACES = Number(process.env['BENCH_SWEEP_WORKSPACES'] ?? 1000);
const COMPUTES = Number(process.env['BENCH_SWEEP_COMPUTES'] ?? 10);

export const benchmark: Benchmark = {
  name: 'sweep',
  description: `compliance sweep of ${WORKSPACES} workspaces × ${COMPUTES} computes with ARM throttling on`,
  async run(context) {
    const [emulator, azurite] = await Promise.all([startEmulator({ port: 0, seed: 'empty', throttle: true }), startAzurite()]);
    try {
      const seeded = seedBulk(emulator.state, { workspaces: WORKSPACES, computesPerWorkspace: COMPUTES, subscriptions: 1 }, new Date());
      const appRoot = mkdtempSync(join(tmpdir(), 'aml-warden-bench-sweep-'));
      writeFileSync(join(appRoot, 'host.json'), '{"version":"2.0"}');
      writeFileSync(join(appRoot, 'ca.pem'), emulator.caPem);
      const policy = readFileSync(join(context.root, 'policy', 'default.yaml'), 'utf8').replace('subscriptions: []', `subscriptions: [${seeded.subscriptions.join(', ')}]`);
      writeFileSync(join(appRoot, 'policy.yaml'), policy);
      const config = loadConfig(
        {
          ...localAzureSettings({ emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString }, { policy: 'policy.yaml', caFile: 'ca.pem' }),
        },
        { appRoot },
      );
      const app = composeApp(config);
      const log = { info: (text: unknown) => context.log(String(text)), warn: (text: unknown) => context.log(`warn: ${String(text)}`), error: (text: unknown) => context.log(`error: ${String(text)}`) };
      emulator.resetCalls();
      const started = performance.now();
      const report = await sweep(app.sweep, log, { subscriptions: seeded.subscriptions, modeOverride: 'audit' });
      const seconds = (performance.now() - started) / 1000;

      const calls = emulator.calls();
      const armReads = calls.filter((call) => call.method === 'GET' && call.path.startsWith('/subscriptions/')).length;
      const graphQueries = calls.filter((call) => call.path.startsWith('/providers/Microsoft.ResourceGraph')).length;
      const throttled = calls.filter((call) => call.status === 429).length;
      const armCalls = calls.filter((call) => call.path.startsWith('/subscriptions/') || call.path.startsWith('/providers/')).length;
      const { burst, perSecond } = ARM_THROTTLE_DEFAULTS.reads;
      const lowerBound = Math.max(0, (armReads - burst) / perSecond);
      const failures = report.problems.length + report.totals.failed;
      const rows = [
        ['workspaces / computes', `${report.workspaces} / ${report.totals.resources - report.workspaces}`],
        ['failures (unreadable workspaces + failed resources)', String(failures)],
        ['wall time', `${round(seconds, 1)} s`],
        ['throttle lower bound (ARM reads beyond the 250 burst at 25/s)', `${round(lowerBound, 1)} s`],
        ['wall time / lower bound', lowerBound > 0 ? `${round(seconds / lowerBound, 2)}×` : 'n/a'],
        ['ARM calls (reads, Resource Graph queries, answered 429)', `${armCalls} (${armReads}, ${graphQueries}, ${throttled})`],
        ['ARM calls per compute', String(round(armCalls / Math.max(1, report.totals.resources - report.workspaces), 3))],
        ['compliance rate', `${round(report.complianceRate * 100, 1)}%`],
      ];
      for (const [name, value] of rows) context.log(`${name}: ${value}`);
      const markdown = [
        '## Compliance sweep',
        '',
        `Audit-mode sweep of ${WORKSPACES} workspaces × ${COMPUTES} computes (every other cluster non-compliant) in one subscription, emulator throttling on with ARM's limits; the report, progress and audit trail written to Azurite. ${machineLine(describeMachine())}`,
        '',
        '| measure | value |',
        '| --- | --- |',
        ...rows.map(([name, value]) => `| ${name} | ${value} |`),
        '',
        `Enforce mode would add one write per non-compliant cluster (${report.lines.filter((line) => line.resourceType === 'compute').length} here): ARM's write bucket (200 burst, 10/s) bounds that at ${round(Math.max(0, report.lines.length - 200) / 10, 0)} s more.`,
      ].join('\n');
      await writeSection(context.reportFile, 'sweep', markdown);
      if (failures > 0) throw new Error(`the sweep had ${failures} failure(s)`);
    } finally {
      await Promise.all([emulator.close(), azurite.close()]);
    }
  },
};
