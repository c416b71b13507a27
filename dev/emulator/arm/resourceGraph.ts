import type { Router } from '../router.js';
import { COMPUTE_TYPE, WORKSPACE_TYPE, parseResourceId, type ArmResource } from '../state.js';
import { armHandler, isRecord, readJsonObject, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { QueryError, parseQuery, runQuery, typeFilterOf, type Row } from './resourceGraphQuery.js';
import { EMULATOR_TENANT_ID } from './resourceEvents.js';

const DEFAULT_TOP = 100;
const MAX_TOP = 1000;

/**
 * Resource Graph `POST /providers/Microsoft.ResourceGraph/resources` (2021-03-01): the Resources table
 * over the emulated subscriptions, `$top`/`$skip`/`$skipToken` paging, objectArray or table results.
 * Its per-user quota is applied by the ARM gate.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state } = services;

  router.add(
    'POST',
    '/providers/Microsoft.ResourceGraph/resources',
    armHandler((request) => {
      const body = readJsonObject(request.body);
      const text = body['query'];
      if (typeof text !== 'string' || text.trim() === '') return invalidQuery("The request must contain a non-empty 'query'.");
      const options = isRecord(body['options']) ? body['options'] : {};
      const top = numberOption(options['$top'], DEFAULT_TOP, '$top');
      if (top < 1 || top > MAX_TOP) return invalidQuery(`'$top' must be between 1 and ${MAX_TOP}.`);
      const skip = options['$skipToken'] !== undefined ? offsetFromToken(options['$skipToken']) : numberOption(options['$skip'], 0, '$skip');
      const format = options['resultFormat'] === undefined ? 'objectArray' : String(options['resultFormat']);
      if (format !== 'objectArray' && format !== 'table') return invalidQuery(`'resultFormat' must be 'objectArray' or 'table'.`);

      let parsed;
      try {
        parsed = parseQuery(text);
      } catch (error) {
        if (error instanceof QueryError) return invalidQuery(error.message);
        throw error;
      }
      const subscriptions = Array.isArray(body['subscriptions']) ? new Set(body['subscriptions'].map((s) => String(s).toLowerCase())) : undefined;
      const typeFilter = typeFilterOf(parsed);
      const candidates = typeFilter === undefined ? allResources(services) : [...state.ofType(typeFilter)];
      const rows = candidates
        .filter((resource) => !subscriptions || subscriptions.has((parseResourceId(resource.id)?.subscriptionId ?? '').toLowerCase()))
        .map(rowOf);
      const matched = runQuery(parsed, rows);
      const page = matched.slice(skip, skip + top);
      const next = skip + top;
      return {
        status: 200,
        body: {
          totalRecords: matched.length,
          count: page.length,
          resultTruncated: 'false',
          ...(next < matched.length ? { $skipToken: Buffer.from(JSON.stringify({ offset: next })).toString('base64url') } : {}),
          facets: [],
          data: format === 'table' ? asTable(page) : page,
        },
      };
    }),
  );
}

/** The Resources table holds the tracked resources: workspaces and computes (models and jobs are data plane). */
function allResources(services: ArmServices): ArmResource[] {
  return [...services.state.ofType(WORKSPACE_TYPE), ...services.state.ofType(COMPUTE_TYPE)];
}

/** A row of the Resources table: lower-case type and resource group, as Resource Graph normalises them. */
function rowOf(resource: ArmResource): Row {
  const parsed = parseResourceId(resource.id);
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type.toLowerCase(),
    tenantId: EMULATOR_TENANT_ID,
    kind: '',
    location: resource.location ?? '',
    resourceGroup: (parsed?.resourceGroup ?? '').toLowerCase(),
    subscriptionId: parsed?.subscriptionId ?? '',
    managedBy: '',
    sku: resource.extra['sku'] ?? null,
    plan: null,
    properties: structuredClone(resource.properties),
    tags: { ...resource.tags },
    identity: resource.extra['identity'] ?? null,
    zones: null,
    extendedLocation: null,
  };
}

function asTable(rows: readonly Row[]): { columns: { name: string; type: string }[]; rows: unknown[][] } {
  const first = rows[0];
  const names = first ? Object.keys(first) : [];
  const typeOf = (value: unknown): string => (typeof value === 'number' ? 'integer' : typeof value === 'boolean' ? 'boolean' : typeof value === 'object' && value !== null ? 'object' : 'string');
  return {
    columns: names.map((name) => ({ name, type: typeOf(first?.[name]) })),
    rows: rows.map((row) => names.map((name) => row[name] ?? null)),
  };
}

function numberOption(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null) return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) return invalidQuery(`'${name}' must be a non-negative integer.`);
  return parsed;
}

function offsetFromToken(token: unknown): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (isRecord(parsed) && typeof parsed['offset'] === 'number' && parsed['offset'] >= 0) return parsed['offset'];
  } catch {
    // fall through to the error below
  }
  return invalidQuery("The '$skipToken' is not valid.");
}

function invalidQuery(message: string): never {
  return refuse(400, 'BadRequest', `Please provide below info when asking for support: InvalidQuery. ${message}`);
}
