/**
 * The buttons of a Teams or Slack card, with the web console's page for what the card is about when the console's
 * address is configured (`AML_WARDEN_CONSOLE_URL`); without it, the one link the use case gave, as before.
 *
 * The page is read from that link, whose shapes the use cases own:
 * - the compute-request API's `…/api/compute-requests/{id}` (the approval card): a browser gets a 401 there, so the
 *   console's approval page of that request replaces it;
 * - a studio link with `wsid` (a violation, a failed run): the console's compliance page of that compute (studio's
 *   `compute/{name}/details`) or of that workspace comes first, and the studio link stays beside it. Only cards that
 *   ask for attention (warning, error) get it; a "compute ready" or "run completed" card keeps its one studio link.
 */
import type { Notification } from '../../notifications/ports.js';
import { openableLink } from './openableLink.js';

export type CardLink = NonNullable<Notification['link']>;

const REQUEST_API_PATH = /\/api\/compute-requests\/([^/]+)\/?$/i;
const STUDIO_COMPUTE_PATH = /\/compute\/([^/]+)\/details\/?$/i;

function consolePage(consoleUrl: string, page: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/${page}`;
}

/** The console page for the notification's link, and whether it replaces that link. */
function consoleLinkFor(notification: Notification, link: CardLink, consoleUrl: string): { link: CardLink; replaces: boolean } | undefined {
  let url: URL;
  try {
    url = new URL(link.url);
  } catch {
    return undefined;
  }
  const request = REQUEST_API_PATH.exec(url.pathname);
  if (request?.[1] !== undefined) {
    return { link: { title: 'Review the request', url: consolePage(consoleUrl, `approvals/${request[1]}`) }, replaces: true };
  }
  const workspaceId = url.searchParams.get('wsid');
  if (workspaceId === null || workspaceId === '' || notification.severity === 'info') return undefined;
  const compute = STUDIO_COMPUTE_PATH.exec(url.pathname)?.[1];
  if (compute !== undefined) {
    const computeId = `${workspaceId}/computes/${decodeURIComponent(compute)}`;
    return { link: { title: 'Open in the console', url: consolePage(consoleUrl, `compliance/resource?id=${encodeURIComponent(computeId)}`) }, replaces: false };
  }
  return { link: { title: 'Open the workspace in the console', url: consolePage(consoleUrl, `compliance?workspaceId=${encodeURIComponent(workspaceId)}`) }, replaces: false };
}

/** The card's buttons, in order; each one an address Teams or Slack may open (`openableLink`). */
export function cardLinks(notification: Notification, consoleUrl: string | undefined): CardLink[] {
  const link = openableLink(notification);
  if (link === undefined) return [];
  const fromConsole = consoleUrl === undefined ? undefined : consoleLinkFor(notification, link, consoleUrl);
  if (fromConsole === undefined) return [link];
  const consoleLink = openableLink({ ...notification, link: fromConsole.link });
  if (consoleLink === undefined) return [link];
  return fromConsole.replaces ? [consoleLink] : [consoleLink, link];
}
