/**
 * State in Azure Table Storage: the dedup ledger, compute requests, burst windows, sweep progress.
 * Instances agree through conditional writes (insert-if-absent, If-Match), never through memory.
 * `@azure/data-tables` is imported on first use.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { TableClient } from '@azure/data-tables';
import type { ZodType } from 'zod';
import type { StateSettings } from '../../config.js';
import { AppError } from '../../errors.js';
import { azureErrorFacts, fromAzureError } from '../azureErrors.js';
import { perRetryPolicies } from '../pipelinePolicies.js';
import { isLoopbackHttp } from '../http/httpClient.js';

const MODULE = 'tableState';

export interface EntityKeys {
  readonly partitionKey: string;
  readonly rowKey: string;
}

export type EntityProperties = Readonly<Record<string, unknown>>;

export interface StoredEntity<T> {
  readonly entity: T & EntityKeys;
  /** The entity's version; pass it back to replace/merge/delete to write only if nobody else did. */
  readonly etag: string;
}

export interface StateTable<T extends object = EntityProperties> {
  /** The table's name in the storage account (prefix + name). */
  readonly tableName: string;
  get(partitionKey: string, rowKey: string): Promise<StoredEntity<T> | undefined>;
  /** Creates the entity only if absent: `false` when it already exists (someone else won). */
  insert(entity: T & EntityKeys): Promise<{ readonly etag: string } | false>;
  /** Replaces the whole entity if it is still at `etag`; otherwise `AppError('Conflict')`. Returns the new etag. */
  replace(entity: T & EntityKeys, etag: string): Promise<string>;
  /** Merges the given properties if the entity is still at `etag`; otherwise `AppError('Conflict')`. Returns the new etag. */
  merge(entity: Partial<T> & EntityKeys, etag: string): Promise<string>;
  /** Writes unconditionally (last writer wins). Returns the new etag. */
  upsert(entity: T & EntityKeys, mode?: 'replace' | 'merge'): Promise<string>;
  /**
   * Upserts (replace) entities of one partition in entity group transactions: each batch of up to 100 is written
   * whole or not at all; entities of another partition are refused before anything is written.
   */
  upsertAll(entities: readonly (T & EntityKeys)[]): Promise<void>;
  /** Deletes the entity (only if still at `etag`, when given). `false` when it did not exist. */
  delete(partitionKey: string, rowKey: string, etag?: string): Promise<boolean>;
  /** Entities matching every condition (all of them when none are given), page by page under the hood. */
  query(where?: Where): AsyncIterable<StoredEntity<T>>;
}

export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type QueryValue = string | number | boolean;

/** `property op value`; `partitionKey` and `rowKey` are properties too. */
export interface Condition {
  readonly property: string;
  readonly op: Comparison;
  readonly value: QueryValue;
}

/** Conditions that must all hold; an `anyOf` group holds when one of its conditions does. */
export type Where = readonly (Condition | { readonly anyOf: readonly Condition[] })[];

/** Whether an entity matches: what the table service computes for the same filter. */
export function matches(entity: Readonly<Record<string, unknown>>, where: Where): boolean {
  return where.every((clause) => ('anyOf' in clause ? clause.anyOf.some((condition) => holds(entity, condition)) : holds(entity, clause)));
}

function holds(entity: Readonly<Record<string, unknown>>, condition: Condition): boolean {
  const actual: unknown = entity[condition.property];
  // The service compares values of the same type only; a missing or differently typed property matches nothing but `ne`.
  if (typeof actual !== typeof condition.value) return condition.op === 'ne';
  const value = condition.value;
  const order = (actual as typeof value) < value ? -1 : (actual as typeof value) > value ? 1 : 0;
  switch (condition.op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
  }
}

/**
 * Conditions that hold for a string property starting with `prefix`: a range from the prefix to the prefix with its
 * last character raised by one, which the service answers from its key order when the property is `rowKey`. Callers
 * check the prefix again on what they read (see the U+FFFF case).
 */
export function startsWith(property: string, prefix: string): Where {
  if (prefix === '') return [];
  const last = prefix.charCodeAt(prefix.length - 1);
  const from: Condition = { property, op: 'ge', value: prefix };
  // A prefix ending in U+FFFF has no next character: the range is left open, and every value from the prefix on holds.
  if (last === 0xffff) return [from];
  return [from, { property, op: 'lt', value: `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}` }];
}

