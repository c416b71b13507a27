/**
 * A sweep report as GitHub-flavoured markdown (`aml-warden report show RUN -o markdown`), for a CI job summary or a
 * pull request: the same content as the HTML page, with tables instead of charts. Every string from the report is
 * escaped, so a tag value can neither break a table (`|`), nor format (`*`, `_`, `` ` ``, `[`), nor become HTML (`<`).
 */
import { ATTENTION_OUTCOMES, OUTCOME_LABELS, buildReportView, type AttentionRow, type FindingEntry, type ReportView, type ReportViewOptions, type RuleGroup } from './reportView.js';
import type { SweepReport } from './sweepReport.js';
import { quotaMarkdown } from './quotaReport.js';

/**
 * Text that stays text in GFM, in a table cell too: the punctuation that could start formatting, a link, math or a
 * heading's closing sequence is backslash-escaped (GFM lets any ASCII punctuation be; its table extension needs `|`
 * escaped even inside code), `<`, `>` and `&` become entities (GFM passes raw HTML through), and line breaks become
 * spaces (a table row is one line). Values never start a line here, so list and heading markers need nothing.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]|~#$]/g, (character) => `\\${character}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** A link; the URL is percent-encoded by `StudioLinks`, so it needs no escaping of its own. */
function link(url: string | undefined, text: string): string {
  return url === undefined ? escapeMarkdown(text) : `[${escapeMarkdown(text)}](${url})`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A 20-character bar, for the compliance rate where no chart can be drawn. */
function textBar(rate: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, rate)) * 20);
  return `${'█'.repeat(filled)}${'░'.repeat(20 - filled)}`;
}

function headline(view: ReportView): string {
  return [
    `## Compliance sweep ${escapeMarkdown(view.runId)}`,
    '',
    `**${escapeMarkdown(view.status)}** · mode: ${escapeMarkdown(view.mode)} · started ${escapeMarkdown(view.startedAt)} · finished ${escapeMarkdown(view.finishedAt)} (${escapeMarkdown(view.duration)})`,
    '',
    `Subscriptions: ${view.subscriptions.map(escapeMarkdown).join(', ')}`,
    '',
    view.complianceRate === null
      ? '**Compliance: n/a**: nothing was evaluated (every resource out of scope or failed, or none found)'
      : `**Compliance: ${escapeMarkdown(view.compliance)}** \`${textBar(view.complianceRate)}\` over the ${view.evaluated} resource(s) evaluated (${view.compliant} compliant, ${view.exempt} exempt, ${view.nonCompliant} non-compliant)`,
    '',
    table(
      view.tiles.map((tile) => escapeMarkdown(tile.label)),
      [view.tiles.map((tile) => String(tile.value))],
    ),
  ].join('\n');
}

function outcomeCells(row: AttentionRow): string[] {
  return ATTENTION_OUTCOMES.map((outcome) => String(row.byOutcome[outcome]));
}

function bySubscription(view: ReportView): string {
  return [
    '### By subscription',
    '',
    table(
      ['Subscription', 'Needing attention', ...ATTENTION_OUTCOMES.map((outcome) => escapeMarkdown(OUTCOME_LABELS[outcome])), 'Unreadable workspaces'],
      view.bySubscription.map((row) => [escapeMarkdown(row.label), String(row.needingAttention), ...outcomeCells(row), String(row.unreadable)]),
    ),
  ].join('\n');
}

function byWorkspace(view: ReportView): string {
  if (view.byWorkspace.length === 0) return '### By workspace\n\nEvery workspace swept is compliant.';
  return [
    '### By workspace',
    '',
    'Workspaces with resources needing attention or that could not be read; the others are compliant.',
    '',
    table(
      ['Workspace', 'Subscription', 'Needing attention', ...ATTENTION_OUTCOMES.map((outcome) => escapeMarkdown(OUTCOME_LABELS[outcome])), 'Sweep'],
      view.byWorkspace.map((row) => [
        link(row.studioUrl, row.label),
        escapeMarkdown(row.detail ?? ''),
        String(row.needingAttention),
        ...outcomeCells(row),
        row.problem === undefined ? 'done' : `**${escapeMarkdown(row.problem.status)}**`,
      ]),
    ),
  ].join('\n');
}

function findingCells(entry: FindingEntry): string[] {
  const notRecorded = '_not recorded_';
  return [
    link(entry.workspaceUrl, entry.workspaceName),
    entry.resourceType === 'compute' ? link(entry.resourceUrl, entry.name) : entry.resourceType === 'workspace' ? '_the workspace_' : `${escapeMarkdown(entry.name)} _(${entry.resourceType === 'onlineEndpoint' ? 'online endpoint' : entry.resourceType === 'job' ? 'job' : 'online deployment'})_`,
    escapeMarkdown(entry.owner),
    entry.expected === undefined ? notRecorded : escapeMarkdown(entry.expected),
    entry.actual === undefined ? notRecorded : escapeMarkdown(entry.actual),
    entry.fixable === undefined ? notRecorded : entry.fixable ? 'yes' : 'no',
    escapeMarkdown(entry.outcome),
    escapeMarkdown(entry.advice ?? ''),
  ];
}

function ruleSection(group: RuleGroup): string {
  const heading = `#### ${escapeMarkdown(group.rule)} — ${escapeMarkdown(group.severity ?? 'severity unknown')}, ${group.count} finding(s)`;
  if (group.entries.length === 0) return `${heading}\n\nThe resources are not in the stored report (it keeps as many as fit); the audit trail has them.`;
  const hidden = group.count - group.entries.length;
  return [
    heading,
    '',
    table(['Workspace', 'Resource', 'Owner', 'Expected', 'Actual', 'Fixable', 'Outcome', 'Advice'], group.entries.map(findingCells)),
    ...(hidden > 0 ? ['', `${hidden} more not in the stored report.`] : []),
  ].join('\n');
}

function findings(view: ReportView): string {
  return ['### Findings by rule', '', view.rules.length === 0 ? 'No findings.' : view.rules.map(ruleSection).join('\n\n')].join('\n');
}

function problems(view: ReportView): string | undefined {
  if (view.problems.length === 0) return undefined;
  return [
    '### Unreadable or failed workspaces',
    '',
    'Their resources are not in the counts above.',
    '',
    table(
      ['Workspace', 'Subscription', 'Status', 'Problem'],
      view.problems.map((problem) => [link(problem.studioUrl, problem.name), escapeMarkdown(problem.subscriptionId ?? ''), `**${escapeMarkdown(problem.status)}**`, escapeMarkdown(problem.error)]),
    ),
  ].join('\n');
}

/** The report as GitHub-flavoured markdown. `studioUrl`: the studio the links point to (default `https://ml.azure.com`). */
export function formatReportMarkdown(report: SweepReport, options: ReportViewOptions = {}): string {
  const view = buildReportView(report, options);
  const sections = [headline(view), bySubscription(view), byWorkspace(view), findings(view), problems(view), report.quota === undefined ? undefined : quotaMarkdown(report.quota, escapeMarkdown)];
  return `${sections.filter((section) => section !== undefined).join('\n\n')}\n`;
}
