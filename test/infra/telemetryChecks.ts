/**
 * Checks that tie the app's telemetry to what is written about it and built on it: `docs/telemetry.md`, the
 * workbook (`infra/workbooks/`) and the alert rules (`infra/observability.tf`). Each is a pure function of facts
 * read elsewhere (`telemetryFacts.ts`, `terraformModel.ts`) returning its findings as sentences; no finding = the
 * check holds. Pure so the tests can run them on broken copies and see them fail.
 */
import type { Findings } from './checks.js';
import { kindOf, kqlUses, tableOfKind, workbookSchema, type DocumentedTelemetry, type TelemetryCall, type TelemetryKind } from './telemetryFacts.js';
import { address, block, blocks, resourcesOfType, stringsOf, type HclObject, type InfraModel, type ResourceBlock } from './terraformModel.js';

export interface EmittedTelemetry {
  readonly kind: TelemetryKind;
  readonly dimensions: ReadonlySet<string>;
  readonly measurements: ReadonlySet<string>;
  /** The call sites, `src/…:line`. */
  readonly where: readonly string[];
}

/** Name → what the code sends under it, merged over its call sites; findings for calls whose name cannot be known. */
export function emittedTelemetry(calls: readonly TelemetryCall[]): { catalog: Map<string, EmittedTelemetry>; findings: Findings } {
  const findings: Findings = [];
  type Entry = { kind: TelemetryKind; dimensions: Set<string>; measurements: Set<string>; where: string[] };
  const catalog = new Map<string, Entry>();
  for (const call of calls) {
    const kind = kindOf(call.method);
    if (kind === undefined) {
      findings.push(`${call.where}: trackException is called, and docs/telemetry.md ("Exceptions") says nothing calls it: document the exception and what it carries`);
      continue;
    }
    if (call.names === undefined || call.names.length === 0) {
      findings.push(`${call.where}: the ${call.method} name is not a string literal or a union of them, so it cannot be documented or queried: name it with a constant`);
      continue;
    }
    for (const name of call.names) {
      const entry: Entry = catalog.get(name) ?? { kind, dimensions: new Set<string>(), measurements: new Set<string>(), where: [] };
      if (entry.kind !== kind) findings.push(`${call.where}: '${name}' is sent as a custom ${kind} here and as a custom ${entry.kind} at ${entry.where.join(', ')}`);
      for (const dimension of call.dimensions) entry.dimensions.add(dimension);
      for (const measurement of call.measurements) entry.measurements.add(measurement);
      entry.where.push(call.where);
      catalog.set(name, entry);
    }
  }
  return { catalog, findings };
}

/** Every name the code sends is documented, under its kind, with every dimension and measurement the code names; nothing else is. */
export function checkTelemetryDocs(catalog: ReadonlyMap<string, EmittedTelemetry>, documented: ReadonlyMap<string, DocumentedTelemetry>): Findings {
  const findings: Findings = [];
  for (const [name, emitted] of catalog) {
    const doc = documented.get(name);
    if (doc === undefined) {
      findings.push(`'${name}' (custom ${emitted.kind}, sent at ${emitted.where.join(', ')}) is not in docs/telemetry.md`);
      continue;
    }
    if (doc.kind !== emitted.kind) findings.push(`'${name}' is a custom ${emitted.kind}; docs/telemetry.md lists it under custom ${doc.kind}s`);
    for (const dimension of emitted.dimensions) {
      if (!doc.dimensions.has(dimension)) findings.push(`'${name}': dimension '${dimension}' (${emitted.where.join(', ')}) is not in its dimension table in docs/telemetry.md`);
    }
    for (const measurement of emitted.measurements) {
      if (!doc.measurements.has(measurement)) findings.push(`'${name}': measurement '${measurement}' (${emitted.where.join(', ')}) is not in its measurement table in docs/telemetry.md`);
    }
  }
  for (const name of documented.keys()) {
    if (!catalog.has(name)) findings.push(`docs/telemetry.md lists '${name}', which the code does not send`);
  }
  return findings;
}

