/**
 * `aml-warden report list` — the stored sweep reports, newest first.
 * `aml-warden report show RUN|latest [-o table|json|markdown|html]` — one report, with every line the ledger
 * still holds; `-o html` is a page that opens with no network.
 */
import type { App } from '../composition.js';
import { percent } from '../sweep/sweepReport.js';
import { EXIT, EnvironmentError } from './exitCodes.js';
import { formatReport, type ReportFormat } from './reportOutput.js';

export interface ReportIo {
  readonly stdout: (text: string) => void;
}

export async function listReports(app: App, options: { readonly limit: number; readonly output: 'table' | 'json' }, io: ReportIo): Promise<number> {
  const [summaries, { renderTable }] = await Promise.all([app.sweep.reports.list(options.limit), import('../sweep/reportText.js')]);
  if (options.output === 'json') {
    io.stdout(`${JSON.stringify(summaries, null, 2)}\n`);
    return EXIT.ok;
  }
  if (summaries.length === 0) {
    io.stdout('No stored sweep reports. The scheduled sweep stores one each run; `aml-warden sweep --store` stores its own.\n');
    return EXIT.ok;
  }
  const rows = summaries.map((summary) => [
    summary.runId,
    summary.startedAt.replace(/\.\d+Z$/, 'Z'),
    summary.whatIf ? 'what-if' : summary.mode,
    String(summary.workspaces),
    `${summary.evaluated}/${summary.totals.resources}`,
    percent(summary.complianceRate),
    String(summary.problems),
  ]);
  io.stdout(`${renderTable(['RUN', 'STARTED', 'MODE', 'WORKSPACES', 'EVALUATED', 'COMPLIANCE', 'NOT SWEPT'], rows)}\n`);
  return EXIT.ok;
}

export async function showReport(app: App, runId: string, output: ReportFormat, io: ReportIo): Promise<number> {
  const { readReport } = await import('../sweep/readReport.js');
  const report = await readReport(app.sweep, runId);
  if (report === undefined) throw new EnvironmentError(`no sweep report '${runId}' (see \`aml-warden report list\`)`);
  io.stdout(await formatReport(report, output, { studioUrl: app.config.settings.studioUrl }));
  return EXIT.ok;
}
