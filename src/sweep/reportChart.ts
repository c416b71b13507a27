/**
 * Horizontal stacked bars as inline SVG, drawn on the server: no script, nothing loaded. Each chart is an image with
 * a title and a description that says every value in words (what a screen reader reads), and every bar also shows
 * its numbers as text. Colours come from the page's stylesheet (`.seg-<key>`), so they follow light and dark mode.
 */
import { html, type SafeHtml } from './safeHtml.js';

export interface ChartSegment {
  /** Becomes the CSS class `seg-<key>`. */
  readonly key: string;
  readonly label: string;
  readonly value: number;
}

export interface ChartRow {
  readonly label: string;
  readonly segments: readonly ChartSegment[];
  /** Shown after the bar instead of the total. */
  readonly text?: string | undefined;
  /** The text is a warning (e.g. `unreadable`). */
  readonly alert?: boolean;
}

export interface BarChart {
  /** Unique in the page: the ids of the chart's title and description derive from it. */
  readonly id: string;
  readonly title: string;
  readonly rows: readonly ChartRow[];
  /** The scale's maximum; default the largest row total. */
  readonly max?: number;
}

/** Each row is its label over its bar, the bar's numbers after it: long names (subscription ids) need no truncating column. */
const WIDTH = 760;
const BAR_WIDTH = 470;
const ROW_HEIGHT = 46;
const LABEL_Y = 15;
const BAR_Y = 22;
const BAR_HEIGHT = 16;
const MAX_LABEL_CHARS = 100;

function total(row: ChartRow): number {
  return row.segments.reduce((sum, segment) => sum + segment.value, 0);
}

function shorten(label: string): string {
  return label.length <= MAX_LABEL_CHARS ? label : `${label.slice(0, MAX_LABEL_CHARS - 1)}…`;
}

/** The row in words: `mlw-demo: 2 (2 open)`. */
export function describeRow(row: ChartRow, totalText: string): string {
  const parts = row.segments.filter((segment) => segment.value > 0).map((segment) => `${segment.value} ${segment.label}`);
  return `${row.label}: ${totalText}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

export function barChart(chart: BarChart): SafeHtml {
  const max = Math.max(1, chart.max ?? Math.max(0, ...chart.rows.map(total)));
  const height = Math.max(1, chart.rows.length) * ROW_HEIGHT + 4;
  const texts = chart.rows.map((row) => row.text ?? String(total(row)));
  const description = chart.rows.map((row, index) => describeRow(row, texts[index] ?? '')).join('; ');
  const rows = chart.rows.map((row, index) => {
    const y = index * ROW_HEIGHT;
    const barY = y + BAR_Y;
    let x = 0;
    const segments = row.segments
      .filter((segment) => segment.value > 0)
      .map((segment) => {
        const width = (segment.value / max) * BAR_WIDTH;
        const rect = html`<rect class="seg seg-${segment.key}" x="${x.toFixed(1)}" y="${barY}" width="${Math.max(width, 1).toFixed(1)}" height="${BAR_HEIGHT}"><title>${row.label}: ${segment.value} ${segment.label}</title></rect>`;
        x += width;
        return rect;
      });
    return html`<g class="chart-row">
  <text class="chart-label" x="0" y="${y + LABEL_Y}"><title>${row.label}</title>${shorten(row.label)}</text>
  <rect class="chart-track" x="0" y="${barY}" width="${BAR_WIDTH}" height="${BAR_HEIGHT}"></rect>
  ${segments}
  <text class="chart-value${row.alert === true ? ' chart-alert' : ''}" x="${BAR_WIDTH + 10}" y="${barY + BAR_HEIGHT / 2}" dominant-baseline="central">${texts[index]}</text>
</g>`;
  });
  return html`<svg class="chart" id="${chart.id}" role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
<title id="${chart.id}-title">${chart.title}</title>
<desc id="${chart.id}-desc">${description}</desc>
${rows}
</svg>`;
}

/** The colours of a chart, named, for the page next to it. */
export function chartLegend(segments: readonly Pick<ChartSegment, 'key' | 'label'>[]): SafeHtml {
  return html`<ul class="legend">${segments.map((segment) => html`<li><span class="swatch seg-${segment.key}" aria-hidden="true"></span>${segment.label}</li>`)}</ul>`;
}
