import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse, Router } from '../router.js';
import { COMPUTE_TYPE, computeId, type ArmResource, type AsyncOperation } from '../state.js';
import { armHandler, badRequest, isRecord, readJsonObject, readOptionalObject, readTags, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { computeTypeDefaults, forApiVersion, mergeDeep, readComputePut, validateScaleSettings } from './computeShape.js';
import { requireCompute, requireWorkspace } from './lookup.js';
import { encodePath, listPage } from './paging.js';
import { callerClaims, operationNameOf, resourceEvent } from './resourceEvents.js';
import { systemDataFor, toArmBody } from './resourceView.js';

const WORKSPACE = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}';
const LIST = `${WORKSPACE}/computes`;
const ONE = `${LIST}/{computeName}`;
const OPERATIONS = '/subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/locations/{location}';
const TRANSITIONS = new Set(['creating', 'updating', 'deleting']);

/**
 * Workspace computes with ARM's long-running semantics: PUT answers 201 + `Azure-AsyncOperation`
 * and `Location`, DELETE 202; the operation completes after `lroPolls` polls or `lroCompleteAfterMs`,
 * whichever comes first — as in Azure, an operation nobody polls still finishes and publishes its event.
 * PATCH of scale settings is answered at once. `Retry-After: 0` keeps SDK pollers on their own
 * (configurable) interval.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context, faults, operationTimers } = services;

  const view = (request: EmulatorRequest) => (compute: ArmResource) => forApiVersion(toArmBody(compute), request.query.get('api-version') ?? '');

  /** The event names the caller that started the write, even when it completes later on its own. */
  const publish = (claims: Record<string, unknown>, resourceId: string, action: 'write' | 'delete'): void => {
    context.publishEvent(resourceEvent({ resourceId, operationName: operationNameOf(resourceId, action), action, claims, now: context.now() }));
  };

  /** Reaches the operation's outcome once: the compute succeeds, fails or is gone, and the write event is published. */
  const complete = (operation: AsyncOperation): void => {
    if (operation.status !== 'InProgress') return;
    operationTimers.cancel(operation.id);
    operation.status = operation.failure ? 'Failed' : 'Succeeded';
    operation.endTime = context.now().toISOString();
    const compute = state.get(operation.resourceId);
    if (operation.action === 'delete' && !operation.failure) {
      if (compute) state.delete(compute.id);
      publish(operation.callerClaims, operation.resourceId, 'delete');
      return;
    }
    if (!compute) return;
    const properties: Record<string, unknown> = { ...compute.properties, modifiedOn: operation.endTime };
    if (operation.failure) {
      properties['provisioningState'] = 'Failed';
      properties['provisioningErrors'] = [{ error: { ...operation.failure } }];
    } else {
      properties['provisioningState'] = 'Succeeded';
      properties['provisioningErrors'] = null;
    }
    state.put({ ...compute, properties });
    if (!operation.failure) publish(operation.callerClaims, compute.id, 'write');
  };

  const startOperation = (request: EmulatorRequest, resourceId: string, action: 'write' | 'delete', failure?: { code: string; message: string }): AsyncOperation => {
    const operation: AsyncOperation = {
      id: randomUUID(),
      resourceId,
      action,
      startTime: context.now().toISOString(),
      pollsRemaining: services.lroPolls,
      status: 'InProgress',
      callerClaims: callerClaims(request.headers, request.principal),
      ...(failure ? { failure } : {}),
    };
    state.operations.set(operation.id, operation);
    if (services.lroPolls <= 0) complete(operation);
    else operationTimers.schedule(operation.id, services.lroCompleteAfterMs, () => complete(operation));
    return operation;
  };

  const operationHeaders = (request: EmulatorRequest, operation: AsyncOperation, location: string): Record<string, string> => {
    const base = `${context.baseUrl}/subscriptions/${encodeURIComponent(request.params['subscriptionId'] ?? '')}/providers/Microsoft.MachineLearningServices/locations/${encodeURIComponent(location)}`;
    const query = `api-version=${encodeURIComponent(request.query.get('api-version') ?? '')}`;
    return {
      'Azure-AsyncOperation': `${base}/computeOperationsStatus/${operation.id}?${query}`,
      Location: `${base}/computeOperationsResult/${operation.id}?${query}`,
      'Retry-After': '0',
    };
  };

  /** A poll of an operation counts toward its completion. */
  const poll = (request: EmulatorRequest): AsyncOperation => {
    const operation = state.operations.get(request.params['operationId'] ?? '');
    if (!operation) return refuse(404, 'NotFound', `The operation '${request.params['operationId'] ?? ''}' was not found.`);
    if (operation.status === 'InProgress') {
      operation.pollsRemaining -= 1;
      if (operation.pollsRemaining <= 0) complete(operation);
    }
    return operation;
  };

  router.add(
    'GET',
    LIST,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      return listPage(state.children(workspace.id, COMPUTE_TYPE), request, context.baseUrl, services.pageSize, view(request));
    }),
  );

  router.add(
    'GET',
    ONE,
    armHandler((request) => ({ status: 200, body: view(request)(requireCompute(state, request.params)) })),
  );

  router.add(
    'PUT',
    ONE,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      const sent = readComputePut(readJsonObject(request.body));
      const name = request.params['computeName'] ?? '';
      const id = computeId(request.params['subscriptionId'] ?? '', request.params['resourceGroupName'] ?? '', workspace.name, name);
      const existing = state.get(id);
      if (existing) refuseWhileInTransition(existing);
      if (existing && existing.properties['computeType'] !== sent.computeType) {
        return badRequest('properties.computeType', `cannot change from '${String(existing.properties['computeType'])}' on an existing compute.`);
      }
      const now = context.now().toISOString();
      const fault = faults.takeLroFailure('PUT', request.path);
      const compute = state.put({
        id: existing?.id ?? id,
        name: existing?.name ?? name,
        type: COMPUTE_TYPE,
        location: sent.location,
        tags: readTags(sent.tags, 'tags'),
        extra: sent.extra,
        properties: {
          computeType: sent.computeType,
          computeLocation: sent.location,
          ...(sent.description === undefined ? {} : { description: sent.description }),
          provisioningState: existing ? 'Updating' : 'Creating',
          createdOn: (existing?.properties['createdOn'] as string | undefined) ?? now,
          modifiedOn: now,
          provisioningErrors: null,
          isAttachedCompute: false,
          disableLocalAuth: false,
          properties: computeTypeDefaults(sent.computeType, sent.typeProperties),
        },
        systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
      });
      const failure = fault ? lroFailureOf(fault.body, compute.name) : undefined;
      const operation = startOperation(request, compute.id, 'write', failure);
      const current = state.get(compute.id) ?? compute;
      if (operation.status !== 'InProgress') return { status: existing ? 200 : 201, body: view(request)(current) };
      return { status: existing ? 200 : 201, headers: operationHeaders(request, operation, sent.location), body: view(request)(current) };
    }),
  );

  router.add(
    'PATCH',
    ONE,
    armHandler((request) => {
      const compute = requireCompute(state, request.params);
      refuseWhileInTransition(compute);
      const body = readJsonObject(request.body);
      const outer = readOptionalObject(body['properties'], 'properties') ?? {};
      const patch = readOptionalObject(outer['properties'], 'properties.properties') ?? {};
      if (patch['scaleSettings'] !== undefined) {
        if (compute.properties['computeType'] !== 'AmlCompute') return badRequest('properties.properties.scaleSettings', 'can only be updated on an AmlCompute cluster.');
        const stored = isRecord(compute.properties['properties']) ? compute.properties['properties'] : {};
        const current = isRecord(stored['scaleSettings']) ? stored['scaleSettings'] : {};
        validateScaleSettings({ ...current, ...(isRecord(patch['scaleSettings']) ? patch['scaleSettings'] : {}) }, 'properties.properties.scaleSettings');
      }
      const storedTypeProperties = isRecord(compute.properties['properties']) ? compute.properties['properties'] : {};
      const updated = state.put({
        ...compute,
        tags: body['tags'] === undefined ? compute.tags : readTags(body['tags'], 'tags'),
        properties: {
          ...compute.properties,
          provisioningState: 'Succeeded',
          modifiedOn: context.now().toISOString(),
          properties: mergeDeep(storedTypeProperties, patch),
        },
        systemData: systemDataFor(request.principal, context.now(), compute.systemData),
      });
      publish(callerClaims(request.headers, request.principal), updated.id, 'write');
      return { status: 200, body: view(request)(updated) };
    }),
  );

  router.add(
    'DELETE',
    ONE,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      // Required by the API: Delete removes the underlying VMs, Detach only the link; both remove the compute here.
      const action = request.query.get('underlyingResourceAction') ?? '';
      if (!['delete', 'detach'].includes(action.toLowerCase())) return badRequest('underlyingResourceAction', "is required and must be 'Delete' or 'Detach'.");
      const compute = state.get(computeId(request.params['subscriptionId'] ?? '', request.params['resourceGroupName'] ?? '', workspace.name, request.params['computeName'] ?? ''));
      if (!compute) return { status: 204 };
      if (compute.properties['provisioningState'] === 'Deleting') return refuse(409, 'Conflict', `The compute '${compute.name}' is already being deleted.`);
      state.put({ ...compute, properties: { ...compute.properties, provisioningState: 'Deleting' } });
      const fault = faults.takeLroFailure('DELETE', request.path);
      const operation = startOperation(request, compute.id, 'delete', fault ? lroFailureOf(fault.body, compute.name) : undefined);
      if (operation.status !== 'InProgress') return { status: 200 };
      return { status: 202, headers: operationHeaders(request, operation, compute.location ?? workspace.location ?? 'eastus') };
    }),
  );

  router.add(
    'GET',
    `${OPERATIONS}/computeOperationsStatus/{operationId}`,
    armHandler((request) => {
      const operation = poll(request);
      return {
        status: 200,
        ...(operation.status === 'InProgress' ? { headers: { 'Retry-After': '0' } } : {}),
        body: {
          id: `/subscriptions/${request.params['subscriptionId'] ?? ''}/providers/Microsoft.MachineLearningServices/locations/${request.params['location'] ?? ''}/computeOperationsStatus/${operation.id}`,
          name: operation.id,
          status: operation.status,
          startTime: operation.startTime,
          ...(operation.endTime ? { endTime: operation.endTime } : {}),
          ...(operation.status === 'Failed' && operation.failure ? { error: { ...operation.failure } } : {}),
        },
      };
    }),
  );

  router.add(
    'GET',
    `${OPERATIONS}/computeOperationsResult/{operationId}`,
    armHandler((request): EmulatorResponse => {
      const operation = poll(request);
      if (operation.status === 'InProgress') {
        return { status: 202, headers: { Location: `${context.baseUrl}${encodePath(request.path)}?${request.query.toString()}`, 'Retry-After': '0' } };
      }
      if (operation.status === 'Failed' && operation.failure) return { status: 400, body: { error: { ...operation.failure } } };
      if (operation.action === 'delete') return { status: 204 };
      const compute = state.get(operation.resourceId);
      return compute ? { status: 200, body: view(request)(compute) } : { status: 204 };
    }),
  );
}

function refuseWhileInTransition(compute: ArmResource): void {
  const provisioningState = String(compute.properties['provisioningState'] ?? '');
  if (TRANSITIONS.has(provisioningState.toLowerCase())) {
    refuse(409, 'Conflict', `The compute '${compute.name}' is in provisioning state '${provisioningState}'; retry when the current operation has finished.`);
  }
}

/** The error an `lro-failure` fault ends the operation with; its body may name `code` and `message`. */
function lroFailureOf(body: unknown, computeName: string): { code: string; message: string } {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : isRecord(body) ? body : {};
  return {
    code: typeof error['code'] === 'string' ? error['code'] : 'ComputeProvisioningFailed',
    message: typeof error['message'] === 'string' ? error['message'] : `Provisioning of compute '${computeName}' failed: the requested VM size is not available in this region.`,
  };
}
