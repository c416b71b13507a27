import type { ResourceKind, WorkspaceReference } from './domainEvent.js';

// ARM ids are case-insensitive in their fixed segments; names are kept verbatim (placeholders included).
const workspaceIdPattern =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.machinelearningservices\/workspaces\/([^/]+)(?:\/(.*))?$/i;

export interface ResourceReference {
  readonly workspace: WorkspaceReference | null;
  readonly kind: ResourceKind;
  readonly computeName: string | null;
}

/** Reads an ARM resource id: the Azure ML workspace it is or lies under, and whether it is the workspace, one of its computes, or something else. */
export function parseResourceReference(resourceId: string): ResourceReference {
  const match = workspaceIdPattern.exec(resourceId.trim().replace(/\/+$/, ''));
  if (!match) return { workspace: null, kind: 'other', computeName: null };
  const [, subscriptionId = '', resourceGroup = '', workspaceName = '', rest] = match;
  const workspace: WorkspaceReference = {
    subscriptionId,
    resourceGroup,
    workspaceName,
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspaceName}`,
  };
  if (rest === undefined || rest === '') return { workspace, kind: 'workspace', computeName: null };
  const compute = /^computes\/([^/]+)$/i.exec(rest);
  if (compute?.[1] !== undefined) return { workspace, kind: 'compute', computeName: compute[1] };
  return { workspace, kind: 'other', computeName: null };
}

/** The workspace an event is about: from its topic/source first, else from its subject (resource events name the resource there). */
export function findWorkspace(source: string, subject: string): WorkspaceReference | null {
  return parseResourceReference(source).workspace ?? parseResourceReference(subject).workspace;
}
