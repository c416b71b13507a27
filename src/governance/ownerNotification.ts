import type { Notification } from '../notifications/ports.js';
import type { OwnerNotice } from './ports.js';

/** The notice as people read it: the resource, its owner, what is wrong and what to do, and a link to it in the studio. */
export function ownerNotification(notice: OwnerNotice, studioUrl: string): Notification {
  const { resource } = notice;
  const workspaceId = resource.resourceType === 'compute' ? resource.id.replace(/\/computes\/[^/]+$/i, '') : resource.id;
  const link =
    resource.resourceType === 'compute'
      ? `${studioUrl}/compute/${encodeURIComponent(resource.name)}/details?wsid=${encodeURIComponent(workspaceId)}`
      : `${studioUrl}/?wsid=${encodeURIComponent(workspaceId)}`;
  return {
    title: notice.title,
    text: notice.text,
    severity: 'warning',
    facts: [
      { name: 'Owner', value: notice.owner ?? 'unknown (no owner tag)' },
      { name: 'Workspace', value: resource.workspaceName },
      { name: resource.resourceType === 'compute' ? 'Compute' : 'Workspace', value: resource.name },
      ...(notice.findings ?? []).map((finding) => ({ name: finding.rule, value: finding.advice ?? `expected ${String(finding.expected)}` })),
    ],
    link: { title: 'Open in Azure ML studio', url: link },
    eventId: notice.correlationId,
  };
}
