/**
 * The report's "Quota" section for terminals, markdown and HTML: one row per VM family in use (or at or over its
 * threshold), at subscription level and per workspace. Families nobody uses are counted, not listed; the JSON has them.
 */
import type { QuotaUtilization } from '../policy/quotaRules.js';
import type { QuotaSection } from './quota/ports.js';
import { html, type SafeHtml } from './safeHtml.js';

/** A shown row's cells: subscription, region, scope, family, used, limit, use, threshold, over. */
export type QuotaRow = readonly [string, string, string, string, string, string, string, string, string];

// 12 + 14 + 20 + 24 + 6 + 8 + 6 + 9 + 4 and eight gaps of two: 119 columns at most.
export const QUOTA_COLUMNS = [
  { header: 'SUBSCRIPTION', max: 12 },
  { header: 'REGION', max: 14 },
  { header: 'SCOPE', max: 20 },
  { header: 'VM FAMILY', max: 24 },
  { header: 'USED', max: 6 },
  { header: 'LIMIT', max: 8 },
  { header: 'USE', max: 6 },
  { header: 'THRESHOLD', max: 9 },
  { header: 'OVER', max: 4 },
] as const;

/** `DSv2 Dedicated` for `Standard_DSv2_Family_Cluster_Dedicated_vCPUs`. */
export function shortFamily(family: string): string {
  return family.replace(/^Standard_/i, '').replace(/_Family_Cluster_/i, ' ').replace(/_vCPUs$/i, '');
}

function shown(section: QuotaSection): QuotaUtilization[] {
  return section.utilizations.filter((utilization) => utilization.current > 0 || utilization.overThreshold);
}

export function quotaRows(section: QuotaSection): QuotaRow[] {
  return shown(section).map((u) => [
    u.subscriptionId,
    u.location,
    u.level === 'workspace' ? `workspace ${u.workspaceName ?? ''}` : 'subscription',
    shortFamily(u.family),
    String(u.current),
    u.limit === null ? 'none' : String(u.limit),
    u.percent === null ? '-' : `${u.percent}%`,
    `${u.threshold}%`,
    u.overThreshold ? 'yes' : '',
  ]);
}

/** What the table leaves out, and what could not be read. */
export function quotaNotes(section: QuotaSection): string[] {
  const notes: string[] = [];
  const hidden = section.utilizations.length - shown(section).length;
  const over = section.utilizations.filter((utilization) => utilization.overThreshold).length;
  notes.push(over === 0 ? 'No VM family is at or over its quota threshold.' : `${over} VM family quota(s) at or over threshold.`);
  if (hidden > 0) notes.push(`${hidden} family quota(s) with nothing in use are not listed (the JSON report has them).`);
  for (const problem of section.problems) notes.push(`Quota of ${problem.subscriptionId} in ${problem.location} could not be read: ${problem.error}`);
  return notes;
}

/** The section as markdown; `escape` is the report's markdown escaping. */
export function quotaMarkdown(section: QuotaSection, escape: (text: string) => string): string {
  const headers = QUOTA_COLUMNS.map((column) => column.header.charAt(0) + column.header.slice(1).toLowerCase());
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rows = quotaRows(section);
  const table = rows.length === 0 ? [] : [line(headers), line(headers.map(() => '---')), ...rows.map((row) => line(row.map(escape)))];
  return ['### Quota', '', ...table, ...(table.length > 0 ? [''] : []), ...quotaNotes(section).map(escape)].join('\n');
}

/** The section as HTML: every value escaped by `html`. */
export function quotaHtml(section: QuotaSection): SafeHtml {
  const rows = quotaRows(section);
  return html`<section aria-labelledby="quota-heading">
<h2 id="quota-heading">Quota</h2>
${rows.length === 0
    ? ''
    : html`<div class="table-wrap"><table>
<thead><tr>${QUOTA_COLUMNS.map((column) => html`<th scope="col">${column.header.charAt(0) + column.header.slice(1).toLowerCase()}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell, index) => (index === 8 && cell !== '' ? html`<td><strong>${cell}</strong></td>` : html`<td>${cell}</td>`))}</tr>`)}</tbody>
</table></div>`}
${quotaNotes(section).map((note) => html`<p class="muted">${note}</p>`)}
</section>`;
}
