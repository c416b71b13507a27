import type { Notification } from '../notifications/ports.js';
import type { OnlineOwnerNotice } from './ports.js';

/** A failed online deployment's notice as people read it, with a link to its endpoint in Azure ML studio. */
export function onlineOwnerNotification(notice: OnlineOwnerNotice, studioUrl: string): Notification {
  return {
    title: notice.title,
    text: notice.text,
    severity: 'warning',
    facts: [
      { name: 'Owner', value: notice.owner ?? 'unknown (no owner tag)' },
      { name: 'Endpoint', value: notice.endpointName },
      { name: 'Deployment', value: notice.name },
    ],
    link: { title: 'Open in Azure ML studio', url: `${studioUrl}/endpoints/realtime/${encodeURIComponent(notice.endpointName)}/detail?wsid=${encodeURIComponent(notice.workspaceId)}` },
    eventId: notice.correlationId,
  };
}
