/**
 * Table Storage in memory: the `StateStore` the Table repositories (ledgers, decisions, burst windows, requests) run
 * on, so the use cases can be driven with the very claim/lease code production runs, without Azurite.
 *
 * It keeps the service's contract that those repositories rely on, and `test/adapters/tables/tableState.test.ts` runs the same
 * contract against it and against Azurite: insert-if-absent, ETag-conditional replace/merge/delete (a stale ETag is
 * `Conflict`), a new ETag on every write, queries filtered as the service filters (`matches`), and what is read back
 * parsed with the caller's schema. Each call yields to the event loop first, so concurrent callers interleave as
 * they do over the network.
 */
import type { ZodType } from 'zod';
import { AppError } from '../../src/errors.js';
import { matches, transactionBatches, type EntityKeys, type EntityProperties, type StateStore, type StateTable, type StoredEntity, type Where } from '../../src/adapters/tables/tableState.js';

type Row = { readonly properties: Record<string, unknown>; readonly etag: string };

let etagSequence = 0;
const nextEtag = () => `W/"memory-${(etagSequence += 1)}"`;
const rowKeyOf = (partitionKey: string, rowKey: string) => `${partitionKey}\u0000${rowKey}`;
/**
 * An entity's properties as the service would store them, copied so the caller's object and the store never share
 * state: `undefined` is left out, as `@azure/data-tables` leaves it out of the request (a merge keeps the stored
 * value); a value Table Storage has no type for (an object, an array) is refused, as the SDK refuses it; keys may not
 * hold `/ \ # ?` or control characters (Microsoft Learn, "Understanding the Table service data model").
 */
function recordOf(entity: object): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) throw new Error(`Table Storage cannot store property '${name}': objects and arrays have no EDM type`);
    if ((name === 'partitionKey' || name === 'rowKey') && (typeof value !== 'string' || /[/\\#?\u0000-\u001f\u007f-\u009f]/.test(value) || value.length > 1024)) {
      throw new AppError('BadRequest', `${name} '${String(value)}' is not a valid Table Storage key`, { module: 'tableState' });
    }
    record[name] = value;
  }
  return structuredClone(record);
}
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

class MemoryTable<T extends object> implements StateTable<T> {
  constructor(
    readonly tableName: string,
    private readonly rows: Map<string, Row>,
    private readonly parse: (value: Record<string, unknown>) => T,
  ) {}

  #stored(row: Row): StoredEntity<T> {
    const properties = structuredClone(row.properties);
    const keys: EntityKeys = { partitionKey: String(properties.partitionKey), rowKey: String(properties.rowKey) };
    return { entity: { ...this.parse(properties), ...keys }, etag: row.etag };
  }

  #conflict(verb: string, keys: EntityKeys): AppError {
    return new AppError('Conflict', `${verb} '${keys.partitionKey}/${keys.rowKey}' in table '${this.tableName}': it changed since it was read`, { module: 'tableState' });
  }

  async get(partitionKey: string, rowKey: string): Promise<StoredEntity<T> | undefined> {
    await turn();
    const row = this.rows.get(rowKeyOf(partitionKey, rowKey));
    return row === undefined ? undefined : this.#stored(row);
  }

  async insert(entity: T & EntityKeys): Promise<{ readonly etag: string } | false> {
    await turn();
    const key = rowKeyOf(entity.partitionKey, entity.rowKey);
    if (this.rows.has(key)) return false;
    const etag = nextEtag();
    this.rows.set(key, { properties: recordOf(entity), etag });
    return { etag };
  }

  async replace(entity: T & EntityKeys, etag: string): Promise<string> {
    return this.#update(entity, etag, 'Replacing', (_, next) => next);
  }

  async merge(entity: Partial<T> & EntityKeys, etag: string): Promise<string> {
    return this.#update(entity, etag, 'Merging', (current, next) => ({ ...current, ...next }));
  }

  async #update(entity: object & EntityKeys, etag: string, verb: string, combine: (current: Record<string, unknown>, next: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
    await turn();
    const key = rowKeyOf(entity.partitionKey, entity.rowKey);
    const row = this.rows.get(key);
    // The service answers 404 for an update of nothing (`fromAzureError` makes it NotFound) and 412 for a stale ETag.
    if (row === undefined) throw new AppError('NotFound', `${verb} '${entity.partitionKey}/${entity.rowKey}' in table '${this.tableName}': not found`, { module: 'tableState' });
    if (etag !== '*' && row.etag !== etag) throw this.#conflict(verb, entity);
    const next = nextEtag();
    this.rows.set(key, { properties: recordOf(combine(row.properties, recordOf(entity))), etag: next });
    return next;
  }

  async upsert(entity: T & EntityKeys, mode: 'replace' | 'merge' = 'replace'): Promise<string> {
    await turn();
    const key = rowKeyOf(entity.partitionKey, entity.rowKey);
    const current = this.rows.get(key)?.properties ?? {};
    const etag = nextEtag();
    this.rows.set(key, { properties: recordOf(mode === 'merge' ? { ...current, ...recordOf(entity) } : entity), etag });
    return etag;
  }

  async upsertAll(entities: readonly (T & EntityKeys)[]): Promise<void> {
    for (const batch of transactionBatches(entities, this.tableName)) {
      // A batch is written whole or not at all: every entity is checked before any is stored.
      const records = batch.map((entity) => recordOf(entity));
      await turn();
      for (const record of records) this.rows.set(rowKeyOf(String(record['partitionKey']), String(record['rowKey'])), { properties: record, etag: nextEtag() });
    }
  }

  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<boolean> {
    await turn();
    const key = rowKeyOf(partitionKey, rowKey);
    const row = this.rows.get(key);
    if (row === undefined) return false;
    if (etag !== undefined && etag !== '*' && row.etag !== etag) throw this.#conflict('Deleting', { partitionKey, rowKey });
    this.rows.delete(key);
    return true;
  }

  async *query(where: Where = []): AsyncIterable<StoredEntity<T>> {
    await turn();
    // The service returns entities ordered by PartitionKey, then RowKey.
    const rows = [...this.rows.values()]
      .filter((row) => matches(row.properties, where))
      .sort((a, b) => compareKeys(a.properties, b.properties));
    for (const row of rows) yield this.#stored(row);
  }
}

function compareKeys(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const left = `${String(a.partitionKey)}\u0000${String(a.rowKey)}`;
  const right = `${String(b.partitionKey)}\u0000${String(b.rowKey)}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

export class MemoryStateStore implements StateStore {
  readonly #tables = new Map<string, Map<string, Row>>();

  constructor(private readonly tablePrefix = '') {}

  table(name: string): StateTable;
  table<T extends object>(name: string, schema: ZodType<T>): StateTable<T>;
  table<T extends object>(name: string, schema?: ZodType<T>): StateTable<T> | StateTable {
    const tableName = `${this.tablePrefix}${name}`;
    let rows = this.#tables.get(tableName);
    if (rows === undefined) {
      rows = new Map();
      this.#tables.set(tableName, rows);
    }
    if (schema === undefined) return new MemoryTable<EntityProperties>(tableName, rows, (value) => value);
    return new MemoryTable<T>(tableName, rows, (value) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new AppError('Internal', `An entity in table '${tableName}' does not have the expected shape`, { module: 'tableState' });
      return parsed.data;
    });
  }

  /** Every entity of a table, as stored (for assertions). */
  rows(name: string): Record<string, unknown>[] {
    return [...(this.#tables.get(`${this.tablePrefix}${name}`)?.values() ?? [])].map((row) => structuredClone(row.properties));
  }
}