/** The OData filter for `where` (`partitionKey` and `rowKey` are the service's `PartitionKey` and `RowKey`). */
export function odataFilter(where: Where): string {
  const name = (property: string) => (property === 'partitionKey' ? 'PartitionKey' : property === 'rowKey' ? 'RowKey' : property);
  const one = (condition: Condition) => `${name(condition.property)} ${condition.op} ${formatODataValue(condition.value)}`;
  return where.map((clause) => ('anyOf' in clause ? `(${clause.anyOf.map(one).join(' or ')})` : one(clause))).join(' and ');
}

export interface StateStore {
  /** The table `${prefix}${name}`, created on first use. With a schema, entities read back are parsed with it. */
  table(name: string): StateTable;
  table<T extends object>(name: string, schema: ZodType<T>): StateTable<T>;
}

export interface StateStoreOptions {
  readonly state: StateSettings;
  readonly tablePrefix: string;
  /** Used when the state is reached through a table URL (identity-based). */
  readonly credential?: TokenCredential | undefined;
  readonly timeoutMs: number;
  readonly ca?: string | undefined;
}

// PartitionKey/RowKey may not hold / \ # ? or control characters; `%` is encoded too so decoding is exact.
const keyUnsafe = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;

/** Encodes any string into a valid PartitionKey/RowKey (reversible with `fromKey`). */
export function toKey(value: string): string {
  return value.replace(keyUnsafe, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function fromKey(key: string): string {
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function formatODataValue(value: QueryValue): string {
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === 'number' && !Number.isFinite(value)) throw new AppError('Internal', 'OData filter values must be finite numbers', { module: MODULE });
  return String(value);
}

/** Table names: letters and digits, starting with a letter, 3-63 characters. */
function tableNameFor(prefix: string, name: string): string {
  const tableName = `${prefix}${name}`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(tableName)) {
    throw new AppError('Internal', `Invalid table name '${tableName}'`, { module: MODULE });
  }
  return tableName;
}

/** Loopback endpoints (Azurite) are the only ones allowed over plain http. */
function allowsInsecureLoopback(connectionString: string): boolean {
  if (/(^|;)\s*UseDevelopmentStorage\s*=\s*true/i.test(connectionString)) return true;
  const endpoint = /(?:^|;)\s*TableEndpoint\s*=\s*([^;]+)/i.exec(connectionString)?.[1];
  if (endpoint === undefined) return false;
  try {
    return isLoopbackHttp(new URL(endpoint.trim()));
  } catch {
    return false;
  }
}

export function createStateStore(options: StateStoreOptions): StateStore {
  return new TableStateStore(options);
}

class TableStateStore implements StateStore {
  readonly #options: StateStoreOptions;
  // One client per table, so the table is created once whichever typed view asks first.
  readonly #clients = new Map<string, LazyTableClient>();

  constructor(options: StateStoreOptions) {
    if (options.state.kind === 'tableUrl' && options.credential === undefined) {
      throw new AppError('ConfigurationError', 'AML_WARDEN_STATE_TABLE_URL: needs a credential', { target: 'AML_WARDEN_STATE_TABLE_URL', module: MODULE });
    }
    this.#options = options;
  }

  table(name: string): StateTable;
  table<T extends object>(name: string, schema: ZodType<T>): StateTable<T>;
  table<T extends object>(name: string, schema?: ZodType<T>): StateTable<T> | StateTable {
    const tableName = tableNameFor(this.#options.tablePrefix, name);
    let client = this.#clients.get(tableName);
    if (client === undefined) {
      client = new LazyTableClient(tableName, this.#options);
      this.#clients.set(tableName, client);
    }
    if (schema === undefined) return new TableStateTable<EntityProperties>(client, parseAny);
    return new TableStateTable<T>(client, (value) => parseWith(schema, value, tableName));
  }
}

function parseAny(value: Record<string, unknown>): EntityProperties {
  return value;
}

function parseWith<T>(schema: ZodType<T>, value: Record<string, unknown>, tableName: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? '' : issue.path.join('.');
    throw new AppError('Internal', `An entity in table '${tableName}' does not have the expected shape (${path}: ${issue?.message ?? 'invalid'})`, {
      module: MODULE,
    });
  }
  return parsed.data;
}

/** Creates the SDK client and the table on first use; a failed creation is retried on the next use. */
class LazyTableClient {
  readonly tableName: string;
  readonly #options: StateStoreOptions;
  #ready: Promise<TableClient> | undefined;

  constructor(tableName: string, options: StateStoreOptions) {
    this.tableName = tableName;
    this.#options = options;
  }

  get(): Promise<TableClient> {
    this.#ready ??= this.#create();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  async #create(): Promise<TableClient> {
    const { TableClient } = await import('@azure/data-tables');
    const { state, timeoutMs, ca } = this.#options;
    const clientOptions = {
      ...(ca === undefined ? {} : { tlsOptions: { ca } }),
      retryOptions: { maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 10_000 },
      additionalPolicies: perRetryPolicies(timeoutMs),
      userAgentOptions: { userAgentPrefix: 'aml-warden' },
    };
    const client =
      state.kind === 'connectionString'
        ? TableClient.fromConnectionString(state.connectionString, this.tableName, {
            ...clientOptions,
            allowInsecureConnection: allowsInsecureLoopback(state.connectionString),
          })
        : new TableClient(state.url, this.tableName, this.#requireCredential(), clientOptions);
    try {
      await client.createTable();
    } catch (error) {
      if (azureErrorFacts(error).statusCode !== 409) throw fromAzureError(error, `Creating table '${this.tableName}'`, { module: MODULE });
    }
    return client;
  }

  #requireCredential(): TokenCredential {
    const { credential } = this.#options;
    if (credential === undefined) throw new AppError('ConfigurationError', 'AML_WARDEN_STATE_TABLE_URL: needs a credential', { module: MODULE });
    return credential;
  }
}

/** Splits what the SDK returns into the entity's own properties and its etag. */
function splitResult(result: Record<string, unknown>): { properties: Record<string, unknown>; etag: string } {
  const properties: Record<string, unknown> = {};
  let etag = '';
  for (const [name, value] of Object.entries(result)) {
    if (name === 'etag') etag = typeof value === 'string' ? value : '';
    else if (name !== 'timestamp' && !name.startsWith('odata.')) properties[name] = value;
  }
  return { properties, etag };
}

function withKeys<T>(value: T, properties: Record<string, unknown>): T & EntityKeys {
  const partitionKey = typeof properties.partitionKey === 'string' ? properties.partitionKey : '';
  const rowKey = typeof properties.rowKey === 'string' ? properties.rowKey : '';
  return { ...value, partitionKey, rowKey };
}

/**
 * Entity group transactions (Microsoft Learn, "Performing entity group transactions"): at most 100 entities, all
 * of one partition key, at most 4 MiB of payload. Batches keep well under the payload limit by size as well.
 */
const MAX_TRANSACTION_ENTITIES = 100;
const MAX_TRANSACTION_CHARS = 2_000_000;

export function transactionBatches<E extends EntityKeys>(entities: readonly E[], tableName: string): E[][] {
  const partition = entities[0]?.partitionKey;
  const stranger = entities.find((entity) => entity.partitionKey !== partition);
  if (stranger !== undefined) {
    throw new AppError('BadRequest', `a transaction in table '${tableName}' holds one partition: '${stranger.partitionKey}' is not '${partition ?? ''}'`, { module: MODULE });
  }
  const batches: E[][] = [];
  let current: E[] = [];
  let chars = 0;
  for (const entity of entities) {
    const size = JSON.stringify(entity).length;
    if (current.length === MAX_TRANSACTION_ENTITIES || (current.length > 0 && chars + size > MAX_TRANSACTION_CHARS)) {
      batches.push(current);
      current = [];
      chars = 0;
    }
    current.push(entity);
    chars += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function requireEtag(etag: string | undefined, what: string): string {
  if (etag === undefined || etag === '') throw new AppError('UpstreamPermanent', `${what}: the service returned no etag`, { module: MODULE });
  return etag;
}

class TableStateTable<T extends object> implements StateTable<T> {
  readonly #client: LazyTableClient;
  readonly #parse: (value: Record<string, unknown>) => T;

  constructor(client: LazyTableClient, parse: (value: Record<string, unknown>) => T) {
    this.#client = client;
    this.#parse = parse;
  }

  get tableName(): string {
    return this.#client.tableName;
  }

  #describe(verb: string, partitionKey: string, rowKey: string): string {
    return `${verb} '${partitionKey}/${rowKey}' in table '${this.tableName}'`;
  }

  #toStored(result: Record<string, unknown>): StoredEntity<T> {
    const { properties, etag } = splitResult(result);
    return { entity: withKeys(this.#parse(properties), properties), etag };
  }

  async get(partitionKey: string, rowKey: string): Promise<StoredEntity<T> | undefined> {
    const client = await this.#client.get();
    try {
      const result = await client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
      return this.#toStored(result);
    } catch (error) {
      if (azureErrorFacts(error).statusCode === 404) return undefined;
      throw fromAzureError(error, this.#describe('Reading', partitionKey, rowKey), { module: MODULE });
    }
  }

  async insert(entity: T & EntityKeys): Promise<{ readonly etag: string } | false> {
    const client = await this.#client.get();
    try {
      const response = await client.createEntity(entity);
      return { etag: requireEtag(response.etag, this.#describe('Inserting', entity.partitionKey, entity.rowKey)) };
    } catch (error) {
      if (azureErrorFacts(error).statusCode === 409) return false;
      throw fromAzureError(error, this.#describe('Inserting', entity.partitionKey, entity.rowKey), { module: MODULE });
    }
  }

  replace(entity: T & EntityKeys, etag: string): Promise<string> {
    return this.#update(entity, 'Replace', etag);
  }

  merge(entity: Partial<T> & EntityKeys, etag: string): Promise<string> {
    return this.#update(entity, 'Merge', etag);
  }

  async #update(entity: object & EntityKeys, mode: 'Replace' | 'Merge', etag: string): Promise<string> {
    const client = await this.#client.get();
    const what = this.#describe(mode === 'Replace' ? 'Replacing' : 'Merging', entity.partitionKey, entity.rowKey);
    try {
      const response = await client.updateEntity(entity, mode, { etag });
      return requireEtag(response.etag, what);
    } catch (error) {
      if (azureErrorFacts(error).statusCode === 412) {
        throw new AppError('Conflict', `${what}: it changed since it was read`, { module: MODULE });
      }
      throw fromAzureError(error, what, { module: MODULE });
    }
  }

  async upsert(entity: T & EntityKeys, mode: 'replace' | 'merge' = 'replace'): Promise<string> {
    const client = await this.#client.get();
    const what = this.#describe('Writing', entity.partitionKey, entity.rowKey);
    try {
      const response = await client.upsertEntity(entity, mode === 'replace' ? 'Replace' : 'Merge');
      return requireEtag(response.etag, what);
    } catch (error) {
      throw fromAzureError(error, what, { module: MODULE });
    }
  }

  async upsertAll(entities: readonly (T & EntityKeys)[]): Promise<void> {
    const batches = transactionBatches(entities, this.tableName);
    if (batches.length === 0) return;
    const client = await this.#client.get();
    for (const batch of batches) {
      const first = batch[0];
      const what = `Writing ${batch.length} entities of partition '${first?.partitionKey ?? ''}' in table '${this.tableName}'`;
      try {
        const response = await client.submitTransaction(batch.map((entity) => ['upsert', { ...Object.fromEntries(Object.entries(entity)), partitionKey: entity.partitionKey, rowKey: entity.rowKey }, 'Replace'] as const));
        // The batch answers 202 with one sub-response per operation; a failed operation fails the whole batch.
        if (response.status >= 300) throw new AppError('UpstreamTransient', `${what}: the service answered ${response.status}`, { module: MODULE });
      } catch (error) {
        throw fromAzureError(error, what, { module: MODULE });
      }
    }
  }

  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<boolean> {
    const client = await this.#client.get();
    const what = this.#describe('Deleting', partitionKey, rowKey);
    try {
      await client.deleteEntity(partitionKey, rowKey, etag === undefined ? {} : { etag });
      return true;
    } catch (error) {
      const { statusCode } = azureErrorFacts(error);
      if (statusCode === 404) return false;
      if (statusCode === 412) throw new AppError('Conflict', `${what}: it changed since it was read`, { module: MODULE });
      throw fromAzureError(error, what, { module: MODULE });
    }
  }

  async *query(where?: Where): AsyncIterable<StoredEntity<T>> {
    const client = await this.#client.get();
    try {
      const entities = client.listEntities<Record<string, unknown>>(where === undefined || where.length === 0 ? {} : { queryOptions: { filter: odataFilter(where) } });
      for await (const result of entities) yield this.#toStored(result);
    } catch (error) {
      throw fromAzureError(error, `Querying table '${this.tableName}'`, { module: MODULE });
    }
  }
}
