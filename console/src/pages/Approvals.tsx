/**
 * Approvals: the pending compute requests (`GET /api/compute-requests?status=Pending`) with their justification and
 * requester, and one request to approve (`POST …/approve {comment?}`) or reject (`POST …/reject {reason}`). A request
 * the signed-in user filed offers neither; the API refuses self-approval anyway, and any refusal (a request someone
 * already decided: 409) is shown as the API said it.
 */
import { useState } from 'preact/hooks';
import { query } from '../api.js';
import { ErrorNotice, Facts, Loading, Notice, StatusBadge, TableScroll, When, workspaceNameOf } from '../components/common.js';
import { PROVISIONING_STATUSES, RequestFacts, Timeline } from '../components/requestView.js';
import { href, useConsole } from '../context.js';
import { useLoad } from '../load.js';
import { computeRequestListSchema, computeRequestOptionsSchema, computeRequestSchema, type ComputeRequest } from '../schemas.js';

const REFRESH_WHILE_PROVISIONING_MS = 2_000;

export function Approvals() {
  const { api, user } = useConsole();
  const pending = useLoad(() => api.get(`compute-requests${query({ status: 'Pending' })}`, computeRequestListSchema), []);
  const requests = [...(pending.data?.value ?? [])].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return (
    <>
      <h1 tabIndex={-1}>Approvals</h1>
      <p class="lead">Compute requests waiting for a decision, oldest first. You cannot decide your own.</p>
      {pending.error !== undefined ? (
        <ErrorNotice error={pending.error} title="The pending requests could not be read." />
      ) : pending.data === undefined ? (
        <Loading what="pending requests" />
      ) : requests.length === 0 ? (
        <Notice>No request is waiting for a decision.</Notice>
      ) : (
        <ul class="cards" aria-label="Pending requests">
          {requests.map((request) => (
            <li key={request.id} class="card">
              <h2>
                <a href={href(`approvals/${encodeURIComponent(request.id)}`)}>
                  {request.computeName} in {workspaceNameOf(request.workspaceId)}
                </a>
              </h2>
              <Facts
                rows={[
                  ['Requested by', request.requestedBy],
                  ['Justification', <span class="prose">{request.justification}</span>],
                  ['VM size', `${request.vmSize} (${request.vmPriority})`],
                  ['Nodes', `${request.minNodeCount}–${request.maxNodeCount}`],
                  ['Expires', <When at={request.expiresAt} />],
                ]}
              />
              {request.requestedById === user?.id ? <p class="hint">You filed this request: another approver decides it.</p> : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * What the policy allows in the request's workspace, beside what was asked: the API checked the request against these
 * same rules when it was filed. Reading them needs the requester role; without it the page says so and goes on.
 */
function PolicyChecks({ request }: { request: ComputeRequest }) {
  const { api } = useConsole();
  const options = useLoad(() => api.get(`compute-requests/options${query({ workspaceId: request.workspaceId })}`, computeRequestOptionsSchema), [request.workspaceId]);
  const data = options.data;
  return (
    <section class="card" aria-labelledby="policy-heading">
      <h2 id="policy-heading">Policy checks</h2>
      <p>The app checked this request against the workspace's policy when it was filed, and refuses a request the policy forbids.</p>
      {data === undefined ? (
        options.error === undefined ? <Loading what="the policy's limits" /> : <p class="hint">The policy's limits for this workspace are not shown: {options.error instanceof Error ? options.error.message : 'they could not be read'}.</p>
      ) : (
        <TableScroll label="What was asked and what the policy allows">
          <table class="table">
            <caption class="visually-hidden">What was asked and what the policy allows</caption>
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Asked</th>
                <th scope="col">The policy allows</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">VM size</th>
                <td>{request.vmSize}</td>
                <td>{data.vmSize.allowed === null ? 'any size' : data.vmSize.allowed.join(', ')}</td>
              </tr>
              <tr>
                <th scope="row">Maximum nodes</th>
                <td>{request.maxNodeCount}</td>
                <td>
                  {data.maxNodeCount.minimum}–{data.maxNodeCount.maximum}
                </td>
              </tr>
              <tr>
                <th scope="row">Minimum nodes</th>
                <td>{request.minNodeCount}</td>
                <td>{data.minNodeCount.value}</td>
              </tr>
              <tr>
                <th scope="row">Priority</th>
                <td>{request.vmPriority}</td>
                <td>{data.vmPriority.allowed.join(', ')}</td>
              </tr>
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

/** The two decisions; what the API answered goes to `onDecided` (an error stays shown after the page reloads the request). */
function Decision({ request, onDecided }: { request: ComputeRequest; onDecided: (error: unknown) => void }) {
  const { api } = useConsole();
  const [sending, setSending] = useState<'approve' | 'reject' | undefined>(undefined);

  const decide = async (event: SubmitEvent, action: 'approve' | 'reject'): Promise<void> => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget as HTMLFormElement).get(action === 'approve' ? 'comment' : 'reason') ?? '').trim();
    setSending(action);
    onDecided(undefined);
    let error: unknown;
    try {
      const body = action === 'approve' ? (text === '' ? {} : { comment: text }) : { reason: text };
      await api.post(`compute-requests/${encodeURIComponent(request.id)}/${action}`, body, computeRequestSchema);
    } catch (caught) {
      error = caught;
    }
    setSending(undefined);
    onDecided(error);
  };

  return (
    <section class="card" aria-labelledby="decide-heading">
      <h2 id="decide-heading">Decide</h2>
      <div class="decisions">
        <form class="form" onSubmit={(event) => decide(event, 'approve')}>
          <div class="field">
            <label for="approve-comment">Comment (optional)</label>
            <textarea id="approve-comment" name="comment" rows={3} />
          </div>
          <button type="submit" class="primary" disabled={sending !== undefined}>
            {sending === 'approve' ? 'Approving…' : 'Approve'}
          </button>
        </form>
        <form class="form" onSubmit={(event) => decide(event, 'reject')}>
          <div class="field">
            <label for="reject-reason">Reason for rejecting</label>
            <textarea id="reject-reason" name="reason" rows={3} />
          </div>
          <button type="submit" class="danger" disabled={sending !== undefined}>
            {sending === 'reject' ? 'Rejecting…' : 'Reject'}
          </button>
        </form>
      </div>
    </section>
  );
}

export function Approval({ id }: { id: string }) {
  const { api, user } = useConsole();
  const request = useLoad(() => api.get(`compute-requests/${encodeURIComponent(id)}`, computeRequestSchema), [id], {
    refreshAfter: (data) => (PROVISIONING_STATUSES.includes(data.status) ? REFRESH_WHILE_PROVISIONING_MS : undefined),
  });
  const data = request.data;
  const own = data !== undefined && data.requestedById === user?.id;
  const [decisionError, setDecisionError] = useState<unknown>(undefined);
  const decided = (error: unknown): void => {
    setDecisionError(error);
    request.reload();
  };
  return (
    <>
      <h1 tabIndex={-1}>Approval {data === undefined ? '' : `of ${data.computeName}`}</h1>
      <p>
        <a href={href('approvals')}>All pending requests</a>
      </p>
      {request.error !== undefined ? <ErrorNotice error={request.error} title="The request could not be read." /> : null}
      {data === undefined ? (
        request.error === undefined ? <Loading what="the request" /> : null
      ) : (
        <>
          <p class="status-line" aria-live="polite">
            Status: <StatusBadge status={data.status} />
          </p>
          {decisionError === undefined ? null : <ErrorNotice error={decisionError} title="The decision was not recorded." />}
          {data.status !== 'Pending' ? null : own ? (
            <Notice>You filed this request, so you cannot approve or reject it: another approver decides it.</Notice>
          ) : (
            <Decision request={data} onDecided={decided} />
          )}
          <div class="columns">
            <section class="card" aria-labelledby="details-heading">
              <h2 id="details-heading">Request</h2>
              <RequestFacts request={data} />
            </section>
            <div>
              <PolicyChecks request={data} />
              <Timeline request={data} />
            </div>
          </div>
        </>
      )}
    </>
  );
}
