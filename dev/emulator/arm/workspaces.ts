import { createHash } from 'node:crypto';
import type { Router } from '../router.js';
import { WORKSPACE_TYPE, workspaceId } from '../state.js';
import { armHandler, badRequest, readJsonObject, readOptionalObject, readTags } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { requireResourceGroup, requireWorkspace } from './lookup.js';
import { listPage } from './paging.js';
import { callerClaims, operationNameOf, resourceEvent } from './resourceEvents.js';
import { systemDataFor, toArmBody } from './resourceView.js';

const PROVIDER = 'providers/Microsoft.MachineLearningServices/workspaces';
const BY_SUBSCRIPTION = `/subscriptions/{subscriptionId}/${PROVIDER}`;
const BY_GROUP = `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/${PROVIDER}`;
const ONE = `${BY_GROUP}/{workspaceName}`;

/** Microsoft.MachineLearningServices/workspaces: list, get, create/update (synchronous), patch tags, delete. */
export function mount(router: Router, services: ArmServices): void {
  const { state, context } = services;
  const publish = (resourceId: string, action: 'write' | 'delete', headers: Parameters<typeof callerClaims>[0], principal: string): void => {
    context.publishEvent(resourceEvent({ resourceId, operationName: operationNameOf(resourceId, action), action, claims: callerClaims(headers, principal), now: context.now() }));
  };

  router.add(
    'GET',
    BY_SUBSCRIPTION,
    armHandler((request) => {
      const subscriptionId = request.params['subscriptionId'] ?? '';
      return listPage(state.workspacesOfSubscription(subscriptionId), request, context.baseUrl, services.pageSize, toArmBody);
    }),
  );

  router.add(
    'GET',
    BY_GROUP,
    armHandler((request) => {
      const group = requireResourceGroup(state, request.params);
      return listPage(state.children(group.id, WORKSPACE_TYPE), request, context.baseUrl, services.pageSize, toArmBody);
    }),
  );

  router.add(
    'GET',
    ONE,
    armHandler((request) => ({ status: 200, body: toArmBody(requireWorkspace(state, request.params)) })),
  );

  router.add(
    'PUT',
    ONE,
    armHandler((request) => {
      const group = requireResourceGroup(state, request.params);
      const body = readJsonObject(request.body);
      const location = body['location'];
      if (typeof location !== 'string' || location === '') return badRequest('location', 'is required.');
      const properties = readOptionalObject(body['properties'], 'properties') ?? {};
      const name = request.params['workspaceName'] ?? '';
      const id = workspaceId(request.params['subscriptionId'] ?? '', group.name, name);
      const existing = state.get(id);
      const { location: _location, tags, properties: _properties, id: _id, name: _name, type: _type, systemData: _systemData, ...extra } = body;
      const workspace = state.put({
        id: existing?.id ?? id,
        name: existing?.name ?? name,
        type: WORKSPACE_TYPE,
        location,
        tags: readTags(tags, 'tags'),
        properties: workspaceProperties(existing?.id ?? id, name, properties),
        extra,
        systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
      });
      publish(workspace.id, 'write', request.headers, request.principal);
      return { status: existing ? 200 : 201, body: toArmBody(workspace) };
    }),
  );

  router.add(
    'PATCH',
    ONE,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      const body = readJsonObject(request.body);
      const tags = body['tags'] === undefined ? workspace.tags : readTags(body['tags'], 'tags');
      const properties = readOptionalObject(body['properties'], 'properties') ?? {};
      const updated = state.put({
        ...workspace,
        tags,
        properties: { ...workspace.properties, ...properties, provisioningState: 'Succeeded' },
        systemData: systemDataFor(request.principal, context.now(), workspace.systemData),
      });
      publish(updated.id, 'write', request.headers, request.principal);
      return { status: 200, body: toArmBody(updated) };
    }),
  );

  router.add(
    'DELETE',
    ONE,
    armHandler((request) => {
      const group = requireResourceGroup(state, request.params);
      const existing = state.get(workspaceId(request.params['subscriptionId'] ?? '', group.name, request.params['workspaceName'] ?? ''));
      if (!existing) return { status: 204 };
      state.delete(existing.id);
      publish(existing.id, 'delete', request.headers, request.principal);
      return { status: 200 };
    }),
  );
}

/** What Azure ML fills in on a workspace beside what the caller sent. */
export function workspaceProperties(id: string, name: string, sent: Record<string, unknown>): Record<string, unknown> {
  const hex = createHash('sha256').update(id.toLowerCase()).digest('hex');
  return {
    friendlyName: name,
    hbiWorkspace: false,
    publicNetworkAccess: 'Enabled',
    ...sent,
    workspaceId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
    discoveryUrl: typeof sent['discoveryUrl'] === 'string' ? sent['discoveryUrl'] : 'https://eastus.api.azureml.ms/discovery',
    provisioningState: 'Succeeded',
  };
}