export interface TelemetryQuery {
  /** Where the query is, for the finding. */
  readonly where: string;
  readonly query: string;
}

/**
 * Every name a query uses is one the code sends, read from the table its kind lands in; every dimension or
 * measurement it reads is documented for one of those names.
 */
export function checkTelemetryQueries(
  queries: readonly TelemetryQuery[],
  catalog: ReadonlyMap<string, EmittedTelemetry>,
  documented: ReadonlyMap<string, DocumentedTelemetry>,
): Findings {
  const findings: Findings = [];
  for (const { where, query } of queries) {
    const uses = kqlUses(query);
    if (uses.tables.size === 0) findings.push(`${where}: reads neither customEvents nor customMetrics`);
    if (uses.names.length === 0 && uses.namePrefixes.length === 0) findings.push(`${where}: names no telemetry (name == "…", name in (…) or name startswith "…")`);
    const readable = (name: string): boolean => {
      const emitted = catalog.get(name);
      return emitted !== undefined && uses.tables.has(tableOfKind[emitted.kind]);
    };
    const referenced: string[] = [];
    for (const name of uses.names) {
      const emitted = catalog.get(name);
      if (emitted === undefined) findings.push(`${where}: '${name}' is not a name the code sends`);
      else if (!readable(name)) findings.push(`${where}: '${name}' is a custom ${emitted.kind}, in ${tableOfKind[emitted.kind]}, which the query does not read`);
      else referenced.push(name);
    }
    for (const prefix of uses.namePrefixes) {
      const matching = [...catalog.keys()].filter((name) => name.startsWith(prefix) && readable(name));
      if (matching.length === 0) findings.push(`${where}: no name the code sends in the tables it reads starts with '${prefix}'`);
      referenced.push(...matching);
    }
    // Without a name it may read, what its dimensions belong to is unknown; that is reported above.
    if (referenced.length === 0) continue;
    const described = [...new Set(referenced)].join(', ');
    for (const dimension of uses.dimensions) {
      if (!referenced.some((name) => documented.get(name)?.dimensions.has(dimension))) {
        findings.push(`${where}: customDimensions.${dimension} is not a dimension of ${described} (docs/telemetry.md)`);
      }
    }
    for (const measurement of uses.measurements) {
      if (!referenced.some((name) => documented.get(name)?.measurements.has(measurement))) {
        findings.push(`${where}: customMeasurements.${measurement} is not a measurement of ${described} (docs/telemetry.md)`);
      }
    }
  }
  return findings;
}

/** The panels operators rely on, by the item's name and the telemetry its query must use. */
export const requiredPanels: readonly { readonly item: string; readonly names: readonly string[] }[] = [
  { item: 'compliance-over-time', names: ['ComplianceRate'] },
  { item: 'cd-runs', names: ['CdTriggered', 'CdSkipped', 'CdFailed'] },
  { item: 'failed-run-notifications', names: ['NotificationSent', 'NotificationFolded'] },
  { item: 'compute-request-lead-time', names: ['ComputeRequestCreated', 'ComputeRequestApproved', 'ComputeRequestRejected', 'ComputeRequestSucceeded'] },
];

/** The workbook's queries, for `checkTelemetryQueries`; empty when it does not parse. */
export function workbookQueries(workbook: unknown, file: string): TelemetryQuery[] {
  const parsed = workbookSchema.safeParse(workbook);
  if (!parsed.success) return [];
  return parsed.data.items.flatMap((item) => (item.type === 3 ? [{ where: `${file} item '${item.name}'`, query: item.content.query }] : []));
}

/**
 * The workbook is a gallery template (`Notebook/1.0`) of text, parameter and query items; item names are unique;
 * every query filters on the time range picker and uses only parameters the workbook defines; the required panels
 * are there and query what they show.
 */
