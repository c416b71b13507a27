/**
 * The sweep report for terminals, readable at 120 columns: resources by workspace and compute name (ids are in
 * the JSON), one row per finding with what the policy expects and what Azure has, whether enforce mode can fix it
 * in place, and what to do about the rest.
 */
import { describeExpectation, formatValue } from '../policy/findings.js';
import { NO_OWNER, reportSummaryParts, reportTitle, type ReportLine, type SweepReport } from './sweepReport.js';
import { QUOTA_COLUMNS, quotaNotes, quotaRows } from './quotaReport.js';
import type { QuotaSection } from './quota/ports.js';

const WIDTH = 120;

/** The title, then the summary's parts wrapped at 120 columns. */
function headline(report: SweepReport): string {
  const lines = [`${reportTitle(report)}:`];
  let current = '';
  for (const part of reportSummaryParts(report)) {
    const next = current === '' ? `  ${part}` : `${current}, ${part}`;
    if (next.length > WIDTH && current !== '') {
      lines.push(`${current},`);
      current = `  ${part}`;
    } else {
      current = next;
    }
  }
  if (current !== '') lines.push(current);
  return lines.join('\n');
}

/** A column's header and the most characters it shows: longer cells end in `…`, or wrap onto more lines. */
export interface Column {
  readonly header: string;
  readonly max?: number;
  readonly wrap?: boolean;
}

/** Words onto lines of at most `max` characters; a longer word (a resource path) is broken after a `/`, else cut. */
function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    const next = current === '' ? word : `${current} ${word}`;
    if (next.length <= max) current = next;
    else {
      if (current !== '') lines.push(current);
      const pieces = breakAtSlashes(word, max);
      lines.push(...pieces.slice(0, -1));
      current = pieces.at(-1) ?? '';
    }
  }
  return [...lines, current];
}

/** `churn-endpoint/green` at 16: `churn-endpoint/`, `green`; a piece with no `/` to break at is cut. */
function breakAtSlashes(word: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (rest.length > max) {
    const slash = rest.lastIndexOf('/', max - 1);
    if (slash <= 0) break;
    pieces.push(rest.slice(0, slash + 1));
    rest = rest.slice(slash + 1);
  }
  return [...pieces, clip(rest, max)];
}

