/**
 * Compute requests in Table Storage. One entity per request (history inside it, so a transition and its
 * history entry are written together), versioned by ETag: an update names the version it read and fails
 * with `Conflict` when someone else wrote first — which is how two approvals racing decide once.
 * Compute names are claimed per workspace while a request for them is open, so two requests cannot ask
 * for the same cluster.
 */
import { z } from 'zod';
import {
  computeRequestViewSchema,
  historyEntrySchema,
  terminalStatuses,
  type ComputeRequest,
  type ComputeRequestQuery,
  type ComputeRequestStore,
  type VersionedComputeRequest,
} from '../../computeRequests/ports.js';
import { AppError } from '../../errors.js';
import { toKey, type EntityKeys, type StateStore, type StateTable, type Where } from './tableState.js';

const MODULE = 'computeRequestStore';
const REQUEST_ROW = 'request';
const NAME_ROW = 'name';

/** The request as callers see it, plus lower-cased query columns, the internal operation state, and the history as JSON text. */
const requestEntitySchema = computeRequestViewSchema.extend({
  requestedByKey: z.string(),
  workspaceKey: z.string(),
  operationState: z.string().optional(),
  history: z.string(),
});

type RequestEntity = z.output<typeof requestEntitySchema>;

const nameClaimSchema = z.object({ requestId: z.string() });
type NameClaim = z.output<typeof nameClaimSchema>;

const historySchema = z.array(historyEntrySchema);

function toEntity(request: ComputeRequest): RequestEntity & { partitionKey: string; rowKey: string } {
  const entity: Record<string, unknown> = {
    ...request,
    partitionKey: toKey(request.id),
    rowKey: REQUEST_ROW,
    requestedByKey: request.requestedBy.toLowerCase(),
    workspaceKey: request.workspaceId.toLowerCase(),
    history: JSON.stringify(request.history),
  };
  // Table Storage has no "undefined": absent optional fields are left out.
  for (const [name, value] of Object.entries(entity)) if (value === undefined) delete entity[name];
  return entity as RequestEntity & { partitionKey: string; rowKey: string };
}

function fromEntity(entity: RequestEntity & Partial<EntityKeys>): ComputeRequest {
  // The storage keys and the lower-cased query columns are the table's business, not the request's.
  const { partitionKey: _partitionKey, rowKey: _rowKey, requestedByKey: _requestedByKey, workspaceKey: _workspaceKey, history, ...fields } = entity;
  let parsedHistory: unknown;
  try {
    parsedHistory = JSON.parse(history);
  } catch {
    parsedHistory = undefined;
  }
  const checked = historySchema.safeParse(parsedHistory);
  if (!checked.success) {
    throw new AppError('Internal', `compute request ${entity.id} has an unreadable history`, { module: MODULE });
  }
  const request: Record<string, unknown> = { ...fields, history: checked.data };
  for (const [name, value] of Object.entries(request)) if (value === undefined) delete request[name];
  return request as unknown as ComputeRequest;
}

function nameKey(workspaceId: string, computeName: string): string {
  return toKey(`${workspaceId.toLowerCase()}/computes/${computeName.toLowerCase()}`);
}

export function createComputeRequestStore(state: StateStore): ComputeRequestStore {
  return new TableComputeRequestStore(state.table('computerequests', requestEntitySchema), state.table('computenames', nameClaimSchema));
}

class TableComputeRequestStore implements ComputeRequestStore {
  readonly #requests: StateTable<RequestEntity>;
  readonly #names: StateTable<NameClaim>;

  constructor(requests: StateTable<RequestEntity>, names: StateTable<NameClaim>) {
    this.#requests = requests;
    this.#names = names;
  }

  async create(request: ComputeRequest): Promise<VersionedComputeRequest> {
    const inserted = await this.#requests.insert(toEntity(request));
    if (inserted === false) throw new AppError('Conflict', `compute request ${request.id} already exists`, { module: MODULE });
    return { request, etag: inserted.etag };
  }

  async get(id: string): Promise<VersionedComputeRequest | undefined> {
    const stored = await this.#requests.get(toKey(id), REQUEST_ROW);
    return stored === undefined ? undefined : { request: fromEntity(stored.entity), etag: stored.etag };
  }

  async update(request: ComputeRequest, etag: string): Promise<VersionedComputeRequest> {
    try {
      return { request, etag: await this.#requests.replace(toEntity(request), etag) };
    } catch (error) {
      if (error instanceof AppError && error.code === 'Conflict') {
        throw new AppError('Conflict', `compute request ${request.id} changed while it was being updated; read it again`, {
          target: 'id',
          module: MODULE,
        });
      }
      throw error;
    }
  }

  async list(query: ComputeRequestQuery = {}): Promise<VersionedComputeRequest[]> {
    const where: Where = [
      { property: 'rowKey', op: 'eq', value: REQUEST_ROW },
      ...(query.status === undefined ? [] : [{ property: 'status', op: 'eq', value: query.status } as const]),
      ...(query.statuses === undefined || query.statuses.length === 0 ? [] : [{ anyOf: query.statuses.map((status) => ({ property: 'status', op: 'eq', value: status }) as const) }]),
      ...(query.workspaceId === undefined ? [] : [{ property: 'workspaceKey', op: 'eq', value: query.workspaceId.toLowerCase() } as const]),
      ...(query.requestedBy === undefined ? [] : [{ property: 'requestedByKey', op: 'eq', value: query.requestedBy.toLowerCase() } as const]),
      ...(query.requestedById === undefined ? [] : [{ property: 'requestedById', op: 'eq', value: query.requestedById } as const]),
    ];
    const found: VersionedComputeRequest[] = [];
    for await (const stored of this.#requests.query(where)) {
      found.push({ request: fromEntity(stored.entity), etag: stored.etag });
    }
    return found.sort((a, b) => b.request.createdAt.localeCompare(a.request.createdAt));
  }

  async claimComputeName(workspaceId: string, computeName: string, requestId: string): Promise<boolean> {
    const key = nameKey(workspaceId, computeName);
    const inserted = await this.#names.insert({ partitionKey: key, rowKey: NAME_ROW, requestId });
    if (inserted !== false) return true;
    // A claim left behind by a request that no longer exists, or has ended without releasing it, does not hold the name.
    const existing = await this.#names.get(key, NAME_ROW);
    if (existing === undefined) return this.#names.insert({ partitionKey: key, rowKey: NAME_ROW, requestId }).then((result) => result !== false);
    if (existing.entity.requestId === requestId) return true;
    const holder = await this.get(existing.entity.requestId);
    if (holder !== undefined && !terminalStatuses.has(holder.request.status)) return false;
    try {
      await this.#names.replace({ partitionKey: key, rowKey: NAME_ROW, requestId }, existing.etag);
      return true;
    } catch (error) {
      if (error instanceof AppError && error.code === 'Conflict') return false;
      throw error;
    }
  }

  async releaseComputeName(workspaceId: string, computeName: string, requestId: string): Promise<void> {
    const key = nameKey(workspaceId, computeName);
    const existing = await this.#names.get(key, NAME_ROW);
    if (existing === undefined || existing.entity.requestId !== requestId) return;
    try {
      await this.#names.delete(key, NAME_ROW, existing.etag);
    } catch (error) {
      // Someone re-claimed it in between: theirs now.
      if (!(error instanceof AppError && error.code === 'Conflict')) throw error;
    }
  }
}