export function checkWorkbook(workbook: unknown, file: string): Findings {
  const parsed = workbookSchema.safeParse(workbook);
  if (!parsed.success) return parsed.error.issues.map((issue) => `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const findings: Findings = [];
  const { items } = parsed.data;
  const names = items.map((item) => item.name);
  for (const name of new Set(names)) if (names.filter((other) => other === name).length > 1) findings.push(`${file}: item name '${name}' is used more than once`);
  const parameters = new Set(items.flatMap((item) => (item.type === 9 ? item.content.parameters.map((parameter) => parameter.name) : [])));
  for (const item of items) {
    if (item.type !== 3) continue;
    const where = `${file} item '${item.name}'`;
    const { query, timeContextFromParameter } = item.content;
    if (!parameters.has(timeContextFromParameter)) findings.push(`${where}: timeContextFromParameter '${timeContextFromParameter}' is not a parameter of the workbook`);
    if (!new RegExp(`\\btimestamp\\s*\\{${timeContextFromParameter}\\}`).test(query)) findings.push(`${where}: must filter on the time range ("| where timestamp {${timeContextFromParameter}}")`);
    for (const match of query.matchAll(/\{([A-Za-z][A-Za-z0-9_]*)(?::[a-z]+)?\}/g)) {
      if (match[1] !== undefined && !parameters.has(match[1])) findings.push(`${where}: {${match[1]}} is not a parameter of the workbook`);
    }
  }
  for (const panel of requiredPanels) {
    const item = items.find((candidate) => candidate.name === panel.item);
    if (item === undefined || item.type !== 3) {
      findings.push(`${file}: the query item '${panel.item}' is missing`);
      continue;
    }
    const used = kqlUses(item.content.query).names;
    for (const name of panel.names) if (!used.includes(name)) findings.push(`${file} item '${panel.item}': must query '${name}'`);
  }
  return findings;
}

const workbookType = 'azurerm_application_insights_workbook';
const alertType = 'azurerm_monitor_scheduled_query_rules_alert_v2';
const appInsightsId = '${module.monitoring.app_insights_id}';

/** The workbook file the workbook resource reads (`file("${path.module}/<path>")`), relative to its module. */
export function workbookFileOf(model: InfraModel): string | undefined {
  const [workbook] = resourcesOfType(model, workbookType);
  const dataJson = typeof workbook?.body.data_json === 'string' ? workbook.body.data_json : '';
  return /file\("\$\{path\.module\}\/([^"]+)"\)/.exec(dataJson)?.[1];
}

/** `${var.name}` in text → the root variable's default (what the rule gets unless an environment overrides it). */
export function withVariableDefaults(model: InfraModel, text: string): string {
  const variables = model.modules.get('.')?.variables;
  return text.replace(/\$\{var\.([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const value = variables?.get(name)?.default;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : whole;
  });
}

function queryOf(alert: ResourceBlock): string {
  const query = block(alert.body, 'criteria')?.query;
  return typeof query === 'string' ? query : '';
}

/** The alert rules' queries, with variables at their defaults. */
export function alertQueries(model: InfraModel): TelemetryQuery[] {
  return resourcesOfType(model, alertType).map((alert) => ({ where: address(alert), query: withVariableDefaults(model, queryOf(alert)) }));
}

function alertNaming(model: InfraModel, name: string): ResourceBlock | undefined {
  return resourcesOfType(model, alertType).find((alert) => kqlUses(queryOf(alert)).names.includes(name));
}

/**
 * The workbook is deployed from the JSON file, listed under the Application Insights resource; there is an alert on
 * CD failures and one on a sweep that did not complete; every alert is scoped to Application Insights, notifies the
 * action groups of `alert_action_group_ids`, and holds no identity, and no role is granted to either.
 */
export function checkObservabilityInfra(model: InfraModel): Findings {
  const findings: Findings = [];
  const workbooks = resourcesOfType(model, workbookType);
  if (workbooks.length !== 1) findings.push(`expected one ${workbookType}, found ${workbooks.length}`);
  for (const workbook of workbooks) {
    if (workbookFileOf(model) === undefined) findings.push(`${address(workbook)}: data_json must be read from the workbook file (file("\${path.module}/workbooks/….json"))`);
    if (workbook.body.source_id !== '${lower(module.monitoring.app_insights_id)}') findings.push(`${address(workbook)}: source_id must be lower(module.monitoring.app_insights_id)`);
  }
  const alerts = resourcesOfType(model, alertType);
  for (const [name, purpose] of [
    ['CdFailed', 'CD failures'],
    ['ComplianceSweepCompleted', 'a compliance sweep that did not complete'],
  ] as const) {
    if (alertNaming(model, name) === undefined) findings.push(`no ${alertType} alerts on ${purpose} (a query naming '${name}')`);
  }
  for (const alert of alerts) {
    const where = address(alert);
    if (JSON.stringify(alert.body.scopes) !== JSON.stringify([appInsightsId])) findings.push(`${where}: scopes must be [module.monitoring.app_insights_id]`);
    const actions = blocks(alert.body, 'action');
    if (actions.length !== 1 || actions[0]?.action_groups !== '${var.alert_action_group_ids}') findings.push(`${where}: must notify var.alert_action_group_ids (one action block)`);
    if (blocks(alert.body, 'identity').length > 0) findings.push(`${where}: must hold no identity (it would need a role assignment)`);
  }
  for (const assignment of resourcesOfType(model, 'azurerm_role_assignment')) {
    const principal = JSON.stringify(assignment.body.principal_id ?? '');
    if (principal.includes(alertType) || principal.includes(workbookType)) findings.push(`${address(assignment)}: grants a role to an alert rule or workbook`);
  }
  return findings;
}

const isoHours: Readonly<Record<string, number>> = { PT1H: 1, PT2H: 2, PT3H: 3, PT4H: 4, PT5H: 5, PT6H: 6, P1D: 24, P2D: 48 };

/**
 * The sweep alert looks back further than the longest gap between two scheduled sweeps, in every environment, and no
 * further than its window. `longestGapHours(schedule)` measures a schedule's longest gap.
 */
export function checkSweepOverdue(model: InfraModel, longestGapHours: (schedule: string) => number): Findings {
  const alert = alertNaming(model, 'ComplianceSweepCompleted');
  if (alert === undefined) return ['no alert names ComplianceSweepCompleted'];
  const where = address(alert);
  const variable = /ago\(\$\{var\.([A-Za-z0-9_]+)\}h\)/.exec(queryOf(alert))?.[1];
  if (variable === undefined) return [`${where}: must look back ago(\${var.<hours>}h)`];
  const windowHours = isoHours[typeof alert.body.window_duration === 'string' ? alert.body.window_duration : ''];
  if (windowHours === undefined) return [`${where}: window_duration must be whole hours or days`];
  const root = model.modules.get('.')?.variables;
  const defaults: HclObject = { [variable]: root?.get(variable)?.default ?? null, sweep_schedule: root?.get('sweep_schedule')?.default ?? null };
  const findings: Findings = [];
  for (const [environment, values] of [['defaults', defaults] as const, ...model.tfvars]) {
    const hours = values[variable] ?? defaults[variable];
    const [schedule] = stringsOf(values.sweep_schedule ?? defaults.sweep_schedule);
    if (typeof hours !== 'number' || schedule === undefined) {
      findings.push(`${environment}: ${variable} and sweep_schedule must be known`);
      continue;
    }
    const gap = longestGapHours(schedule);
    if (hours <= gap) findings.push(`${environment}: ${variable} (${hours} h) must exceed the longest gap between sweeps of '${schedule}' (${gap} h), or the alert fires between two sweeps`);
    if (hours > windowHours) findings.push(`${environment}: ${variable} (${hours} h) looks back beyond the rule's window_duration (${windowHours} h)`);
  }
  return findings;
}
