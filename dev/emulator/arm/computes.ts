import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse, Router } from '../router.js';
import { COMPUTE_TYPE, computeId, type ArmResource, type AsyncOperation } from '../state.js';
import { armHandler, badRequest, isRecord, readJsonObject, readOptionalObject, readTags, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { computeTypeDefaults, declaredAt, forApiVersion, isoDurationMs, readComputePut, validateScaleSettings } from './computeShape.js';
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
 * `Retry-After: 0` keeps SDK pollers on their own (configurable) interval.
 *
 * Compute_Update (PATCH) is long-running too and changes scale settings only. Source: azure-rest-api-specs
 * `Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json`: `x-ms-long-running-operation:
 * true`, body `ClusterUpdateParameters` = `{properties: {properties: {scaleSettings}}}`, response `200`;
 * `examples/Compute/patch.json` answers `provisioningState: Updating` with an `Azure-AsyncOperation` header.
 * Nothing else in the body is applied: the schema declares no `tags` or other property (and no
 * `additionalProperties: false`), so they are not refused either. Tags of a compute are set when it is created
 * (ARM's tag-support table: `workspaces / computes | No`).
 *
 * A compute instance's idle shutdown is changed with `POST .../updateIdleShutdownSetting` and
 * `{"idleTimeBeforeShutdown": "PT…"}` (MicrosoftDocs/azure-ai-docs `how-to-create-compute-instance.md`; the
 * stable 2023-04-01 example `examples/Compute/updateIdleShutdownSetting.json` answers `200` with no body; the
 * operation is declared, not long-running, in the preview specs): 15 minutes to 3 days (`IdleShutdownSetting`'s
 * description). Being a POST action it raises `ResourceActionSuccess`, not `ResourceWriteSuccess`.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context, faults, operationTimers } = services;

  const view = (request: EmulatorRequest) => (compute: ArmResource) => forApiVersion(toArmBody(compute), request.query.get('api-version') ?? '');

  /** The event names the caller that started the write, even when it completes later on its own. */
  const publish = (claims: Record<string, unknown>, resourceId: string, action: 'write' | 'delete'): void => {
    context.publishEvent(resourceEvent({ resourceId, operationName: operationNameOf(resourceId, action), action, claims, now: context.now() }));
  };

  /** Reaches the operation's outcome once: the compute succeeds (with an update's scale settings), fails or is gone, and the write event is published. */
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
    if (operation.scaleSettings !== undefined && !operation.failure) {
      const typeProperties = isRecord(compute.properties['properties']) ? compute.properties['properties'] : {};
      properties['properties'] = { ...typeProperties, scaleSettings: operation.scaleSettings };
    }
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

  const startOperation = (
    request: EmulatorRequest,
    resourceId: string,
    action: 'write' | 'delete',
    outcome: { readonly failure?: { code: string; message: string }; readonly scaleSettings?: Record<string, unknown> } = {},
  ): AsyncOperation => {
    const operation: AsyncOperation = {
      id: randomUUID(),
      resourceId,
      action,
      startTime: context.now().toISOString(),
      pollsRemaining: services.lroPolls,
      status: 'InProgress',
      callerClaims: callerClaims(request.headers, request.principal),
      ...(outcome.failure ? { failure: outcome.failure } : {}),
      ...(outcome.scaleSettings ? { scaleSettings: outcome.scaleSettings } : {}),
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
      const sentTags = readTags(sent.tags, 'tags');
      const compute = state.put({
        id: existing?.id ?? id,
        name: existing?.name ?? name,
        type: COMPUTE_TYPE,
        location: sent.location,
        // A compute's tags are set when it is created (ARM tag support: workspaces/computes No): an update keeps them.
        tags: existing ? existing.tags : sentTags,
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
          properties: computeTypeDefaults(sent.computeType, declaredAt(sent.computeType, sent.typeProperties, request.query.get('api-version') ?? '')),
        },
        systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
      });
      const failure = fault ? lroFailureOf(fault.body, compute.name) : undefined;
      const operation = startOperation(request, compute.id, 'write', failure ? { failure } : {});
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
      const scaleSettings = readClusterUpdate(readJsonObject(request.body), compute);
      const ignored = faults.takeIgnoredWrite('PATCH', request.path) !== undefined;
      const updating = state.put({
        ...compute,
        properties: { ...compute.properties, provisioningState: 'Updating', modifiedOn: context.now().toISOString() },
        systemData: systemDataFor(request.principal, context.now(), compute.systemData),
      });
      const operation = startOperation(request, compute.id, 'write', scaleSettings === undefined || ignored ? {} : { scaleSettings });
      const current = state.get(compute.id) ?? updating;
      if (operation.status !== 'InProgress') return { status: 200, body: view(request)(current) };
      return { status: 200, headers: operationHeaders(request, operation, compute.location ?? 'eastus'), body: view(request)(current) };
    }),
  );

  router.add(
    'POST',
    `${ONE}/updateIdleShutdownSetting`,
    armHandler((request) => {
      const compute = requireCompute(state, request.params);
      if (compute.properties['computeType'] !== 'ComputeInstance') {
        return refuse(400, 'BadRequest', `Idle shutdown can only be set on a compute instance; '${compute.name}' is ${String(compute.properties['computeType'])}.`);
      }
      refuseWhileInTransition(compute);
      const idleTimeBeforeShutdown = readIdleShutdownSetting(readJsonObject(request.body));
      if (faults.takeIgnoredWrite('POST', request.path) === undefined) {
        const typeProperties = isRecord(compute.properties['properties']) ? compute.properties['properties'] : {};
        state.put({
          ...compute,
          properties: { ...compute.properties, modifiedOn: context.now().toISOString(), properties: { ...typeProperties, idleTimeBeforeShutdown } },
          systemData: systemDataFor(request.principal, context.now(), compute.systemData),
        });
      }
      context.publishEvent(
        resourceEvent({
          resourceId: compute.id,
          operationName: 'Microsoft.MachineLearningServices/workspaces/computes/updateIdleShutdownSetting/action',
          action: 'action',
          claims: callerClaims(request.headers, request.principal),
          now: context.now(),
        }),
      );
      return { status: 200 };
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
      const operation = startOperation(request, compute.id, 'delete', fault ? { failure: lroFailureOf(fault.body, compute.name) } : {});
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

/**
 * The scale settings a Compute_Update applies: `properties.properties.scaleSettings` of `ClusterUpdateParameters`,
 * validated as the spec's `ScaleSettings` (`maxNodeCount` required, `minNodeCount` default 0) and stored as sent —
 * the update overwrites ("This call will overwrite a compute if it exists"). Any other property is ignored.
 */
function readClusterUpdate(body: Record<string, unknown>, compute: ArmResource): Record<string, unknown> | undefined {
  const outer = readOptionalObject(body['properties'], 'properties') ?? {};
  const inner = readOptionalObject(outer['properties'], 'properties.properties') ?? {};
  if (inner['scaleSettings'] === undefined) return undefined;
  if (compute.properties['computeType'] !== 'AmlCompute') return badRequest('properties.properties.scaleSettings', 'can only be updated on an AmlCompute cluster.');
  const sent = validateScaleSettings(inner['scaleSettings'], 'properties.properties.scaleSettings');
  return { minNodeCount: 0, ...sent };
}

/** `IdleShutdownSetting`: an ISO 8601 duration from 15 minutes to 3 days ("Minimum is 15 min, maximum is 3 days"). */
function readIdleShutdownSetting(body: Record<string, unknown>): string {
  const value = body['idleTimeBeforeShutdown'];
  if (typeof value !== 'string') return badRequest('idleTimeBeforeShutdown', 'is required and must be an ISO 8601 duration such as PT60M.');
  const ms = isoDurationMs(value);
  if (ms === undefined) return badRequest('idleTimeBeforeShutdown', 'must be an ISO 8601 duration such as PT60M.');
  if (ms < 15 * 60_000 || ms > 3 * 24 * 3_600_000) return badRequest('idleTimeBeforeShutdown', 'must be between 15 minutes and 3 days.');
  return value;
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
