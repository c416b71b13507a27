/** A sweep report in the form asked for with `-o`: a table for people, JSON, markdown for CI summaries, or an HTML page. */
import type { SweepReport } from '../sweep/sweepReport.js';

export const REPORT_FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `studioUrl`: where links to workspaces and computes point (the app's AML_WARDEN_STUDIO_URL). */
export async function formatReport(report: SweepReport, format: ReportFormat, options: { readonly studioUrl?: string; readonly whatIf?: boolean } = {}): Promise<string> {
  const view = options.studioUrl === undefined ? {} : { studioUrl: options.studioUrl };
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return (await import('../sweep/reportMarkdown.js')).formatReportMarkdown(report, view);
    case 'html':
      return (await import('../sweep/reportHtml.js')).renderReportHtml(report, view);
    case 'table': {
      const { formatSweepTable, formatWhatIf } = await import('../sweep/reportText.js');
      return (options.whatIf ?? report.whatIf) ? formatWhatIf(report) : formatSweepTable(report);
    }
  }
}
