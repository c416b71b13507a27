/**
 * `aml-warden sweep` — the compliance sweep, planned from a terminal with the app's settings and run by the app
 * through its queues (as the timer's is); the command follows it, subscription by subscription, and prints the
 * report when the run completes. By default it neither notifies the team's channel nor stores the report.
 * `aml-warden what-if` — exactly what enforce mode would change, worked out in this process, writing nothing.
 * Progress goes to stderr; the report (table, JSON or markdown) to stdout. The exit code says what CI needs:
 * 0 nothing to fail on, 1 findings (`--fail-on`), 3 a subscription or workspace could not be swept.
 */
import type { App } from '../composition.js';
import { queueNames } from '../queueNames.js';
import type { SweepProgress } from '../sweep/previewSweep.js';
import type { SweepRun, SweepSlice } from '../sweep/ports.js';
import type { FailOn, SweepReport } from '../sweep/sweepReport.js';
import { EXIT, EnvironmentError } from './exitCodes.js';
import { formatReport, type ReportFormat } from './reportOutput.js';

export interface SweepCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Draw the progress bar (default: whether the process's stderr is a terminal). */
  readonly progress?: boolean;
}

export interface SweepCommandOptions {
  /** How often a followed sweep is looked at (default 1 s). */
  readonly pollMs?: number;
  /** Give up following a sweep after this long (default 2 hours). */
  readonly timeoutMs?: number;
  /** Say where the work happens when the sweep has not moved for this long (default 30 s). */
  readonly quietHintMs?: number;
}

export interface SweepArguments {
  readonly subscriptions: readonly string[] | undefined;
  readonly output: Exclude<ReportFormat, 'html'>;
  readonly failOn: FailOn;
}

export interface PlannedSweepArguments extends SweepArguments {
  readonly mode: 'audit' | 'enforce' | undefined;
  readonly notify: boolean;
  readonly store: boolean;
}

/** `[########----------] 12/40 workspaces, 130 resources` on one rewritten line. */
export function progressLine(progress: SweepProgress, width = 24): string {
  const { workspacesDone: done, workspacesTotal: total, resources } = progress;
  if (total === undefined || total === 0) return `${done} workspace(s), ${resources} resource(s)…`;
  const filled = Math.round((Math.min(done, total) / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} workspaces, ${resources} resources`;
}

function subscriptionsOf(app: App, given: readonly string[] | undefined): readonly string[] {
  const subscriptions = given ?? app.policy.scope.subscriptions;
  if (subscriptions.length === 0) throw new EnvironmentError('no subscriptions to sweep: list them in the policy (scope.subscriptions) or pass --subscription');
  return subscriptions;
}

/** Prints the report and says what the exit code means; a problem outranks findings. */
async function finish(app: App, report: SweepReport, args: SweepArguments, io: SweepCommandIo, whatIf: boolean): Promise<number> {
  await app.telemetry.flush();
  io.stdout(await formatReport(report, args.output, { whatIf, studioUrl: app.config.settings.studioUrl }));
  if (report.problems.length > 0) {
    const [first] = report.problems;
    io.stderr(`${report.problems.length} workspace(s) or subscription(s) could not be swept${first === undefined ? '' : `, e.g. ${first.error}`}\n`);
    return EXIT.environment;
  }
  const { failsOn } = await import('../sweep/sweepReport.js');
  return failsOn(report, args.failOn) ? EXIT.findings : EXIT.ok;
}

export async function runSweep(app: App, args: PlannedSweepArguments, io: SweepCommandIo, options: SweepCommandOptions = {}): Promise<number> {
  const report = await planAndFollow(app, subscriptionsOf(app, args.subscriptions), args, io, options);
  return finish(app, report, args, io, false);
}

export async function runWhatIf(app: App, args: SweepArguments, io: SweepCommandIo): Promise<number> {
  const report = await preview(app, subscriptionsOf(app, args.subscriptions), io);
  return finish(app, report, args, io, true);
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

/** One line per subscription whose slice moved: `11111111-…: slice 2, 200/300 workspace(s) swept`. */
function sliceLine(slice: SweepSlice): string {
  const state = slice.status === 'Done' ? 'done' : slice.failing.length > 0 ? `slice ${slice.seq}, ${slice.failing.length} workspace(s) failing, tried again` : `slice ${slice.seq}`;
  return `  ${slice.subscriptionId}: ${state}, ${slice.workspacesDone}/${slice.workspacesPlanned} workspace(s) swept\n`;
}

/** Plans the sweep (or joins the same one already running) and follows it until the last slice closes it. */
async function planAndFollow(app: App, subscriptions: readonly string[], args: PlannedSweepArguments, io: SweepCommandIo, options: SweepCommandOptions): Promise<SweepReport> {
  const [{ planSweep }, { reportOfRun }, { quotaOfCompletedRun, withQuota }] = await Promise.all([import('../sweep/planSweep.js'), import('../sweep/closeRun.js'), import('../sweep/quotaSweep.js')]);
  const log = { info: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`), warn: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`), error: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`) };
  const outcome = await planSweep(app.sweep, log, { subscriptions, modeOverride: args.mode, notify: args.notify, store: args.store });
  if (outcome.kind === 'notConfigured') throw new EnvironmentError('no subscriptions to sweep');
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
    if (current?.status === 'Completed') return withQuota(await reportOfRun(app.sweep, current, new Date(current.finishedAt ?? Date.now())), await quotaOfCompletedRun(app.sweep, log, current));
    if (!hinted && Date.now() - lastMove > (options.quietHintMs ?? 30_000)) {
      hinted = true;
      io.stderr(`The sweep has not moved for ${Math.round((Date.now() - lastMove) / 1000)} s. It runs in the app, from queue '${queueNames.sweepSlices}': is the app running (\`npm start\` locally)?\n`);
    }
    if (Date.now() - started > (options.timeoutMs ?? 2 * 3_600_000)) {
      throw new EnvironmentError(`gave up following sweep ${run.runId}; it goes on in the app (\`aml-warden report show ${run.runId}\` once it completes)`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