function clip(text: string, max: number | undefined): string {
  const flat = text.replace(/\s+/g, ' ');
  return max === undefined || flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Columns padded to their widest cell, each cut at its `max`. */
export function renderTable(columns: readonly (Column | string)[], rows: readonly (readonly string[])[]): string {
  const specs: readonly Column[] = columns.map((column) => (typeof column === 'string' ? { header: column } : column));
  const clipped = rows.flatMap((row) => {
    const cells = specs.map((spec, index) => (spec.wrap === true && spec.max !== undefined ? wrapText(row[index] ?? '', spec.max) : [clip(row[index] ?? '', spec.max)]));
    const height = Math.max(...cells.map((lines) => lines.length));
    return Array.from({ length: height }, (_, line) => cells.map((lines) => lines[line] ?? ''));
  });
  const widths = specs.map((spec, index) => Math.max(spec.header.length, ...clipped.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return [line(specs.map((spec) => spec.header)), line(widths.map((width) => '-'.repeat(width))), ...clipped.map(line)].join('\n');
}

/** One row per finding of a line (one row naming its rules, for lines stored before findings were kept). */
function findingRows(line: ReportLine): string[][] {
  if (line.findings === undefined || line.findings.length === 0) return [[line.workspaceName, line.name, line.rules.join(', '), '', '', line.change === undefined ? '' : 'in place', line.outcome]];
  return line.findings.map((finding) => [
    line.workspaceName,
    line.name,
    finding.rule,
    describeExpectation(finding.relation, finding.expected),
    formatValue(finding.actual),
    finding.fixable ? 'in place' : 'by hand',
    line.outcome,
  ]);
}

// 14 + 16 + 28 + 18 + 12 + 8 + 11 and six gaps of two: 119 columns at most.
const FINDING_COLUMNS: readonly Column[] = [
  { header: 'WORKSPACE', max: 14 },
  // Wrapped, not cut: `churn-endpoint/blue` and `churn-endpoint/green` must stay apart.
  { header: 'RESOURCE', max: 16, wrap: true },
  { header: 'RULE', max: 28 },
  { header: 'EXPECTED', max: 18 },
  { header: 'ACTUAL', max: 12 },
  { header: 'FIX', max: 8 },
  { header: 'OUTCOME', max: 11 },
];

/** Each rule's advice, once: what enforce mode does, or what a person must do. */
function adviceByRule(lines: readonly ReportLine[]): string[][] {
  const advice = new Map<string, Set<string>>();
  for (const line of lines) {
    for (const finding of line.findings ?? []) {
      if (finding.advice === undefined) continue;
      advice.set(finding.rule, (advice.get(finding.rule) ?? new Set()).add(finding.advice));
    }
  }
  return [...advice.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([rule, texts]) => [...texts].map((text) => [rule, text]));
}

function problemsTable(report: SweepReport): string | undefined {
  if (report.problems.length === 0) return undefined;
  return renderTable([{ header: 'NOT SWEPT', max: 48 }, { header: 'PROBLEM', max: 68, wrap: true }], report.problems.map((problem) => [shortId(problem.workspaceId), problem.error]));
}

/** `rg-mlops/mlw-demo` for a workspace id, `subscription 1111…` for a subscription's. */
function shortId(id: string): string {
  const workspace = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)$/i.exec(id);
  if (workspace) return `${workspace[1] ?? ''}/${workspace[2] ?? ''}`;
  const subscription = /^\/subscriptions\/([^/]+)$/i.exec(id);
  return subscription ? `subscription ${subscription[1] ?? ''}` : id;
}

/** The findings table people read at the end of `aml-warden sweep`. */
export function formatSweepTable(report: SweepReport): string {
  const sections = [headline(report)];
  sections.push(report.lines.length > 0 ? renderTable(FINDING_COLUMNS, report.lines.flatMap(findingRows)) : 'No findings.');
  const advice = adviceByRule(report.lines);
  if (advice.length > 0) sections.push(renderTable([{ header: 'RULE', max: 28 }, { header: 'WHAT TO DO', max: 88, wrap: true }], advice));
  const owners = Object.entries(report.violationsByOwner);
  if (owners.length > 0) sections.push(renderTable([{ header: 'OWNER', max: 60 }, 'NON-COMPLIANT'], owners.map(([owner, count]) => [owner || NO_OWNER, String(count)])));
  const problems = problemsTable(report);
  if (problems !== undefined) sections.push(problems);
  if (report.quota !== undefined) sections.push(quotaText(report.quota));
  return `${sections.join('\n\n')}\n`;
}

/** `what-if`: exactly the patches enforce mode would write, one change per row. */
export function formatWhatIf(report: SweepReport): string {
  const changes = report.lines.filter((line) => line.change !== undefined);
  const held = report.lines.filter((line) => line.outcome === 'deferred');
  const sections = [headline(report)];
  sections.push(
    changes.length === 0
      ? 'Enforce mode would change nothing.'
      : renderTable(
          [{ header: 'WORKSPACE', max: 18 }, { header: 'RESOURCE', max: 22 }, { header: 'CHANGE', max: 74 }],
          changes.flatMap((line) => (line.change ?? '').split('; ').map((change, index) => (index === 0 ? [line.workspaceName, line.name, change] : ['', '', change]))),
        ),
  );
  if (held.length > 0) sections.push(renderTable([{ header: 'HELD BACK', max: 40 }, { header: 'WHY', max: 76, wrap: true }], held.map((line) => [`${line.workspaceName}/${line.name}`, line.note ?? ''])));
  // Findings a patch cannot fix, of resources enforce mode would patch for the rest too.
  const manual = report.lines.filter((line) => (line.outcome === 'violations' || line.outcome === 'wouldChange') && (line.findings?.some((finding) => !finding.fixable) ?? line.change === undefined));
  if (manual.length > 0) {
    sections.push(
      renderTable(
        FINDING_COLUMNS,
        manual.flatMap(findingRows).filter((row) => row[5] !== 'in place'),
      ),
    );
    sections.push(`${manual.length} resource(s) have findings enforce mode cannot fix in place (above); see WHAT TO DO in \`aml-warden sweep --mode audit\`.`);
  }
  const problems = problemsTable(report);
  if (problems !== undefined) sections.push(problems);
  if (report.quota !== undefined) sections.push(quotaText(report.quota));
  return `${sections.join('\n\n')}\n`;
}

/** The Quota section: its title, the families in use, and its notes. */
function quotaText(section: QuotaSection): string {
  const rows = quotaRows(section);
  return ['Quota:', ...(rows.length === 0 ? [] : [renderTable(QUOTA_COLUMNS, rows)]), ...quotaNotes(section).flatMap((note) => wrapText(note, WIDTH))].join('\n');
}
