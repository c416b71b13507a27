import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimerSchedule } from '../../dev/host/timerSchedule.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';
import {
  alertQueries,
  checkObservabilityInfra,
  checkSweepOverdue,
  checkTelemetryDocs,
  checkTelemetryQueries,
  checkWorkbook,
  emittedTelemetry,
  workbookFileOf,
  workbookQueries,
  type EmittedTelemetry,
} from './telemetryChecks.js';
import { parseTelemetryDoc, readTelemetryCalls, workbookSchema, type DocumentedTelemetry, type TelemetryCall, type Workbook } from './telemetryFacts.js';
import { block, loadInfra, resourcesOfType, type InfraModel, type ResourceBlock } from './terraformModel.js';

const repoRoot = repositoryRoot;
const infraDir = path.join(repoRoot, 'infra');
const docsFile = path.join(repoRoot, 'docs', 'telemetry.md');

let calls: TelemetryCall[];
let catalog: Map<string, EmittedTelemetry>;
let docs: string;
let documented: Map<string, DocumentedTelemetry>;
let infra: InfraModel;
let workbookFile: string;
let workbook: unknown;
let scratch: string | undefined;

beforeAll(async () => {
  calls = await readTelemetryCalls(repoRoot);
  catalog = emittedTelemetry(calls).catalog;
  docs = await readFile(docsFile, 'utf8');
  documented = parseTelemetryDoc(docs);
  infra = await loadInfra(infraDir);
  const file = workbookFileOf(infra);
  if (file === undefined) throw new Error('the workbook resource reads no workbook file');
  workbookFile = path.join(infraDir, file);
  workbook = JSON.parse(await readFile(workbookFile, 'utf8'));
});

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

const gaps = new Map<string, number>();

/** The longest time between two runs of a timer schedule over a year, in hours (the host's own NCRONTAB reading). */
function longestGapHours(schedule: string): number {
  const known = gaps.get(schedule);
  if (known !== undefined) return known;
  const timer = parseTimerSchedule(schedule);
  const end = Date.parse('2027-01-01T00:00:00Z');
  let at = new Date('2026-01-01T00:00:00Z');
  let longest = 0;
  for (let step = 0; step < 20_000 && at.getTime() < end; step += 1) {
    const next = timer.next(at);
    longest = Math.max(longest, next.getTime() - at.getTime());
    at = next;
  }
  gaps.set(schedule, longest / 3_600_000);
  return longest / 3_600_000;
}

const relativeWorkbook = (): string => path.relative(repoRoot, workbookFile);

describe('the telemetry the code sends', () => {
  it('every call of the telemetry port has names the compiler can list (so the checks below are not vacuous)', () => {
    expect(emittedTelemetry(calls).findings).toEqual([]);
    expect(catalog.get('CdFailed')).toMatchObject({ kind: 'event' });
    expect(catalog.get('ComplianceRate')).toMatchObject({ kind: 'metric' });
    // Names built at run time are expanded over the types of their parts.
    expect([...catalog.keys()].filter((name) => /^ComputeRequest[A-Z]/.test(name)).sort()).toEqual(
      ['Approved', 'Created', 'Expired', 'Failed', 'Provisioning', 'Rejected', 'Succeeded'].map((status) => `ComputeRequest${status}`),
    );
    expect([...(catalog.get('CdFailed')?.dimensions ?? [])]).toEqual(expect.arrayContaining(['retry', 'code', 'attempt']));
    expect([...(catalog.get('ComplianceSweepCompleted')?.measurements ?? [])]).toEqual(expect.arrayContaining(['workspaces', 'durationMs']));
  });

  it('a name computed from an unbounded string, and a trackException call, are reported', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'aml-warden-telemetry-'));
    await mkdir(path.join(scratch, 'shared'));
    await copyFile(path.join(repoRoot, 'src', 'shared', 'telemetry.ts'), path.join(scratch, 'shared', 'telemetry.ts'));
    await writeFile(
      path.join(scratch, 'useCase.ts'),
      [
        "import type { Telemetry } from './shared/telemetry.js';",
        "const KNOWN = 'KnownEvent';",
        "export function act(telemetry: Pick<Telemetry, 'trackEvent' | 'trackException'>, input: string, kind: 'A' | 'B'): void {",
        '  telemetry.trackEvent(KNOWN, { id: input });',
        '  telemetry.trackEvent(`Thing${kind}`, undefined, { size: 1 });',
        '  telemetry.trackEvent(input);',
        '  telemetry.trackException(new Error(input));',
        '}',
        '',
      ].join('\n'),
    );
    const found = await readTelemetryCalls(repoRoot, scratch);
    expect(found.map(({ method, names, dimensions, measurements }) => ({ method, names, dimensions, measurements }))).toEqual([
      { method: 'trackEvent', names: ['KnownEvent'], dimensions: ['id'], measurements: [] },
      { method: 'trackEvent', names: ['ThingA', 'ThingB'], dimensions: [], measurements: ['size'] },
      { method: 'trackEvent', names: undefined, dimensions: [], measurements: [] },
      { method: 'trackException', names: undefined, dimensions: [], measurements: [] },
    ]);
    const { findings } = emittedTelemetry(found);
    expect(findings).toEqual([
      expect.stringMatching(/useCase\.ts:6: the trackEvent name is not a string literal or a union of them/),
      expect.stringMatching(/useCase\.ts:7: trackException is called/),
    ]);
  });
});

