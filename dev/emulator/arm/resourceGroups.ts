import type { Router } from '../router.js';
import { RESOURCE_GROUP_TYPE, resourceGroupId, type ArmResource } from '../state.js';
import { armHandler, badRequest, readJsonObject, readTags, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { callerClaims, operationNameOf, resourceEvent } from './resourceEvents.js';

const GROUP = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}';

/**
 * Subscriptions - Get and resource groups: enough to hold workspaces (GET, PUT, list). A PUT in an unknown
 * subscription creates it.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context } = services;

  // Subscriptions - Get (azure-rest-api-specs, resources/resource-manager/Microsoft.Resources/stable/2022-12-01/
  // subscriptions.json): `{ id, subscriptionId, displayName, state, subscriptionPolicies }`; an id ARM does not know
  // is 404 SubscriptionNotFound ("The subscription '…' could not be found.", Microsoft Learn, "Resolve errors for
  // resource not found").
  router.add(
    'GET',
    '/subscriptions/{subscriptionId}',
    armHandler((request) => {
      const subscriptionId = request.params['subscriptionId'] ?? '';
      if (!state.hasSubscription(subscriptionId)) return refuse(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
      const stored = state.subscriptions().find((candidate) => candidate.toLowerCase() === subscriptionId.toLowerCase()) ?? subscriptionId;
      return {
        status: 200,
        body: {
          id: `/subscriptions/${stored}`,
          subscriptionId: stored,
          displayName: `Subscription ${stored.slice(0, 8)}`,
          state: 'Enabled',
          subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
        },
      };
    }),
  );

  router.add(
    'GET',
    '/subscriptions/{subscriptionId}/resourceGroups',
    armHandler((request) => ({
      status: 200,
      body: { value: state.children(`/subscriptions/${request.params['subscriptionId'] ?? ''}`, RESOURCE_GROUP_TYPE).map(groupBody) },
    })),
  );

  router.add(
    'GET',
    GROUP,
    armHandler((request) => {
      const group = state.get(resourceGroupId(request.params['subscriptionId'] ?? '', request.params['resourceGroupName'] ?? ''));
      if (!group) return refuse(404, 'ResourceGroupNotFound', `Resource group '${request.params['resourceGroupName'] ?? ''}' could not be found.`);
      return { status: 200, body: groupBody(group) };
    }),
  );

  router.add(
    'PUT',
    GROUP,
    armHandler((request) => {
      const body = readJsonObject(request.body);
      if (typeof body['location'] !== 'string' || body['location'] === '') return badRequest('location', 'is required.');
      const id = resourceGroupId(request.params['subscriptionId'] ?? '', request.params['resourceGroupName'] ?? '');
      const existing = state.get(id);
      const group = state.put({
        id: existing?.id ?? id,
        name: existing?.name ?? request.params['resourceGroupName'] ?? '',
        type: RESOURCE_GROUP_TYPE,
        location: existing?.location ?? body['location'],
        tags: readTags(body['tags'], 'tags'),
        properties: { provisioningState: 'Succeeded' },
        extra: {},
      });
      context.publishEvent(
        resourceEvent({ resourceId: group.id, operationName: operationNameOf(group.id, 'write'), action: 'write', claims: callerClaims(request.headers, request.principal), now: context.now() }),
      );
      return { status: existing ? 200 : 201, body: groupBody(group) };
    }),
  );
}

function groupBody(group: ArmResource): Record<string, unknown> {
  return { id: group.id, name: group.name, type: group.type, location: group.location, tags: { ...group.tags }, properties: { ...group.properties } };
}
