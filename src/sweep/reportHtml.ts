/**
 * A sweep report as one self-contained HTML page (`aml-warden report show RUN -o html`): inline CSS and inline SVG
 * charts, no script, no font, image or stylesheet to load, so it opens offline, from a file or an e-mail, and prints.
 * Every string from the report is escaped (`safeHtml`); the page's Content-Security-Policy also forbids scripts and
 * any load, so even a mistake there could neither run nor call out.
 */
import { createHash } from 'node:crypto';
import { quotaHtml } from './quotaReport.js';
import { barChart, chartLegend, type ChartRow } from './reportChart.js';
import { ATTENTION_OUTCOMES, OUTCOME_LABELS, buildReportView, type AttentionRow, type FindingEntry, type ReportView, type ReportViewOptions, type RuleGroup } from './reportView.js';
import { SafeHtml, html } from './safeHtml.js';
import type { SweepReport } from './sweepReport.js';

const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --track: #eaeef2; --link: #0550ae;
  --c-compliant: #1a7f37; --c-exempt: #8c959f; --c-noncompliant: #cf222e;
  --c-violations: #cf222e; --c-failed: #82071e; --c-ineffective: #8250df; --c-deferred: #9a6700; --c-wouldChange: #bf8700; --c-remediated: #0969da;
  --sev-high: #cf222e; --sev-medium: #9a6700; --sev-low: #57606a;
}
/* Dark on screens only: paper gets the light palette whatever the reader's scheme. */
@media screen and (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --panel: #161b22; --track: #21262d; --link: #4493f8;
    --c-compliant: #3fb950; --c-exempt: #6e7681; --c-noncompliant: #f85149;
    --c-violations: #f85149; --c-failed: #ff7b72; --c-ineffective: #a371f7; --c-deferred: #d29922; --c-wouldChange: #e3b341; --c-remediated: #4493f8;
    --sev-high: #f85149; --sev-medium: #d29922; --sev-low: #9198a1;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 20px 0 6px; display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
a { color: var(--link); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; overflow-wrap: break-word; }
.muted { color: var(--muted); }
.run-id { color: var(--muted); margin: 0 0 12px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 16px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.status { font-weight: 600; }
.status-Partial { color: var(--sev-medium); }
.status-Completed { color: var(--c-compliant); }
.rate { display: flex; flex-wrap: wrap; align-items: baseline; gap: 12px; margin: 8px 0; }
.rate strong { font-size: 2.4rem; line-height: 1; }
ul.tiles { list-style: none; padding: 0; margin: 12px 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
ul.tiles li { background: var(--panel); border: 1px solid var(--line); border-left-width: 4px; border-radius: 6px; padding: 8px 12px; }
ul.tiles li .value { display: block; font-size: 1.5rem; font-weight: 600; }
ul.tiles li.tone-good { border-left-color: var(--c-compliant); }
ul.tiles li.tone-bad { border-left-color: var(--c-noncompliant); }
ul.tiles li.tone-warn { border-left-color: var(--c-deferred); }
svg.chart { display: block; width: 100%; max-width: 760px; height: auto; color: var(--fg); }
svg.chart text { fill: currentColor; font-size: 13px; }
svg.chart .chart-label { font-weight: 600; }
svg.chart .chart-alert { fill: var(--sev-high); font-weight: 600; }
svg.chart .chart-track { fill: var(--track); }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 6px 0 0; font-size: 0.9rem; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.seg-compliant { fill: var(--c-compliant); background-color: var(--c-compliant); }
.seg-exempt { fill: var(--c-exempt); background-color: var(--c-exempt); }
.seg-noncompliant { fill: var(--c-noncompliant); background-color: var(--c-noncompliant); }
.seg-violations { fill: var(--c-violations); background-color: var(--c-violations); }
.seg-failed { fill: var(--c-failed); background-color: var(--c-failed); }
.seg-ineffective { fill: var(--c-ineffective); background-color: var(--c-ineffective); }
.seg-deferred { fill: var(--c-deferred); background-color: var(--c-deferred); }
.seg-wouldChange { fill: var(--c-wouldChange); background-color: var(--c-wouldChange); }
.seg-remediated { fill: var(--c-remediated); background-color: var(--c-remediated); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
th { white-space: nowrap; }
th { background: var(--panel); font-weight: 600; }
.severity { font-size: 0.8rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; padding: 1px 6px; border-radius: 4px; border: 1px solid currentColor; }
.severity-high { color: var(--sev-high); }
.severity-medium { color: var(--sev-medium); }
.severity-low, .severity-unknown { color: var(--sev-low); }
.fixable-yes { color: var(--c-compliant); font-weight: 600; }
.fixable-no { color: var(--sev-medium); font-weight: 600; }
.expected, .actual { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
/* Values and owners are whatever Azure or people wrote: a long unbroken one wraps rather than widen the table. */
.expected, .actual, .owner { overflow-wrap: anywhere; }
.expected, .actual { min-width: 10ch; }
td.resource { min-width: 24ch; }
.actual { color: var(--c-noncompliant); }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85rem; }
@media print {
  :root { color-scheme: light; --fg: #000; --muted: #444; --panel: #f3f3f3; --line: #bbb; --link: #000; }
  body { font-size: 11pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; }
  tr, svg.chart, ul.tiles li { break-inside: avoid; }
  .table-wrap { overflow: visible; }
}
`;

/** The stylesheet is the page's only allowed resource, by its hash (Content-Security-Policy Level 2 hash sources). */
const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');
const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'`;

function link(url: string | undefined, text: string, label: string): SafeHtml {
  return url === undefined ? html`${text}` : html`<a href="${url}" target="_blank" rel="noopener noreferrer" aria-label="${label}">${text}</a>`;
}

function time(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</time>`;
}

function header(view: ReportView): SafeHtml {
  return html`<header>
<h1>Compliance sweep</h1>
<p class="run-id">Run <code>${view.runId}</code></p>
<dl class="meta">
  <dt>Status</dt><dd><span class="status status-${view.status}">${view.status}</span></dd>
  <dt>Mode</dt><dd>${view.mode}</dd>
  <dt>Started</dt><dd>${time(view.startedAt)}</dd>
  <dt>Finished</dt><dd>${time(view.finishedAt)} <span class="muted">(${view.duration})</span></dd>
  <dt>Subscriptions</dt><dd>${view.subscriptions.map((subscription, index) => html`${index > 0 ? ', ' : ''}<code>${subscription}</code>`)}</dd>
</dl>
</header>`;
}

function summary(view: ReportView): SafeHtml {
  const overall: ChartRow = {
    label: 'Resources evaluated',
    text: view.complianceRate === null ? 'nothing evaluated' : `${view.compliance} compliant`,
    segments: [
      { key: 'compliant', label: 'compliant', value: view.compliant },
      { key: 'exempt', label: 'exempt', value: view.exempt },
      { key: 'noncompliant', label: 'non-compliant', value: view.nonCompliant },
    ],
  };
  return html`<section aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
${view.complianceRate === null
  ? html`<p class="rate"><strong>n/a</strong> <span>nothing was evaluated: every resource was out of scope or failed, or none was found</span></p>`
  : html`<p class="rate"><strong>${view.compliance}</strong> <span>compliant (or exempt), over the ${view.evaluated} resource(s) evaluated; out-of-scope and failed resources are not counted</span></p>`}
${barChart({ id: 'chart-overall', title: `Compliance: ${view.compliance} of ${view.evaluated} resource(s) evaluated`, rows: [overall] })}
${chartLegend(overall.segments)}
<ul class="tiles">${view.tiles.map((tile) => html`<li class="tone-${tile.tone}"><span class="value">${tile.value}</span>${tile.label}</li>`)}</ul>
</section>`;
}

/** The outcomes the rows show (`open` at least), named with their colours. */
function attentionLegend(rows: readonly AttentionRow[]): SafeHtml {
  const shown = ATTENTION_OUTCOMES.filter((outcome) => outcome === 'violations' || rows.some((row) => row.byOutcome[outcome] > 0));
  return chartLegend(shown.map((outcome) => ({ key: outcome, label: OUTCOME_LABELS[outcome] })));
}

/** One bar per subscription or workspace: its resources needing attention by outcome, and whether it could be read. */
function attentionChartRows(rows: readonly AttentionRow[]): ChartRow[] {
  return rows.map((row) => {
    const unreadable = row.problem !== undefined ? row.problem.status : row.unreadable > 0 ? `${row.unreadable} unreadable` : undefined;
    return {
      label: row.label,
      segments: ATTENTION_OUTCOMES.map((outcome) => ({ key: outcome, label: OUTCOME_LABELS[outcome], value: row.byOutcome[outcome] })),
      text: `${row.needingAttention} needing attention${unreadable === undefined ? '' : `, ${unreadable}`}`,
      alert: unreadable !== undefined,
    };
  });
}

function bySubscription(view: ReportView): SafeHtml {
  return html`<section aria-labelledby="subscriptions-heading">
<h2 id="subscriptions-heading">By subscription</h2>
<p class="muted">Resources with findings per subscription, by what the sweep did about them.</p>
${barChart({ id: 'chart-subscriptions', title: 'Resources needing attention by subscription', rows: attentionChartRows(view.bySubscription) })}
${attentionLegend(view.bySubscription)}
</section>`;
}

function byWorkspace(view: ReportView): SafeHtml {
  if (view.byWorkspace.length === 0) {
    return html`<section aria-labelledby="workspaces-heading"><h2 id="workspaces-heading">By workspace</h2><p>Every workspace swept is compliant.</p></section>`;
  }
  return html`<section aria-labelledby="workspaces-heading">
<h2 id="workspaces-heading">By workspace</h2>
<p class="muted">Workspaces with resources needing attention or that could not be read; the others are compliant.</p>
${barChart({ id: 'chart-workspaces', title: 'Resources needing attention by workspace', rows: attentionChartRows(view.byWorkspace) })}
${attentionLegend(view.byWorkspace)}
<div class="table-wrap"><table>
<thead><tr><th scope="col">Workspace</th><th scope="col">Subscription</th><th scope="col">Needing attention</th><th scope="col">Sweep</th></tr></thead>
<tbody>${view.byWorkspace.map(
    (row) => html`<tr><td>${link(row.studioUrl, row.label, `Open workspace ${row.label} in Azure ML studio`)}</td><td><code>${row.detail ?? ''}</code></td><td>${row.needingAttention}</td><td>${row.problem === undefined ? 'done' : html`<strong>${row.problem.status}</strong>`}</td></tr>`,
  )}</tbody>
</table></div>
</section>`;
}

function fixable(entry: FindingEntry): SafeHtml {
  if (entry.fixable === undefined) return html`<span class="muted">not recorded</span>`;
  return entry.fixable ? html`<span class="fixable-yes">yes</span>` : html`<span class="fixable-no">no</span>`;
}

function findingRow(entry: FindingEntry): SafeHtml {
  return html`<tr>
<td>${link(entry.workspaceUrl, entry.workspaceName, `Open workspace ${entry.workspaceName} in Azure ML studio`)}</td>
<td class="resource">${entry.resourceType === 'compute' ? link(entry.resourceUrl, entry.name, `Open compute ${entry.name} in Azure ML studio`) : entry.resourceType === 'workspace' ? html`<span class="muted">the workspace</span>` : html`${entry.name} <span class="muted">(${entry.resourceType === 'onlineEndpoint' ? 'online endpoint' : entry.resourceType === 'job' ? 'job' : 'online deployment'})</span>`}<br><span class="muted owner">owner: ${entry.owner}</span></td>
<td class="expected">${entry.expected ?? html`<span class="muted">not recorded</span>`}</td>
<td class="actual">${entry.actual ?? html`<span class="muted">not recorded</span>`}</td>
<td>${fixable(entry)}</td>
<td>${entry.outcome}</td>
<td>${entry.advice ?? ''}</td>
</tr>`;
}

function ruleSection(group: RuleGroup, index: number): SafeHtml {
  const severity = group.severity ?? 'unknown';
  const hidden = group.count - group.entries.length;
  return html`<article class="rule" aria-labelledby="rule-${index}">
<h3 id="rule-${index}"><code>${group.rule}</code> <span class="severity severity-${severity}">${severity}</span> <span class="muted">${group.count} finding(s)</span></h3>
${group.entries.length === 0
  ? html`<p class="muted">The resources are not in the stored report (it keeps as many as fit); the audit trail has them.</p>`
  : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Workspace</th><th scope="col">Resource</th><th scope="col">Expected</th><th scope="col">Actual</th><th scope="col">Fixable</th><th scope="col">Outcome</th><th scope="col">Advice</th></tr></thead>
<tbody>${group.entries.map(findingRow)}</tbody>
</table></div>${hidden > 0 ? html`<p class="muted">${hidden} more not in the stored report.</p>` : ''}`}
</article>`;
}

function findings(view: ReportView): SafeHtml {
  return html`<section aria-labelledby="findings-heading">
<h2 id="findings-heading">Findings by rule</h2>
${view.rules.length === 0 ? html`<p>No findings.</p>` : view.rules.map(ruleSection)}
</section>`;
}

function problems(view: ReportView): SafeHtml {
  if (view.problems.length === 0) return html``;
  return html`<section aria-labelledby="problems-heading">
<h2 id="problems-heading">Unreadable or failed workspaces</h2>
<p class="muted">Their resources are not in the counts above.</p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Workspace</th><th scope="col">Subscription</th><th scope="col">Status</th><th scope="col">Problem</th></tr></thead>
<tbody>${view.problems.map(
    (problem) => html`<tr><td>${link(problem.studioUrl, problem.name, `Open workspace ${problem.name} in Azure ML studio`)}</td><td><code>${problem.subscriptionId ?? ''}</code></td><td><strong>${problem.status}</strong></td><td>${problem.error}</td></tr>`,
  )}</tbody>
</table></div>
</section>`;
}

/** The report as a self-contained HTML page. `studioUrl`: the studio the links point to (default `https://ml.azure.com`). */
export function renderReportHtml(report: SweepReport, options: ReportViewOptions = {}): string {
  const view = buildReportView(report, options);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Compliance sweep ${view.runId}: ${view.complianceRate === null ? 'nothing evaluated' : `${view.compliance} compliant`}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${header(view)}
${summary(view)}
${bySubscription(view)}
${byWorkspace(view)}
${findings(view)}
${problems(view)}
${report.quota === undefined ? '' : quotaHtml(report.quota)}
<footer>aml-warden compliance sweep report. Times are UTC. Studio links open the Azure ML studio; this page loads nothing.</footer>
</main>
</body>
</html>
`;
  return page.toString();
}
