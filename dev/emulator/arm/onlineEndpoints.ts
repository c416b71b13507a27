import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse, Router } from '../router.js';
import type { ArmResource } from '../state.js';
import { armHandler, badRequest, isRecord, readJsonObject, readOptionalObject, readTags, refuse, resourceNotFound } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { requireWorkspace } from './lookup.js';
import { listPage } from './paging.js';
import { callerClaims, operationNameOf, resourceEvent } from './resourceEvents.js';
import { systemDataFor, toArmBody } from './resourceView.js';

export const ONLINE_ENDPOINT_TYPE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints';
export const ONLINE_DEPLOYMENT_TYPE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments';

const WORKSPACE = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}';
const ENDPOINTS = `${WORKSPACE}/onlineEndpoints`;
const ENDPOINT = `${ENDPOINTS}/{endpointName}`;
const DEPLOYMENTS = `${ENDPOINT}/deployments`;
const DEPLOYMENT = `${DEPLOYMENTS}/{deploymentName}`;
const LOCATION = '/subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/locations/{location}';
const AUTH_MODES = ['Key', 'AMLToken', 'AADToken'] as const;
const NETWORK_ACCESS = ['Enabled', 'Disabled'] as const;
const COMPUTE_TYPES = ['Managed', 'Kubernetes', 'AzureMLCompute'] as const;
const SCALE_TYPES = ['Default', 'TargetUtilization'] as const;
const TRANSITIONS = new Set(['creating', 'updating', 'scaling', 'deleting']);
/**
 * The names CreateOrUpdate accepts for `endpointName` and `deploymentName` (mfe.json's path parameters; the same
 * constraint is in `@azure/arm-machinelearning`'s generated parameters, `endpointName1` / `deploymentName1`).
 */
const RESOURCE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;

interface MfeOperation {
  readonly id: string;
  readonly resourceId: string;
  readonly startTime: string;
  endTime?: string;
  pollsRemaining: number;
  status: 'InProgress' | 'Succeeded';
  /** Applied once, when the operation completes. */
  readonly finish: () => void;
}

