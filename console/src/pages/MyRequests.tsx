/**
 * My requests: the signed-in user's compute requests (`GET /api/compute-requests`, of which a requester is shown only
 * their own), and one request with its history, looked at again every few seconds while the app provisions it.
 */
import { useLocation } from 'preact-iso';
import { ErrorNotice, Loading, Notice, StatusBadge, When, workspaceNameOf } from '../components/common.js';
import { PROVISIONING_STATUSES, RequestFacts, Timeline } from '../components/requestView.js';
import { href, useConsole } from '../context.js';
import { useLoad } from '../load.js';
import { computeRequestListSchema, computeRequestSchema } from '../schemas.js';

const REFRESH_WHILE_PROVISIONING_MS = 2_000;

export function MyRequests() {
  const { api, user } = useConsole();
  const list = useLoad(() => api.get('compute-requests', computeRequestListSchema), []);
  // An approver is shown everyone's: this page keeps the user's own.
  const mine = (list.data?.value ?? []).filter((request) => request.requestedById === user?.id).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <>
      <h1 tabIndex={-1}>My requests</h1>
      <p>
        <a href={href('request')}>Request compute</a>
      </p>
      {list.error !== undefined ? (
        <ErrorNotice error={list.error} title="Your requests could not be read." />
      ) : list.data === undefined ? (
        <Loading what="your requests" />
      ) : mine.length === 0 ? (
        <Notice>You have filed no compute requests yet.</Notice>
      ) : (
        <table class="table">
          <caption class="visually-hidden">Your compute requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Compute</th>
              <th scope="col">Workspace</th>
              <th scope="col">VM size</th>
              <th scope="col">Nodes</th>
              <th scope="col">Status</th>
              <th scope="col">Filed</th>
            </tr>
          </thead>
          <tbody>
            {mine.map((request) => (
              <tr key={request.id}>
                <td>
                  <a href={href(`requests/${encodeURIComponent(request.id)}`)}>{request.computeName}</a>
                </td>
                <td>{workspaceNameOf(request.workspaceId)}</td>
                <td>{request.vmSize}</td>
                <td>
                  {request.minNodeCount}–{request.maxNodeCount}
                </td>
                <td>
                  <StatusBadge status={request.status} />
                </td>
                <td>
                  <When at={request.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function MyRequest({ id }: { id: string }) {
  const { api } = useConsole();
  const location = useLocation();
  const request = useLoad(() => api.get(`compute-requests/${encodeURIComponent(id)}`, computeRequestSchema), [id], {
    refreshAfter: (data) => (PROVISIONING_STATUSES.includes(data.status) ? REFRESH_WHILE_PROVISIONING_MS : undefined),
  });
  const data = request.data;
  return (
    <>
      <h1 tabIndex={-1}>Request {data === undefined ? '' : `for ${data.computeName}`}</h1>
      <p>
        <a href={href('requests')}>All my requests</a>
      </p>
      {location.query['filed'] === '1' && data?.status === 'Pending' ? (
        <Notice kind="success">Filed. Someone other than you approves or rejects it; this page shows what happens.</Notice>
      ) : null}
      {request.error !== undefined ? <ErrorNotice error={request.error} title="The request could not be read." /> : null}
      {data === undefined ? (
        request.error === undefined ? <Loading what="the request" /> : null
      ) : (
        <>
          <p class="status-line" aria-live="polite">
            Status: <StatusBadge status={data.status} />
            {PROVISIONING_STATUSES.includes(data.status) ? <span class="hint"> — the app is creating the cluster; this page updates by itself.</span> : null}
          </p>
          <div class="columns">
            <section class="card" aria-labelledby="details-heading">
              <h2 id="details-heading">Details</h2>
              <RequestFacts request={data} />
            </section>
            <Timeline request={data} />
          </div>
        </>
      )}
    </>
  );
}
