/**
 * Teams and Slack cards link to the console's pages once its address is configured: the approval card straight to
 * that request's approval page, violation and failed-run cards to the console beside their studio link. Without the
 * address, every card keeps the link it always had. Messages are built by the use cases' own message builders.
 */
import { describe, expect, it } from 'vitest';
import { cardLinks } from '../../src/adapters/notifiers/consoleLinks.js';
import { slackMessage } from '../../src/adapters/notifiers/slackMessage.js';
import { teamsMessage } from '../../src/adapters/notifiers/teamsMessage.js';
import { provisionedMessage, requestedMessage } from '../../src/computeRequests/computeRequestNotifications.js';
import { ownerNotification } from '../../src/governance/ownerNotification.js';
import type { Notification } from '../../src/notifications/ports.js';
import { parseCompute } from '../../src/policy/resources.js';
import { pendingComputeRequest } from '../helpers/computeRequestFixture.js';

const CONSOLE = 'https://aml-warden.azurewebsites.net/api/console';
const WORKSPACE = pendingComputeRequest.workspaceId;

type Card = { actions?: { type: string; title: string; url: string }[] };
const actionsOf = (message: Record<string, unknown>): Card['actions'] => (message['attachments'] as { content: Card }[])[0]?.content.actions;
const buttonsOf = (message: Record<string, unknown>) =>
  (message['blocks'] as { type: string; elements?: { text: { text: string }; url: string }[] }[]).find((block) => block.type === 'actions')?.elements?.map((element) => ({ title: element.text.text, url: element.url }));

const approvalCard = requestedMessage(pendingComputeRequest, 'https://aml-warden.azurewebsites.net/api/compute-requests/r1');

const violationCard = ownerNotification(
  {
    resource: parseCompute({
      id: `${WORKSPACE}/computes/gpu-cluster`,
      name: 'gpu-cluster',
      location: 'eastus',
      properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24', scaleSettings: { minNodeCount: 1, maxNodeCount: 20 } } },
    }),
    workspace: undefined,
    owner: 'mlops-team@contoso.com',
    title: 'gpu-cluster breaks the scaling policy',
    text: 'minNodeCount is 1; the policy requires 0',
    correlationId: 'evt-1',
  },
  'https://ml.azure.com',
);

const failedRunCard: Notification = {
  title: 'Run failed: churn / train-1',
  text: 'Error: out of memory',
  severity: 'error',
  facts: [],
  link: { title: 'Open in Azure ML studio', url: `https://ml.azure.com/runs/train-1?wsid=${encodeURIComponent(WORKSPACE)}` },
  eventId: 'evt-2',
};

describe('card links with the console configured', () => {
  it("the approval card's one button opens the console's approval page of that request (the API link answers a browser 401)", () => {
    const expected = [{ title: 'Review the request', url: `${CONSOLE}/approvals/r1` }];
    expect(cardLinks(approvalCard, CONSOLE)).toEqual(expected);
    expect(actionsOf(teamsMessage(approvalCard, cardLinks(approvalCard, CONSOLE)))).toEqual([{ type: 'Action.OpenUrl', ...expected[0] }]);
    expect(buttonsOf(slackMessage(approvalCard, cardLinks(approvalCard, CONSOLE)))).toEqual(expected);
  });

  it("a violation card opens that compute's compliance in the console first, and keeps its studio link", () => {
    const links = cardLinks(violationCard, CONSOLE);
    expect(links).toEqual([
      { title: 'Open in the console', url: `${CONSOLE}/compliance/resource?id=${encodeURIComponent(`${WORKSPACE}/computes/gpu-cluster`)}` },
      violationCard.link,
    ]);
    expect(actionsOf(teamsMessage(violationCard, links))?.map((action) => action.url)).toEqual(links.map((link) => link.url));
  });

  it("a failed-run card opens the workspace's page in the console first, and keeps its studio link", () => {
    expect(cardLinks(failedRunCard, CONSOLE)).toEqual([
      { title: 'Open the workspace in the console', url: `${CONSOLE}/compliance?workspaceId=${encodeURIComponent(WORKSPACE)}` },
      failedRunCard.link,
    ]);
  });

  it('a card that asks for no attention ("compute ready") keeps its one studio link', () => {
    const ready = provisionedMessage({ ...pendingComputeRequest, status: 'Succeeded' }, 'https://ml.azure.com');
    expect(cardLinks(ready, CONSOLE)).toEqual([ready.link]);
  });
});

describe('card links without a console address', () => {
  it('keep the link each card always had', () => {
    for (const card of [approvalCard, violationCard, failedRunCard]) {
      expect(cardLinks(card, undefined)).toEqual([card.link]);
      expect(actionsOf(teamsMessage(card))).toEqual([{ type: 'Action.OpenUrl', title: card.link?.title, url: card.link?.url }]);
    }
  });

  it('still offer no button for a link Teams or Slack must not open', () => {
    expect(cardLinks({ ...failedRunCard, link: { title: 'Open', url: 'javascript:alert(1)' } }, CONSOLE)).toEqual([]);
  });
});
