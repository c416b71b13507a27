import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startAzurite, type AzuriteHandle } from '../../../dev/azurite.js';
import { AppError } from '../../../src/errors.js';
import { createStateStore, matches, toKey, type StateStore, type Where } from '../../../src/adapters/tables/tableState.js';
import { appErrorOf } from '../../helpers/appErrors.js';
import { MemoryStateStore } from '../../inMemory/memoryStateStore.js';

let azurite: AzuriteHandle;
let azuriteStore: StateStore;

beforeAll(async () => {
  azurite = await startAzurite();
  azuriteStore = createStateStore({
    state: { kind: 'connectionString', connectionString: azurite.connectionString },
    tablePrefix: 'test',
    timeoutMs: 5_000,
  });
});

afterAll(async () => {
  await azurite?.close();
});


const memoryStore = new MemoryStateStore('test');

const claimSchema = z.object({ status: z.enum(['Claimed', 'Done']), attempts: z.number() });

// The use-case tests run the Table repositories on the in-memory store: the same contract holds for both.
describe.each([
  ['Azurite', () => azuriteStore],
  ['the in-memory store', () => memoryStore],
])('Table Storage state against %s', (_, storeOf) => {
  let store: StateStore;
  beforeAll(() => {
    store = storeOf();
  });

  it('creates the prefixed table on first use and reads back what was inserted, with an etag', async () => {
    const table = store.table('Ledger');
    expect(table.tableName).toBe('testLedger');
    const inserted = await table.insert({ partitionKey: 'model', rowKey: 'credit-default:1', status: 'Claimed', attempts: 1 });
    expect(inserted).not.toBe(false);
    const stored = await table.get('model', 'credit-default:1');
    expect(stored?.entity).toEqual({ partitionKey: 'model', rowKey: 'credit-default:1', status: 'Claimed', attempts: 1 });
    expect(stored?.etag).toBe(inserted === false ? 'none' : inserted.etag);
  });

  it('answers undefined for an entity that does not exist', async () => {
    expect(await store.table('Ledger').get('model', 'never-written')).toBeUndefined();
  });

  it('a conditional insert of a duplicate key returns false and leaves the first entity intact', async () => {
    const table = store.table('Dedup');
    expect(await table.insert({ partitionKey: 'event', rowKey: 'id-1', by: 'first' })).not.toBe(false);
    expect(await table.insert({ partitionKey: 'event', rowKey: 'id-1', by: 'second' })).toBe(false);
    expect((await table.get('event', 'id-1'))?.entity.by).toBe('first');
  });

  it('concurrent inserts of one key: exactly one wins', async () => {
    const table = store.table('Race');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) => table.insert({ partitionKey: 'model', rowKey: 'fraud:7', instance: index })),
    );
    const winners = results.filter((result) => result !== false);
    expect(winners).toHaveLength(1);
    const stored = await table.get('model', 'fraud:7');
    expect(results[Number(stored?.entity.instance)]).not.toBe(false);
  });

  it('replace with the current etag succeeds and returns a new etag; with a stale etag it is a Conflict', async () => {
    const table = store.table('Requests', claimSchema);
    await table.insert({ partitionKey: 'req', rowKey: 'r1', status: 'Claimed', attempts: 1 });
    const read = await table.get('req', 'r1');
    if (read === undefined) throw new Error('entity missing');
    const newEtag = await table.replace({ ...read.entity, status: 'Done', attempts: 2 }, read.etag);
    expect(newEtag).not.toBe(read.etag);
    const error = await appErrorOf(table.replace({ ...read.entity, status: 'Claimed', attempts: 3 }, read.etag));
    expect(error.code).toBe('Conflict');
    expect((await table.get('req', 'r1'))?.entity).toEqual({ partitionKey: 'req', rowKey: 'r1', status: 'Done', attempts: 2 });
  });

  it('two approvals racing on one etag: one replace wins, the other gets Conflict', async () => {
    const table = store.table('Approvals');
    await table.insert({ partitionKey: 'req', rowKey: 'r2', status: 'Pending' });
    const read = await table.get('req', 'r2');
    if (read === undefined) throw new Error('entity missing');
    const outcomes = await Promise.allSettled([
      table.replace({ ...read.entity, status: 'Approved', by: 'a' }, read.etag),
      table.replace({ ...read.entity, status: 'Approved', by: 'b' }, read.etag),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason instanceof AppError && rejected.reason.code).toBe('Conflict');
  });

  it('merge with a stale etag is a Conflict; with the current one it keeps the other properties', async () => {
    const table = store.table('Merges');
    await table.insert({ partitionKey: 'p', rowKey: 'r', a: 'one', b: 'two' });
    const read = await table.get('p', 'r');
    if (read === undefined) throw new Error('entity missing');
    await table.merge({ partitionKey: 'p', rowKey: 'r', b: 'three' }, read.etag);
    expect((await table.get('p', 'r'))?.entity).toEqual({ partitionKey: 'p', rowKey: 'r', a: 'one', b: 'three' });
    expect((await appErrorOf(table.merge({ partitionKey: 'p', rowKey: 'r', a: 'x' }, read.etag))).code).toBe('Conflict');
  });

  it('upsert writes unconditionally and delete reports whether something was there', async () => {
    const table = store.table('Windows');
    await table.upsert({ partitionKey: 'w', rowKey: 'teams', count: 1 });
    await table.upsert({ partitionKey: 'w', rowKey: 'teams', count: 2 });
    expect((await table.get('w', 'teams'))?.entity.count).toBe(2);
    expect(await table.delete('w', 'teams')).toBe(true);
    expect(await table.delete('w', 'teams')).toBe(false);
  });

  it('upsertAll writes a partition in batches of 100, replacing what was there, and refuses a second partition before writing anything', async () => {
    const table = store.table('Progress');
    await table.upsert({ partitionKey: 'run-1', rowKey: 'ws-000', status: 'old', extra: 'kept?' });
    const entities = Array.from({ length: 230 }, (_, index) => ({ partitionKey: 'run-1', rowKey: `ws-${String(index).padStart(3, '0')}`, status: 'done' }));
    await table.upsertAll(entities);
    const stored: Record<string, unknown>[] = [];
    for await (const { entity } of table.query([{ property: 'partitionKey', op: 'eq', value: 'run-1' }])) stored.push(entity);
    expect(stored).toHaveLength(230);
    // Replace, not merge: the earlier entity's other properties are gone.
    expect(stored[0]).toEqual({ partitionKey: 'run-1', rowKey: 'ws-000', status: 'done' });
    const mixed = await appErrorOf(table.upsertAll([{ partitionKey: 'run-2', rowKey: 'a', status: 'x' }, { partitionKey: 'run-3', rowKey: 'b', status: 'x' }]));
    expect(mixed.code).toBe('BadRequest');
    expect(mixed.message).toContain("'run-3'");
    expect(await table.get('run-2', 'a')).toBeUndefined();
  });

  it('queries with a filter built from escaped values, and the table service agrees with `matches` on every condition', async () => {
    const table = store.table('Queries', claimSchema);
    const partition = toKey("/subscriptions/1/o'brien#ws");
    const entities = [
      { partitionKey: partition, rowKey: 'a', status: 'Claimed', attempts: 1 },
      { partitionKey: partition, rowKey: 'b', status: 'Done', attempts: 2 },
      { partitionKey: 'other', rowKey: 'c', status: 'Claimed', attempts: 3 },
    ] as const;
    for (const entity of entities) await table.insert(entity);
    const wheres: Where[] = [
      [{ property: 'partitionKey', op: 'eq', value: partition }, { property: 'status', op: 'eq', value: 'Claimed' }],
      [{ property: 'attempts', op: 'gt', value: 1 }],
      [{ property: 'attempts', op: 'le', value: 2 }, { property: 'rowKey', op: 'ne', value: 'a' }],
      [{ anyOf: [{ property: 'status', op: 'eq', value: 'Done' }, { property: 'rowKey', op: 'eq', value: 'c' }] }],
      [{ property: 'status', op: 'lt', value: 'Done' }],
      [{ property: 'missing', op: 'eq', value: 'x' }],
    ];
    for (const where of wheres) {
      const found: string[] = [];
      for await (const { entity } of table.query(where)) found.push(entity.rowKey);
      expect(found.sort(), JSON.stringify(where)).toEqual(entities.filter((entity) => matches(entity, where)).map((entity) => entity.rowKey).sort());
    }
    const first: string[] = [];
    for await (const { entity } of table.query(wheres[0] ?? [])) first.push(entity.rowKey);
    expect(first).toEqual(['a']);
  });

  it('fails with Internal when a stored entity does not match the schema the caller expects', async () => {
    await store.table('Shapes').insert({ partitionKey: 'p', rowKey: 'r', status: 'Unknown', attempts: 'many' });
    const error = await appErrorOf(store.table('Shapes', claimSchema).get('p', 'r'));
    expect(error.code).toBe('Internal');
    expect(error.message).toContain('testShapes');
  });

  it('a merge leaves out a property given as undefined, keeping what is stored; an object or array value is refused', async () => {
    const table = store.table('Shapes2');
    await table.insert({ partitionKey: 'p', rowKey: 'r', a: 'one', b: 'two' });
    const read = await table.get('p', 'r');
    if (read === undefined) throw new Error('entity missing');
    await table.merge({ partitionKey: 'p', rowKey: 'r', a: undefined, b: 'three' }, read.etag);
    expect((await table.get('p', 'r'))?.entity).toEqual({ partitionKey: 'p', rowKey: 'r', a: 'one', b: 'three' });
    await expect(table.insert({ partitionKey: 'p', rowKey: 'nested', list: ['x'] })).rejects.toThrow();
    expect(await table.get('p', 'nested')).toBeUndefined();
  });

  it('an update or conditional delete of an entity never written is NotFound or false, never a silent write', async () => {
    const table = store.table('Missing');
    expect((await appErrorOf(table.replace({ partitionKey: 'p', rowKey: 'gone' }, 'W/"stale"'))).code).toBe('NotFound');
    expect((await appErrorOf(table.merge({ partitionKey: 'p', rowKey: 'gone' }, 'W/"stale"'))).code).toBe('NotFound');
    expect(await table.delete('p', 'gone', 'W/"stale"')).toBe(false);
    expect(await table.get('p', 'gone')).toBeUndefined();
  });
});

describe('Table Storage state against an unreachable service', () => {
  it('maps an unreachable table service to UpstreamTransient', async () => {
    const unreachable = createStateStore({
      state: { kind: 'connectionString', connectionString: azurite.connectionString.replace(`:${azurite.port}/`, ':1/') },
      tablePrefix: 'test',
      timeoutMs: 2_000,
    });
    const error = await appErrorOf(unreachable.table('Ledger').get('p', 'r'));
    expect(error.code).toBe('UpstreamTransient');
  });
});
