import type { EmulatorRequest, Router } from '../router.js';
import { MODEL_CONTAINER_TYPE, MODEL_VERSION_TYPE, type ArmResource } from '../state.js';
import { armHandler, badRequest, isRecord, readJsonObject, readOptionalObject, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { requireWorkspace } from './lookup.js';
import { listPage } from './paging.js';
import { workspaceEvent } from './resourceEvents.js';
import { systemDataFor, toArmBody } from './resourceView.js';

const MODELS = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/models';
const CONTAINER = `${MODELS}/{name}`;
const VERSIONS = `${CONTAINER}/versions`;
const VERSION = `${VERSIONS}/{version}`;

/**
 * Model containers and versions, so tests and users can register models; a version PUT publishes the
 * workspace's `ModelRegistered` event with the version as a string, as the REST API and SDK types do.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context } = services;

  const containerOf = (request: EmulatorRequest): ArmResource => {
    const workspace = requireWorkspace(state, request.params);
    const name = request.params['name'] ?? '';
    const container = state.get(`${workspace.id}/models/${name}`);
    if (!container) return refuse(404, 'UserError', `Could not find model container '${name}' in workspace '${workspace.name}'.`);
    return container;
  };

  const putContainer = (request: EmulatorRequest, properties: Record<string, unknown>): { container: ArmResource; created: boolean } => {
    const workspace = requireWorkspace(state, request.params);
    const name = request.params['name'] ?? '';
    const existing = state.get(`${workspace.id}/models/${name}`);
    const container = state.put({
      id: existing?.id ?? `${workspace.id}/models/${name}`,
      name: existing?.name ?? name,
      type: MODEL_CONTAINER_TYPE,
      tags: {},
      extra: {},
      properties: { isArchived: false, ...(existing?.properties ?? {}), ...properties, provisioningState: 'Succeeded' },
      systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
    });
    return { container, created: !existing };
  };

  router.add('GET', MODELS, armHandler((request) => listPage(state.children(requireWorkspace(state, request.params).id, MODEL_CONTAINER_TYPE), request, context.baseUrl, services.pageSize, toArmBody)));

  router.add('GET', CONTAINER, armHandler((request) => ({ status: 200, body: toArmBody(containerOf(request)) })));

  router.add(
    'PUT',
    CONTAINER,
    armHandler((request) => {
      const body = readJsonObject(request.body);
      const properties = readOptionalObject(body['properties'], 'properties');
      if (!properties) return badRequest('properties', 'is required.');
      const { container, created } = putContainer(request, properties);
      return { status: created ? 201 : 200, body: toArmBody(container) };
    }),
  );

  router.add('GET', VERSIONS, armHandler((request) => listPage(state.children(containerOf(request).id, MODEL_VERSION_TYPE), request, context.baseUrl, services.pageSize, toArmBody)));

  router.add(
    'GET',
    VERSION,
    armHandler((request) => {
      const container = containerOf(request);
      const version = request.params['version'] ?? '';
      const found = state.get(`${container.id}/versions/${version}`);
      if (!found) return refuse(404, 'UserError', `Could not find version '${version}' of model '${container.name}'.`);
      return { status: 200, body: toArmBody(found) };
    }),
  );

  router.add(
    'PUT',
    VERSION,
    armHandler((request) => {
      const body = readJsonObject(request.body);
      const properties = readOptionalObject(body['properties'], 'properties');
      if (!properties) return badRequest('properties', 'is required.');
      for (const field of ['tags', 'properties'] as const) {
        if (properties[field] !== undefined && properties[field] !== null && !isRecord(properties[field])) return badRequest(`properties.${field}`, 'must be an object.');
      }
      const workspace = requireWorkspace(state, request.params);
      const container = state.get(`${workspace.id}/models/${request.params['name'] ?? ''}`) ?? putContainer(request, {}).container;
      const versionName = request.params['version'] ?? '';
      const existing = state.get(`${container.id}/versions/${versionName}`);
      const version = state.put({
        id: existing?.id ?? `${container.id}/versions/${versionName}`,
        name: existing?.name ?? versionName,
        type: MODEL_VERSION_TYPE,
        tags: {},
        extra: {},
        properties: { isAnonymous: false, isArchived: false, modelType: 'CustomModel', tags: {}, properties: {}, ...properties, provisioningState: 'Succeeded' },
        systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
      });
      state.put({ ...container, properties: { ...container.properties, latestVersion: versionName } });
      context.publishEvent(
        workspaceEvent(
          workspace.id,
          'Microsoft.MachineLearningServices.ModelRegistered',
          `models/${container.name}:${versionName}`,
          {
            modelName: container.name,
            modelVersion: versionName,
            modelTags: isRecord(version.properties['tags']) ? version.properties['tags'] : {},
            modelProperties: isRecord(version.properties['properties']) ? version.properties['properties'] : {},
          },
          context.now(),
        ),
      );
      return { status: existing ? 200 : 201, body: toArmBody(version) };
    }),
  );
}