/**
 * Managed online endpoints and deployments, with the shapes and long-running behaviour of azure-rest-api-specs
 * `Microsoft.MachineLearningServices/stable/2024-04-01/mfe.json`:
 * - `OnlineEndpoints_List` / `_Get` / `_CreateOrUpdate` / `_Update`; `OnlineDeployments_List` / `_Get` /
 *   `_CreateOrUpdate` / `_Update` / `_Delete`.
 * - CreateOrUpdate answers `201` (`200` for an existing resource) with `provisioningState: Creating` (`Updating`) and
 *   an `Azure-AsyncOperation` header only (final state from the original URI); Update answers `202` with a `Location`
 *   header only (`examples/OnlineDeployment/ManagedOnlineDeployment/update.json`); Delete answers `202` with `Location`.
 *   Each sends only the headers its operation declares, so a client polls what it would poll on Azure.
 * - A name CreateOrUpdate's pattern refuses is a 400; a `sku` without its required `name` (`Sku`, common types) is a
 *   400; a deployment is not deleted while an operation on it is in progress (409), as for every other write.
 * - `OnlineDeployments_Update` takes `PartialMinimalTrackedResourceWithSku` (tags and `sku`): only `tags` and
 *   `sku.capacity` are applied — a `properties` object (scale settings included) is ignored, as Azure ignores what
 *   the body schema does not declare; the deployment is `Scaling` until the operation completes.
 * - `OnlineEndpoints_Update` takes `PartialMinimalTrackedResourceWithIdentity` (tags and identity): `properties`
 *   (`publicNetworkAccess`, `authMode`) are ignored.
 * Operations complete after `lroPolls` polls or `lroCompleteAfterMs`, like the computes'.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context, operationTimers } = services;
  const operations = new Map<string, MfeOperation>();

  const complete = (operation: MfeOperation): void => {
    if (operation.status !== 'InProgress') return;
    operationTimers.cancel(operation.id);
    operation.status = 'Succeeded';
    operation.endTime = context.now().toISOString();
    operation.finish();
  };

  const start = (resourceId: string, finish: () => void): MfeOperation => {
    const operation: MfeOperation = { id: randomUUID(), resourceId, startTime: context.now().toISOString(), pollsRemaining: services.lroPolls, status: 'InProgress', finish };
    operations.set(operation.id, operation);
    if (services.lroPolls <= 0) complete(operation);
    else operationTimers.schedule(operation.id, services.lroCompleteAfterMs, () => complete(operation));
    return operation;
  };

  const poll = (request: EmulatorRequest): MfeOperation => {
    const operation = operations.get(request.params['operationId'] ?? '');
    if (!operation) return refuse(404, 'NotFound', `The operation '${request.params['operationId'] ?? ''}' was not found.`);
    if (operation.status === 'InProgress') {
      operation.pollsRemaining -= 1;
      if (operation.pollsRemaining <= 0) complete(operation);
    }
    return operation;
  };

  const operationUrl = (request: EmulatorRequest, location: string, kind: 'onlineOperationsStatus' | 'onlineOperationResults', operation: MfeOperation): string =>
    `${context.baseUrl}/subscriptions/${encodeURIComponent(request.params['subscriptionId'] ?? '')}/providers/Microsoft.MachineLearningServices/locations/${encodeURIComponent(location)}/${kind}/${operation.id}?api-version=${encodeURIComponent(request.query.get('api-version') ?? '')}`;

  const accepted = (request: EmulatorRequest, resource: ArmResource, operation: MfeOperation, status: number, body?: unknown): EmulatorResponse => {
    if (operation.status !== 'InProgress') {
      const done = state.get(resource.id);
      return done ? { status: status === 202 ? 200 : status, body: toArmBody(done) } : { status: 204 };
    }
    const location = resource.location ?? 'eastus';
    // CreateOrUpdate (201/200) names its status monitor; Update and Delete (202) their result.
    const header: Record<string, string> =
      status === 202 ? { Location: operationUrl(request, location, 'onlineOperationResults', operation) } : { 'Azure-AsyncOperation': operationUrl(request, location, 'onlineOperationsStatus', operation) };
    return { status, headers: { ...header, 'Retry-After': '0' }, ...(body === undefined ? {} : { body }) };
  };

  const requireValidName = (request: EmulatorRequest, parameter: 'endpointName' | 'deploymentName'): string => {
    const name = request.params[parameter] ?? '';
    if (!RESOURCE_NAME.test(name)) return badRequest(parameter, `'${name}' does not match the pattern ${RESOURCE_NAME.source}.`);
    return name;
  };

  const requireEndpoint = (request: EmulatorRequest): ArmResource => {
    const workspace = requireWorkspace(state, request.params);
    const name = request.params['endpointName'] ?? '';
    const found = state.get(`${workspace.id}/onlineEndpoints/${name}`);
    if (!found) return resourceNotFound(ONLINE_ENDPOINT_TYPE, `${workspace.name}/${name}`, request.params['resourceGroupName'] ?? '');
    return found;
  };

  const requireDeployment = (request: EmulatorRequest): ArmResource => {
    const endpoint = requireEndpoint(request);
    const name = request.params['deploymentName'] ?? '';
    const found = state.get(`${endpoint.id}/deployments/${name}`);
    if (!found) return resourceNotFound(ONLINE_DEPLOYMENT_TYPE, `${endpoint.name}/${name}`, request.params['resourceGroupName'] ?? '');
    return found;
  };

  /**
   * The resource group's system topic raises ResourceWriteSuccess / ResourceDeleteSuccess when a write or delete
   * succeeds (MicrosoftDocs/azure-docs `event-schema-resource-groups.md`), naming the caller that started it — here
   * when the long-running operation completes, as for computes.
   */
  const publishWhenDone = (request: EmulatorRequest, resourceId: string, action: 'write' | 'delete'): (() => void) => {
    const claims = callerClaims(request.headers, request.principal);
    return () => context.publishEvent(resourceEvent({ resourceId, operationName: operationNameOf(resourceId, action), action, claims, now: context.now() }));
  };

  const settle = (resourceId: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): void => {
    const current = state.get(resourceId);
    if (!current) return;
    state.put({ ...current, extra: { ...current.extra, ...extra }, properties: { ...current.properties, ...properties, provisioningState: 'Succeeded' } });
  };

  router.add('GET', ENDPOINTS, armHandler((request) => listPage(state.children(requireWorkspace(state, request.params).id, ONLINE_ENDPOINT_TYPE), request, context.baseUrl, services.pageSize, toArmBody)));
  router.add('GET', ENDPOINT, armHandler((request) => ({ status: 200, body: toArmBody(requireEndpoint(request)) })));

  router.add(
    'PUT',
    ENDPOINT,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      const body = readJsonObject(request.body);
      const location = requiredString(body['location'], 'location');
      const properties = readOptionalObject(body['properties'], 'properties') ?? badRequest('properties', 'is required.');
      const authMode = oneOf(properties['authMode'], 'properties.authMode', AUTH_MODES, true);
      const publicNetworkAccess = oneOf(properties['publicNetworkAccess'], 'properties.publicNetworkAccess', NETWORK_ACCESS, false) ?? 'Enabled';
      const name = requireValidName(request, 'endpointName');
      const existing = state.get(`${workspace.id}/onlineEndpoints/${name}`);
      if (existing) refuseWhileInTransition(existing);
      const endpoint = state.put({
        id: existing?.id ?? `${workspace.id}/onlineEndpoints/${name}`,
        name: existing?.name ?? name,
        type: ONLINE_ENDPOINT_TYPE,
        location,
        tags: readTags(body['tags'], 'tags'),
        extra: { kind: typeof body['kind'] === 'string' ? body['kind'] : 'Managed' },
        properties: {
          description: properties['description'] ?? null,
          properties: isRecord(properties['properties']) ? properties['properties'] : {},
          traffic: isRecord(properties['traffic']) ? properties['traffic'] : {},
          authMode,
          publicNetworkAccess,
          scoringUri: `https://${name}.${location}.inference.ml.azure.com/score`,
          swaggerUri: `https://${name}.${location}.inference.ml.azure.com/swagger.json`,
          provisioningState: existing ? 'Updating' : 'Creating',
        },
        systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
      });
      const operation = start(endpoint.id, () => settle(endpoint.id));
      return accepted(request, endpoint, operation, existing ? 200 : 201, toArmBody(endpoint));
    }),
  );

  router.add(
    'PATCH',
    ENDPOINT,
    armHandler((request) => {
      const endpoint = requireEndpoint(request);
      refuseWhileInTransition(endpoint);
      const body = readJsonObject(request.body);
      const tags = body['tags'] === undefined ? endpoint.tags : readTags(body['tags'], 'tags');
      const identity = readOptionalObject(body['identity'], 'identity');
      const updating = state.put({ ...endpoint, tags, properties: { ...endpoint.properties, provisioningState: 'Updating' }, systemData: systemDataFor(request.principal, context.now(), endpoint.systemData) });
      const operation = start(endpoint.id, () => settle(endpoint.id, {}, identity ? { identity } : {}));
      return accepted(request, updating, operation, 202);
    }),
  );

  router.add('GET', DEPLOYMENTS, armHandler((request) => listPage(state.children(requireEndpoint(request).id, ONLINE_DEPLOYMENT_TYPE), request, context.baseUrl, services.pageSize, toArmBody)));
  router.add('GET', DEPLOYMENT, armHandler((request) => ({ status: 200, body: toArmBody(requireDeployment(request)) })));

  router.add(
    'PUT',
    DEPLOYMENT,
    armHandler((request) => {
      const endpoint = requireEndpoint(request);
      const body = readJsonObject(request.body);
      const location = requiredString(body['location'], 'location');
      const properties = readOptionalObject(body['properties'], 'properties') ?? badRequest('properties', 'is required.');
      const endpointComputeType = oneOf(properties['endpointComputeType'], 'properties.endpointComputeType', COMPUTE_TYPES, true);
      const scale = readOptionalObject(properties['scaleSettings'], 'properties.scaleSettings') ?? { scaleType: 'Default' };
      const scaleType = oneOf(scale['scaleType'], 'properties.scaleSettings.scaleType', SCALE_TYPES, true);
      const scaleSettings =
        scaleType === 'TargetUtilization'
          ? {
              scaleType,
              // OnlineScaleSettings `TargetUtilizationScaleSettings` defaults.
              minInstances: count(scale['minInstances'], 'properties.scaleSettings.minInstances', 0) ?? 1,
              maxInstances: count(scale['maxInstances'], 'properties.scaleSettings.maxInstances', 1) ?? 1,
              pollingInterval: typeof scale['pollingInterval'] === 'string' ? scale['pollingInterval'] : 'PT1S',
              targetUtilizationPercentage: typeof scale['targetUtilizationPercentage'] === 'number' ? scale['targetUtilizationPercentage'] : 70,
            }
          : { scaleType };
      const sku = readOptionalObject(body['sku'], 'sku');
      if (sku !== undefined && (typeof sku['name'] !== 'string' || sku['name'] === '')) badRequest('sku.name', 'is required.');
      const capacity = sku === undefined ? 1 : (count(sku['capacity'], 'sku.capacity', 0) ?? 1);
      const name = requireValidName(request, 'deploymentName');
      const existing = state.get(`${endpoint.id}/deployments/${name}`);
      if (existing) refuseWhileInTransition(existing);
      const deployment = state.put({
        id: existing?.id ?? `${endpoint.id}/deployments/${name}`,
        name: existing?.name ?? name,
        type: ONLINE_DEPLOYMENT_TYPE,
        location,
        tags: readTags(body['tags'], 'tags'),
        extra: { kind: typeof body['kind'] === 'string' ? body['kind'] : 'Managed', sku: { name: 'Default', tier: 'Standard', ...sku, capacity } },
        properties: {
          ...properties,
          endpointComputeType,
          scaleSettings,
          instanceType: typeof properties['instanceType'] === 'string' ? properties['instanceType'] : null,
          provisioningState: existing ? 'Updating' : 'Creating',
        },
        systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
      });
      const published = publishWhenDone(request, deployment.id, 'write');
      const operation = start(deployment.id, () => {
        settle(deployment.id);
        published();
      });
      return accepted(request, deployment, operation, existing ? 200 : 201, toArmBody(deployment));
    }),
  );

  router.add(
    'PATCH',
    DEPLOYMENT,
    armHandler((request) => {
      const deployment = requireDeployment(request);
      refuseWhileInTransition(deployment);
      const body = readJsonObject(request.body);
      const tags = body['tags'] === undefined ? deployment.tags : readTags(body['tags'], 'tags');
      const sku = readOptionalObject(body['sku'], 'sku');
      const capacity = sku === undefined ? undefined : count(sku['capacity'], 'sku.capacity', 0);
      const scaling = state.put({
        ...deployment,
        tags,
        properties: { ...deployment.properties, provisioningState: capacity === undefined ? 'Updating' : 'Scaling' },
        systemData: systemDataFor(request.principal, context.now(), deployment.systemData),
      });
      const currentSku = isRecord(deployment.extra['sku']) ? deployment.extra['sku'] : {};
      const published = publishWhenDone(request, deployment.id, 'write');
      const operation = start(deployment.id, () => {
        settle(deployment.id, {}, capacity === undefined ? {} : { sku: { ...currentSku, capacity } });
        published();
      });
      return accepted(request, scaling, operation, 202);
    }),
  );

  router.add(
    'DELETE',
    DEPLOYMENT,
    armHandler((request) => {
      const endpoint = requireEndpoint(request);
      const deployment = state.get(`${endpoint.id}/deployments/${request.params['deploymentName'] ?? ''}`);
      // Deleting what is not there succeeds with 204, as ARM deletes do.
      if (!deployment) return { status: 204 };
      refuseWhileInTransition(deployment);
      const deleting = state.put({ ...deployment, properties: { ...deployment.properties, provisioningState: 'Deleting' } });
      const published = publishWhenDone(request, deployment.id, 'delete');
      const operation = start(deployment.id, () => {
        state.delete(deployment.id);
        published();
      });
      return accepted(request, deleting, operation, 202);
    }),
  );

  router.add(
    'GET',
    `${LOCATION}/onlineOperationsStatus/{operationId}`,
    armHandler((request) => {
      const operation = poll(request);
      return { status: 200, body: { id: operation.id, name: operation.id, status: operation.status, startTime: operation.startTime, ...(operation.endTime ? { endTime: operation.endTime } : {}) } };
    }),
  );

  router.add(
    'GET',
    `${LOCATION}/onlineOperationResults/{operationId}`,
    armHandler((request) => {
      const operation = poll(request);
      if (operation.status === 'InProgress') return { status: 202, headers: { Location: operationUrl(request, request.params['location'] ?? '', 'onlineOperationResults', operation), 'Retry-After': '0' } };
      const resource = state.get(operation.resourceId);
      return resource ? { status: 200, body: toArmBody(resource) } : { status: 204 };
    }),
  );
}

function refuseWhileInTransition(resource: ArmResource): void {
  const provisioningState = String(resource.properties['provisioningState'] ?? '');
  if (TRANSITIONS.has(provisioningState.toLowerCase())) {
    refuse(409, 'Conflict', `The resource '${resource.name}' is ${provisioningState}; try again when the operation in progress completes.`);
  }
}

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') return badRequest(field, 'is required.');
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], required: true): T;
function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], required: false): T | undefined;
function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], required: boolean): T | undefined {
  if (value === undefined || value === null) return required ? badRequest(field, 'is required.') : undefined;
  const found = typeof value === 'string' ? allowed.find((known) => known.toLowerCase() === value.toLowerCase()) : undefined;
  if (found === undefined) return badRequest(field, `has an unknown value '${String(value)}'; expected one of ${allowed.join(', ')}.`);
  return found;
}

function count(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) return badRequest(field, `must be a whole number of at least ${min}.`);
  return value;
}
