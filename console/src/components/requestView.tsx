/** A compute request as people read it: what was asked, by whom, and its history as a timeline. */
import type { ComputeRequest } from '../schemas.js';
import { Facts, StatusBadge, When, workspaceNameOf } from './common.js';

export function RequestFacts({ request }: { request: ComputeRequest }) {
  return (
    <Facts
      rows={[
        ['Status', <StatusBadge status={request.status} />],
        ['Compute', request.computeName],
        ['Workspace', <span title={request.workspaceId}>{workspaceNameOf(request.workspaceId)}</span>],
        ['VM size', `${request.vmSize} (${request.vmPriority})`],
        ['Nodes', `${request.minNodeCount}–${request.maxNodeCount}`],
        ['Requested by', request.requestedBy],
        ['Justification', <span class="prose">{request.justification}</span>],
        ['Filed', <When at={request.createdAt} />],
        ...(request.status === 'Pending' ? ([['Expires', <When at={request.expiresAt} />]] as const) : []),
        ...(request.decidedBy === undefined ? [] : ([['Decided by', request.decidedBy]] as const)),
        ...(request.decisionComment === undefined ? [] : ([[request.status === 'Rejected' ? 'Reason' : 'Comment', <span class="prose">{request.decisionComment}</span>]] as const)),
        ...(request.computeId === undefined ? [] : ([['Compute ID', <code>{request.computeId}</code>]] as const)),
        ...(request.failureReason === undefined ? [] : ([['Why it failed', request.failureReason]] as const)),
      ]}
    />
  );
}

export function Timeline({ request }: { request: ComputeRequest }) {
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ol class="timeline">
        {request.history.map((entry, index) => (
          <li key={`${entry.status}-${entry.at}-${index}`} class={`timeline-entry timeline-${entry.status.toLowerCase()}`}>
            <StatusBadge status={entry.status} /> <When at={entry.at} /> <span class="by">by {entry.by}</span>
            {entry.comment === undefined ? null : <p class="prose">{entry.comment}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Statuses in which the app is still working on an approved request: the page looks again until it is done. */
export const PROVISIONING_STATUSES: readonly string[] = ['Approved', 'Provisioning'];
