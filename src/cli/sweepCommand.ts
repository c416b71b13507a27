/**
 * `aml-warden sweep [--subscription ID ...] [--mode audit|enforce] [--format table|json]` — the compliance
 * sweep, planned from a terminal with the app's settings and run by the app through its queues (as the timer's
 * is); the command follows it, subscription by subscription, and prints the report when the run completes.
 * `aml-warden what-if [--subscription ID ...] [--format table|json]` — exactly what enforce mode would change,
 * worked out in this process, writing nothing.
 * Progress goes to stderr; the report (a table, or JSON) to stdout.
 */
import { parseArgs } from 'node:util';
import type { App } from '../composition.js';
import type { SweepRun, SweepSlice } from '../sweep/ports.js';
import type { SweepProgress } from '../sweep/previewSweep.js';
import type { SweepReport } from '../sweep/sweepReport.js';
import { queueNames } from '../queueNames.js';

export interface SweepCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Draw the progress bar (default: whether the process's stderr is a terminal). */
  readonly progress?: boolean;
}

export interface SweepCommandOptions {
  readonly app?: App;
  /** Composes the app when `app` is not given; default: the process's (`getApp()`). */
  readonly loadApp?: () => Promise<App>;
  /** How often a followed sweep is looked at (default 1 s). */
  readonly pollMs?: number;
  /** Give up following a sweep after this long (default 2 hours). */
  readonly timeoutMs?: number;
  /** Say where the work happens when the sweep has not moved for this long (default 30 s). */
  readonly quietHintMs?: number;
}

export class SweepUsageError extends Error {}

function parse(args: readonly string[], allowMode: boolean) {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      subscription: { type: 'string', multiple: true },
      mode: { type: 'string' },
      format: { type: 'string', default: 'table' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new SweepUsageError(`unexpected argument '${positionals[0] ?? ''}'`);
  if (values.mode !== undefined && (!allowMode || (values.mode !== 'audit' && values.mode !== 'enforce'))) {
    throw new SweepUsageError(allowMode ? "--mode must be 'audit' or 'enforce'" : '--mode is not an option of what-if');
  }
  if (values.format !== 'table' && values.format !== 'json') throw new SweepUsageError("--format must be 'table' or 'json'");
  const subscriptions = values.subscription?.flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
  return { subscriptions, mode: values.mode as 'audit' | 'enforce' | undefined, format: values.format };
}

/** `[########----------] 12/40 workspaces, 130 resources` on one rewritten line. */
export function progressLine(progress: SweepProgress, width = 24): string {
  const { workspacesDone: done, workspacesTotal: total, resources } = progress;
  if (total === undefined || total === 0) return `${done} workspace(s), ${resources} resource(s)…`;
  const filled = Math.round((Math.min(done, total) / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} workspaces, ${resources} resources`;
}

async function run(args: readonly string[], io: SweepCommandIo, options: SweepCommandOptions, whatIf: boolean): Promise<number> {
  const parsed = parse(args, !whatIf);
  const [{ getApp }, { formatSweepTable, formatWhatIf }] = await Promise.all([import('../composition.js'), import('../sweep/sweepReport.js')]);
  const app = options.app ?? (options.loadApp === undefined ? await getApp() : await options.loadApp());
  const subscriptions = parsed.subscriptions ?? app.policy.scope.subscriptions;
  if (subscriptions.length === 0) {
    io.stderr('No subscriptions to sweep: list them in the policy (scope.subscriptions) or pass --subscription.\n');
    return 2;
  }
  const report = whatIf ? await preview(app, subscriptions, io) : await planAndFollow(app, subscriptions, parsed.mode, io, options);
  if (report === undefined) return 3;
  await app.telemetry.flush();
  io.stdout(parsed.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : whatIf ? formatWhatIf(report) : formatSweepTable(report));
  return report.problems.length > 0 || report.totals.failed > 0 ? 1 : 0;
}

async function preview(app: App, subscriptions: readonly string[], io: SweepCommandIo): Promise<SweepReport> {
  const { previewSweep } = await import('../sweep/previewSweep.js');
  const showProgress = io.progress ?? process.stderr.isTTY === true;
  let drawn = false;
  const log = { info: () => {}, warn: (...args: unknown[]) => io.stderr(`${drawn ? '\n' : ''}${String(args[0])}\n`), error: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`) };
  const report = await previewSweep(app.sweep, log, {
    subscriptions,
    ...(showProgress
      ? {
          onProgress: (progress: SweepProgress) => {
            drawn = true;
            io.stderr(`\r${progressLine(progress)}`);
          },
        }
      : {}),
  });
  if (drawn) io.stderr('\n');
  return report;
}

/** One line per subscription whose slice moved: `11111111-…: slice 2, 200 workspace(s) done`. */
function sliceLine(slice: SweepSlice): string {
  const state = slice.status === 'Done' ? 'done' : slice.failing.length > 0 ? `slice ${slice.seq}, ${slice.failing.length} workspace(s) failing, tried again` : `slice ${slice.seq}`;
  return `  ${slice.subscriptionId}: ${state}, ${slice.workspacesDone}/${slice.workspacesPlanned} workspace(s) swept\n`;
}

/** Plans the sweep (or joins the same one already running) and follows it until its report is stored. */
async function planAndFollow(app: App, subscriptions: readonly string[], mode: 'audit' | 'enforce' | undefined, io: SweepCommandIo, options: SweepCommandOptions): Promise<SweepReport | undefined> {
  const { planSweep } = await import('../sweep/planSweep.js');
  const log = { info: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`), warn: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`), error: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`) };
  const outcome = await planSweep(app.sweep, log, { subscriptions, modeOverride: mode });
  if (outcome.kind === 'notConfigured') return undefined;
  const run: SweepRun = outcome.run;
  const pollMs = options.pollMs ?? 1000;
  const started = Date.now();
  let lastMove = Date.now();
  let hinted = false;
  const seen = new Map<string, string>();
  for (;;) {
    const current = await app.sweep.ledger.run(run.runId, run.startedAt);
    for (const slice of await app.sweep.ledger.slices(run)) {
      const line = sliceLine(slice);
      if (seen.get(slice.subscriptionId) === line) continue;
      seen.set(slice.subscriptionId, line);
      lastMove = Date.now();
      io.stderr(line);
    }
    if (current?.status === 'Completed') {
      const report = await app.sweep.reports.find(run.runId, run.startedAt);
      if (report !== undefined) return report;
    }
    if (!hinted && Date.now() - lastMove > (options.quietHintMs ?? 30_000)) {
      hinted = true;
      io.stderr(`The sweep has not moved for ${Math.round((Date.now() - lastMove) / 1000)} s. It runs in the app, from queue '${queueNames.sweepSlices}': is the app running (\`npm start\` locally)?\n`);
    }
    if (Date.now() - started > (options.timeoutMs ?? 2 * 3_600_000)) {
      io.stderr(`Gave up following sweep ${run.runId}; it goes on in the app, and its report will be stored when it completes.\n`);
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export function runSweepCommand(args: readonly string[], io: SweepCommandIo, options: SweepCommandOptions = {}): Promise<number> {
  return run(args, io, options, false);
}

export function runWhatIfCommand(args: readonly string[], io: SweepCommandIo, options: SweepCommandOptions = {}): Promise<number> {
  return run(args, io, options, true);
}
