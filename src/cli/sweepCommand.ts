/**
 * `aml-warden sweep [--subscription ID ...] [--mode audit|enforce] [--format table|json]` — the compliance
 * sweep, run from a terminal with the app's settings; `aml-warden what-if [--subscription ID ...]
 * [--format table|json]` — exactly what enforce mode would change, writing nothing.
 * A progress bar goes to stderr when it is a terminal; the report (a table, or JSON) to stdout.
 */
import { parseArgs } from 'node:util';
import type { App } from '../composition.js';
import type { SweepProgress } from '../sweep/sweep.js';
import type { SweepReport } from '../sweep/sweepReport.js';

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
  const [{ getApp }, { sweep }, { formatSweepTable, formatWhatIf }] = await Promise.all([
    import('../composition.js'),
    import('../sweep/sweep.js'),
    import('../sweep/sweepReport.js'),
  ]);
  const app = options.app ?? (options.loadApp === undefined ? await getApp() : await options.loadApp());
  const subscriptions = parsed.subscriptions ?? app.policy.scope.subscriptions;
  if (subscriptions.length === 0) {
    io.stderr('No subscriptions to sweep: list them in the policy (scope.subscriptions) or pass --subscription.\n');
    return 2;
  }
  const showProgress = io.progress ?? process.stderr.isTTY === true;
  let drawn = false;
  const log = { info: () => {}, warn: (...args: unknown[]) => io.stderr(`${drawn ? '\n' : ''}${String(args[0])}\n`), error: (...args: unknown[]) => io.stderr(`${String(args[0])}\n`) };
  const report: SweepReport = await sweep(app.sweep, log, {
    subscriptions,
    whatIf,
    modeOverride: parsed.mode,
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
  await app.telemetry.flush();
  io.stdout(parsed.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : whatIf ? formatWhatIf(report) : formatSweepTable(report));
  return report.problems.length > 0 || report.totals.failed > 0 ? 1 : 0;
}

export function runSweepCommand(args: readonly string[], io: SweepCommandIo, options: SweepCommandOptions = {}): Promise<number> {
  return run(args, io, options, false);
}

export function runWhatIfCommand(args: readonly string[], io: SweepCommandIo, options: SweepCommandOptions = {}): Promise<number> {
  return run(args, io, options, true);
}
