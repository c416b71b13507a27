import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatedEvent } from '../context.js';
import { parseResourceId } from '../state.js';

/** Tenant reported when the caller's token carries none. */
export const EMULATOR_TENANT_ID = '72f988bf-0000-0000-0000-00000000c0de';

/**
 * The caller's token claims, for the `claims` of resource events. The token was verified before the
 * request reached a handler; this only reads it.
 */
export function callerClaims(headers: IncomingHttpHeaders, principal: string): Record<string, unknown> {
  const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  let claims: Record<string, unknown> = {};
  if (payload) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) claims = parsed as Record<string, unknown>;
    } catch {
      claims = {};
    }
  }
  return {
    ...claims,
    'http://schemas.microsoft.com/identity/claims/objectidentifier': principal,
    'http://schemas.microsoft.com/identity/claims/tenantid': typeof claims['tid'] === 'string' ? claims['tid'] : EMULATOR_TENANT_ID,
  };
}

export interface ResourceEventInput {
  readonly resourceId: string;
  /** e.g. `Microsoft.MachineLearningServices/workspaces/computes/write`. */
  readonly operationName: string;
  /** `action`: a POST action on the resource (MicrosoftDocs/azure-docs `event-schema-resource-groups.md`: ResourceActionSuccess). */
  readonly action: 'write' | 'delete' | 'action';
  readonly claims: Record<string, unknown>;
  readonly now: Date;
}

const EVENT_TYPES = {
  write: 'Microsoft.Resources.ResourceWriteSuccess',
  delete: 'Microsoft.Resources.ResourceDeleteSuccess',
  action: 'Microsoft.Resources.ResourceActionSuccess',
} as const;

/** `Microsoft.Resources.ResourceWriteSuccess` / `ResourceDeleteSuccess` / `ResourceActionSuccess`, as a resource group's system topic publishes it. */
export function resourceEvent(input: ResourceEventInput): EmulatedEvent {
  const parsed = parseResourceId(input.resourceId);
  const subscriptionId = parsed?.subscriptionId ?? '';
  const topic = parsed?.resourceGroup === undefined ? `/subscriptions/${subscriptionId}` : `/subscriptions/${subscriptionId}/resourceGroups/${parsed.resourceGroup}`;
  const tenantId = input.claims['http://schemas.microsoft.com/identity/claims/tenantid'];
  return {
    id: randomUUID(),
    topic,
    subject: input.resourceId,
    eventType: EVENT_TYPES[input.action],
    eventTime: input.now.toISOString(),
    data: {
      authorization: { scope: input.resourceId, action: input.operationName, evidence: { role: 'Contributor' } },
      claims: input.claims,
      correlationId: randomUUID(),
      resourceProvider: parsed?.provider ?? 'Microsoft.Resources',
      resourceUri: input.resourceId,
      operationName: input.operationName,
      status: 'Succeeded',
      subscriptionId,
      tenantId: typeof tenantId === 'string' ? tenantId : EMULATOR_TENANT_ID,
    },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

/** The ARM operation name of a write or delete on a resource: `{provider}/{type...}/{action}`. */
export function operationNameOf(resourceId: string, action: 'write' | 'delete'): string {
  const parsed = parseResourceId(resourceId);
  if (!parsed?.provider) return `Microsoft.Resources/${parsed?.resourceGroup === undefined ? 'subscriptions' : 'subscriptions/resourceGroups'}/${action}`;
  return `${parsed.provider}/${parsed.types.join('/')}/${action}`;
}

/** An Azure ML workspace's system-topic event (ModelRegistered, RunStatusChanged, RunCompleted). */
export function workspaceEvent(workspaceId: string, eventType: string, subject: string, data: Record<string, unknown>, now: Date): EmulatedEvent {
  return { id: randomUUID(), topic: workspaceId, subject, eventType, eventTime: now.toISOString(), data, dataVersion: '2', metadataVersion: '1' };
}

/** Experiments have ids; the emulator derives a stable one from the experiment's name. */
export function experimentIdOf(workspaceId: string, experimentName: string): string {
  const hex = createHash('sha256').update(`${workspaceId.toLowerCase()}|${experimentName}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
