import type { EmulatorRequest, Router } from '../router.js';
import type { ArmResource } from '../state.js';
import { armHandler, badRequest, readJsonObject, readOptionalObject, readTags, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { callerClaims, resourceEvent } from './resourceEvents.js';

const SUFFIX = '/providers/Microsoft.Resources/tags/default';
const GROUP = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}';
const WORKSPACE = `${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}`;
const COMPUTE = `${WORKSPACE}/computes/{computeName}`;
const SCOPES = [GROUP, WORKSPACE];

/**
 * The Tags API (`{scope}/providers/Microsoft.Resources/tags/default`, api-version 2021-04-01) for
 * resource groups and workspaces. Tags written here are the resource's tags.
 *
 * Computes do not support tags through it: ARM's tag-support table lists `workspaces / computes | No`
 * (MicrosoftDocs/azure-docs `articles/azure-resource-manager/management/tag-support.md`; MicrosoftDocs/azure-docs
 * PR #70692: "MachineLearningServices compute doesn't support tags"); their tags are set when they are created.
 * Every method on a compute's tags is refused with a 400 in ARM's error shape. The exact error code Azure uses
 * is not documented (see docs/azure-differences.md).
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context } = services;

  const scopeOf = (request: EmulatorRequest): ArmResource => {
    const scope = request.path.slice(0, request.path.length - SUFFIX.length);
    const resource = state.get(scope);
    if (!resource) return refuse(404, 'ResourceNotFound', `The resource '${scope}' was not found.`);
    return resource;
  };

  const answer = (resource: ArmResource) => ({
    status: 200,
    body: { id: `${resource.id}${SUFFIX}`, name: 'default', type: 'Microsoft.Resources/tags', properties: { tags: { ...resource.tags } } },
  });

  const write = (request: EmulatorRequest, resource: ArmResource, tags: Record<string, string>) => {
    const updated = state.put({ ...resource, tags });
    context.publishEvent(
      resourceEvent({ resourceId: updated.id, operationName: 'Microsoft.Resources/tags/write', action: 'write', claims: callerClaims(request.headers, request.principal), now: context.now() }),
    );
    return answer(updated);
  };

  const tagsOf = (body: Record<string, unknown>): Record<string, string> => {
    const properties = readOptionalObject(body['properties'], 'properties');
    if (!properties) return badRequest('properties', 'is required.');
    return readTags(properties['tags'], 'properties.tags');
  };

  const unsupported = armHandler((request) =>
    refuse(400, 'BadRequest', `The resource type 'Microsoft.MachineLearningServices/workspaces/computes' does not support tags through the Tags API; a compute's tags are set when it is created ('${request.params['computeName'] ?? ''}').`),
  );
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) router.add(method, `${COMPUTE}${SUFFIX}`, unsupported);

  for (const scope of SCOPES) {
    const pattern = `${scope}${SUFFIX}`;
    router.add('GET', pattern, armHandler((request) => answer(scopeOf(request))));

    router.add(
      'PUT',
      pattern,
      armHandler((request) => {
        const resource = scopeOf(request);
        return write(request, resource, tagsOf(readJsonObject(request.body)));
      }),
    );

    router.add(
      'PATCH',
      pattern,
      armHandler((request) => {
        const resource = scopeOf(request);
        const body = readJsonObject(request.body);
        const operation = typeof body['operation'] === 'string' ? body['operation'].toLowerCase() : '';
        const tags = tagsOf(body);
        if (operation === 'merge') return write(request, resource, { ...resource.tags, ...tags });
        if (operation === 'replace') return write(request, resource, tags);
        if (operation === 'delete') {
          // Names alone delete a tag; a name with a value deletes it only when the value matches.
          const remaining = Object.fromEntries(Object.entries(resource.tags).filter(([name, value]) => !(name in tags) || (tags[name] !== '' && tags[name] !== value)));
          return write(request, resource, remaining);
        }
        return badRequest('operation', "must be one of 'Merge', 'Replace', 'Delete'.");
      }),
    );
  }
}