describe('docs/telemetry.md', () => {
  it('lists every custom event and metric the code sends, with every dimension and measurement the code names, and nothing else', () => {
    expect(checkTelemetryDocs(catalog, documented)).toEqual([]);
  });

  it('a missing name, a missing dimension, a stale name or a name under the wrong kind is reported', () => {
    const withoutSection = docs.replace(/### `CdRunNotFindable`[\s\S]*?(?=\n### )/, '');
    expect(checkTelemetryDocs(catalog, parseTelemetryDoc(withoutSection))).toEqual([expect.stringMatching(/^'CdRunNotFindable' \(custom event, sent at src\/modelCd\/startCdRunOnce\.ts:\d+\) is not in docs\/telemetry\.md$/)]);

    const withoutDimension = docs.replace(/^\| `recovered` \|.*\n/m, '');
    expect(checkTelemetryDocs(catalog, parseTelemetryDoc(withoutDimension))).toEqual([expect.stringMatching(/^'CdTriggered': dimension 'recovered' .* is not in its dimension table/)]);

    const withoutMeasurement = docs.replace(/^\| `durationMs` \|.*\n/m, '');
    expect(checkTelemetryDocs(catalog, parseTelemetryDoc(withoutMeasurement))).toEqual([expect.stringMatching(/^'ComplianceSweepCompleted': measurement 'durationMs' .* is not in its measurement table/)]);

    const stale = docs.replace('## Custom metrics', '### `CdFinished`\n\nNo longer sent.\n\n## Custom metrics');
    expect(checkTelemetryDocs(catalog, parseTelemetryDoc(stale))).toEqual(["docs/telemetry.md lists 'CdFinished', which the code does not send"]);

    const misplaced = docs.replace('### `EventsDropped`', '## Custom events\n\n### `EventsDropped`');
    expect(checkTelemetryDocs(catalog, parseTelemetryDoc(misplaced))).toContainEqual("'EventsDropped' is a custom metric; docs/telemetry.md lists it under custom events");
  });
});

describe('the workbook', () => {
  it('is a gallery template whose queries filter on its time range, with the compliance, CD, failed-run notification and lead-time panels', () => {
    expect(checkWorkbook(workbook, relativeWorkbook())).toEqual([]);
  });

  it('queries only names the code sends, from the tables they land in, and only documented dimensions', () => {
    const queries = workbookQueries(workbook, relativeWorkbook());
    expect(queries.length).toBeGreaterThanOrEqual(4);
    expect(checkTelemetryQueries(queries, catalog, documented)).toEqual([]);
  });

  /** A copy of the workbook with one query item's query changed. */
  function withQuery(item: string, change: (query: string) => string): Workbook {
    const copy = workbookSchema.parse(workbook);
    return {
      ...copy,
      items: copy.items.map((candidate) =>
        candidate.type === 3 && candidate.name === item ? { ...candidate, content: { ...candidate.content, query: change(candidate.content.query) } } : candidate,
      ),
    };
  }

  it('a name the code does not send, a dimension it does not document, or a metric read from customEvents is reported', () => {
    const check = (copy: unknown) => checkTelemetryQueries(workbookQueries(copy, 'wb'), catalog, documented);
    expect(check(withQuery('cd-runs', (query) => query.replace('"CdSkipped"', '"CdFinished"')))).toEqual(["wb item 'cd-runs': 'CdFinished' is not a name the code sends"]);
    expect(check(withQuery('cd-failures', (query) => query.replace('customDimensions.code', 'customDimensions.errorCode')))).toEqual([
      "wb item 'cd-failures': customDimensions.errorCode is not a dimension of CdFailed (docs/telemetry.md)",
    ]);
    expect(check(withQuery('compliance-over-time', (query) => query.replace('customMetrics', 'customEvents')))).toEqual([
      "wb item 'compliance-over-time': 'ComplianceRate' is a custom metric, in customMetrics, which the query does not read",
    ]);
  });

  it('a wrong shape, a missing panel, an unknown parameter or a query ignoring the time range is reported', () => {
    const parsed = workbookSchema.parse(workbook);
    expect(checkWorkbook({ ...parsed, version: 'Notebook/2.0' }, 'wb')).toEqual([expect.stringMatching(/^wb: version: /)]);
    expect(checkWorkbook({ ...parsed, items: parsed.items.filter((item) => item.name !== 'compute-request-lead-time') }, 'wb')).toEqual([
      "wb: the query item 'compute-request-lead-time' is missing",
    ]);
    expect(checkWorkbook(withQuery('cd-runs', (query) => query.replace('{TimeRange:grain}', '{Grain}')), 'wb')).toEqual(["wb item 'cd-runs': {Grain} is not a parameter of the workbook"]);
    expect(checkWorkbook(withQuery('cd-runs', (query) => query.replace('| where timestamp {TimeRange}\n', '')), 'wb')).toEqual([
      `wb item 'cd-runs': must filter on the time range ("| where timestamp {TimeRange}")`,
    ]);
    expect(checkWorkbook(withQuery('compliance-over-time', (query) => query.replace('"ComplianceRate"', '"PolicyViolations"')), 'wb')).toEqual([
      "wb item 'compliance-over-time': must query 'ComplianceRate'",
    ]);
  });
});

describe('the alert rules', () => {
  it('alert on CD failures and on a compliance sweep that did not complete, scoped to Application Insights, notifying the action groups, with no identity or role', () => {
    expect(checkObservabilityInfra(infra)).toEqual([]);
  });

  it('query only names the code sends and dimensions it documents', () => {
    const queries = alertQueries(infra);
    expect(queries.map((query) => query.query).join('\n')).not.toContain('${');
    expect(checkTelemetryQueries(queries, catalog, documented)).toEqual([]);
  });

  it('the sweep alert waits longer than the longest gap between two scheduled sweeps, in every environment', () => {
    expect(longestGapHours('0 0 */6 * * *')).toBe(6);
    expect(longestGapHours('0 30 9 * * 1-5')).toBe(72);
    expect(checkSweepOverdue(infra, longestGapHours)).toEqual([]);
  });

  /** A copy of the parsed HCL with the alert of that name changed. */
  function withAlert(name: string, change: (alert: ResourceBlock) => void): InfraModel {
    const copy = structuredClone(infra);
    const alert = resourcesOfType(copy, 'azurerm_monitor_scheduled_query_rules_alert_v2').find((candidate) => candidate.name === name);
    if (alert === undefined) throw new Error(`no alert ${name}`);
    change(alert);
    return copy;
  }

  it('an alert without the action groups, with an identity, on another scope or on a name the code does not send is reported', () => {
    const broken = withAlert('cd_failures', (alert) => {
      delete alert.body.action;
      alert.body.identity = [{ type: 'SystemAssigned' }];
      alert.body.scopes = ['${module.monitoring.log_analytics_workspace_id}'];
      const criteria = block(alert.body, 'criteria');
      if (criteria !== undefined) criteria.query = String(criteria.query).replace('"CdFailed"', '"CdFailure"');
    });
    expect(checkObservabilityInfra(broken)).toEqual([
      expect.stringMatching(/no azurerm_monitor_scheduled_query_rules_alert_v2 alerts on CD failures/),
      expect.stringMatching(/cd_failures: scopes must be \[module\.monitoring\.app_insights_id\]/),
      expect.stringMatching(/cd_failures: must notify var\.alert_action_group_ids/),
      expect.stringMatching(/cd_failures: must hold no identity/),
    ]);
    expect(checkTelemetryQueries(alertQueries(broken), catalog, documented)).toEqual([expect.stringMatching(/cd_failures: 'CdFailure' is not a name the code sends/)]);
  });

  it('a sweep alert that would fire between two scheduled sweeps is reported, for the environment that schedules them', () => {
    const daily = structuredClone(infra);
    const prod = daily.tfvars.get('prod');
    if (prod === undefined) throw new Error('no prod.tfvars');
    prod.sweep_schedule = '0 0 2 * * *';
    expect(checkSweepOverdue(daily, longestGapHours)).toEqual([
      "prod: sweep_overdue_after_hours (8 h) must exceed the longest gap between sweeps of '0 0 2 * * *' (24 h), or the alert fires between two sweeps",
    ]);
    const tooLong = structuredClone(infra);
    const dev = tooLong.tfvars.get('dev');
    if (dev === undefined) throw new Error('no dev.tfvars');
    dev.sweep_overdue_after_hours = 60;
    expect(checkSweepOverdue(tooLong, longestGapHours)).toEqual([expect.stringMatching(/^dev: sweep_overdue_after_hours \(60 h\) looks back beyond the rule's window_duration \(48 h\)$/)]);
  });
});
