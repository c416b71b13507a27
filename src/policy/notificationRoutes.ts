import { firstMatchingGlob } from './glob.js';
import type { NotificationChannel, Policy } from './policySchema.js';

/** Where notifications go. Channels are names from `notifications.channels`; `undefined` means "send nothing". */

export interface FailedRunSubject {
  readonly workspaceName: string;
  readonly experimentName?: string | undefined;
}

/** The first route whose patterns all match wins (a muted route sends nothing); otherwise the default channel. */
export function routeFailedRun(subject: FailedRunSubject, policy: Policy): string | undefined {
  const { routes, defaultChannel } = policy.notifications.failedRuns;
  for (const route of routes) {
    if (route.workspaces && firstMatchingGlob(route.workspaces, subject.workspaceName) === undefined) continue;
    if (route.experiments) {
      if (subject.experimentName === undefined) continue;
      if (firstMatchingGlob(route.experiments, subject.experimentName) === undefined) continue;
    }
    return route.mute === true ? undefined : route.channel;
  }
  return defaultChannel;
}

export type NotificationTopic = 'violations' | 'approvals' | 'cd';

/** The channel for policy findings, approval requests or CD failures, if the policy names one. */
export function channelFor(topic: NotificationTopic, policy: Policy): string | undefined {
  return policy.notifications[topic]?.channel;
}

export type InformationalEvent = keyof Policy['notifications']['events'];

/** Accepts the short name (`RunCompleted`) or the Event Grid type (`Microsoft.MachineLearningServices.RunCompleted`). */
export function channelForEvent(eventType: string, policy: Policy): string | undefined {
  const events: Readonly<Record<string, string | undefined>> = policy.notifications.events;
  const name = eventType.slice(eventType.lastIndexOf('.') + 1);
  return Object.hasOwn(events, name) ? events[name] : undefined;
}

/** A channel's definition (kind and URL secret) by name. */
export function channelDefinition(name: string, policy: Policy): NotificationChannel | undefined {
  return Object.hasOwn(policy.notifications.channels, name) ? policy.notifications.channels[name] : undefined;
}
