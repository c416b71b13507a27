/**
 * The messages a compute request sends, on the policy's `notifications.approvals` channel: approvers get
 * an Adaptive Card (Teams) with the request and a link to it; the requester is named in the decision and
 * the result. No channel configured: nothing is sent.
 */
import type { Notification, NotificationFact, Notifier } from '../notifications/ports.js';
import { joinSentences } from '../shared/text.js';
import { parseArmResourceId } from '../policy/resources.js';
import type { ComputeRequest } from './computeRequest.js';
import { plainLog, type Log } from '../shared/log.js';
import type { ComputeRequestNotifier } from './ports.js';

function factsOf(request: ComputeRequest): NotificationFact[] {
  const workspace = parseArmResourceId(request.workspaceId);
  return [
    { name: 'Request', value: request.id },
    { name: 'Requested by', value: request.requestedBy },
    { name: 'Workspace', value: workspace?.workspaceName ?? request.workspaceId },
    ...(workspace === undefined ? [] : [{ name: 'Resource group', value: workspace.resourceGroup }]),
    { name: 'Compute', value: request.computeName },
    { name: 'VM size', value: `${request.vmSize} (${request.vmPriority})` },
    { name: 'Nodes', value: `${request.minNodeCount}–${request.maxNodeCount}` },
    { name: 'Status', value: request.status },
  ];
}

/** The studio page of the cluster (or of the workspace's compute list). */
function studioComputeLink(studioUrl: string, request: ComputeRequest): string {
  return `${studioUrl}/compute/${encodeURIComponent(request.computeName)}/details?wsid=${encodeURIComponent(request.workspaceId)}`;
}

export function requestedMessage(request: ComputeRequest, link: string | undefined): Notification {
  return {
    title: `Compute request awaiting approval: ${request.computeName}`,
    text: joinSentences([
      `${request.requestedBy} asks for a ${request.vmSize} cluster of up to ${request.maxNodeCount} nodes`,
      `Justification: ${request.justification}`,
      `It expires at ${request.expiresAt} unless someone other than the requester approves or rejects it`,
    ]),
    severity: 'info',
    facts: [...factsOf(request), { name: 'Expires', value: request.expiresAt }],
    ...(link === undefined ? {} : { link: { title: 'Open the request', url: link } }),
    eventId: request.id,
  };
}

export function decidedMessage(request: ComputeRequest): Notification {
  const decision =
    request.status === 'Approved'
      ? `${request.requestedBy}: your compute request was approved by ${request.decidedBy ?? 'an approver'}; the cluster is being created`
      : request.status === 'Rejected'
        ? `${request.requestedBy}: your compute request was rejected by ${request.decidedBy ?? 'an approver'}`
        : `${request.requestedBy}: your compute request expired at ${request.expiresAt} without a decision`;
  const text = joinSentences([decision, request.decisionComment === undefined ? undefined : `Comment: ${request.decisionComment}`]);
  return {
    title: `Compute request ${request.status.toLowerCase()}: ${request.computeName}`,
    text,
    severity: request.status === 'Approved' ? 'info' : 'warning',
    facts: factsOf(request),
    eventId: request.id,
  };
}

export function provisionedMessage(request: ComputeRequest, studioUrl: string): Notification {
  const succeeded = request.status === 'Succeeded';
  return {
    title: succeeded ? `Compute ready: ${request.computeName}` : `Compute could not be created: ${request.computeName}`,
    text: succeeded
      ? `${request.requestedBy}: your cluster ${request.computeName} is ready, with the policy's scaling settings and tags.`
      : joinSentences([`${request.requestedBy}: Azure could not create ${request.computeName}`, `Reason: ${request.failureReason ?? 'unknown'}`]),
    severity: succeeded ? 'info' : 'error',
    facts: factsOf(request),
    ...(succeeded ? { link: { title: 'Open in Azure ML studio', url: studioComputeLink(studioUrl, request) } } : {}),
    eventId: request.id,
  };
}

export interface NotifierOptions {
  /** The approvals channel's notifier; `undefined` when the policy names no channel. */
  readonly notifier: () => Notifier | undefined;
  readonly studioUrl: string;
  readonly log: Log;
}

export function createComputeRequestNotifier(options: NotifierOptions): ComputeRequestNotifier {
  const send = async (message: Notification): Promise<void> => {
    try {
      const notifier = options.notifier();
      if (notifier === undefined) return;
      await notifier.send(message);
    } catch (error) {
      plainLog(options.log).warn(`Compute request ${message.eventId}: the notification "${message.title}" was not delivered: ${error instanceof Error ? error.message : 'unknown error'}`);
    }
  };
  return {
    requested: (request, link) => send(requestedMessage(request, link)),
    decided: (request) => send(decidedMessage(request)),
    provisioned: (request) => send(provisionedMessage(request, options.studioUrl)),
  };
}
