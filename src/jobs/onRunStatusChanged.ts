/**
 * `RunStatusChanged` serves two capabilities: a failed run notifies its team, and a job that is queued or running is
 * judged against the `jobs:` rules. Both read the job from ARM for themselves; one outcome says what each did.
 */
import type { EventOutcome, RunStatusChangedEvent } from '../events/domainEvent.js';
import type { GovernanceDeps } from '../governance/deps.js';
import type { RunNotificationDeps } from '../runNotifications/deps.js';
import { onRunFailed } from '../runNotifications/onRunFailed.js';
import type { RunContext } from '../shared/useCaseContext.js';
import { onJobStatusChanged } from './governJob.js';

/**
 * Statuses in which a job is about to spend or spends (mfe.json 2024-04-01 `JobStatus`): the ones worth judging.
 * infra's `aml_active_runs` subscription filters `data.runStatus` to exactly these (a test ties the two).
 */
export const GOVERNED_JOB_STATUSES = ['NotStarted', 'Starting', 'Preparing', 'Queued', 'Provisioning', 'Running'] as const;
const GOVERNED_STATUSES = new Set(GOVERNED_JOB_STATUSES.map((status) => status.toLowerCase()));

export async function onRunStatusChanged(
  handlers: { readonly runNotifications: RunNotificationDeps; readonly governance: GovernanceDeps },
  event: RunStatusChangedEvent,
  context: RunContext,
): Promise<EventOutcome> {
  const failed = await onRunFailed(handlers.runNotifications, event, context);
  const jobs = handlers.governance.jobs;
  const status = event.data.runStatus?.toLowerCase();
  if (jobs === undefined || jobs.policy.jobs === undefined || status === undefined || !GOVERNED_STATUSES.has(status)) return failed;
  const governed = await onJobStatusChanged(jobs, event, context);
  return { handled: failed.handled || governed.handled, reason: failed.handled ? `${failed.reason}; ${governed.reason}` : governed.reason };
}
