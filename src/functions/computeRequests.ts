/**
 * computeRequests, computeRequestById, computeRequestAllowances, computeRequestApprove, computeRequestReject — the
 * compute-on-approval API under `/api/compute-requests`, served by `http/computeRequestsController.ts`.
 */
import { app } from '@azure/functions';
import { createComputeRequestsHandlers } from '../http/computeRequestsController.js';

export const computeRequestsHandlers = createComputeRequestsHandlers(async () => (await import('../composition.js')).computeRequestsApiDeps());

app.http('computeRequests', {
  route: 'compute-requests',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: computeRequestsHandlers.collection,
});
app.http('computeRequestById', {
  route: 'compute-requests/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: computeRequestsHandlers.byId,
});
// `compute-requests/{id}` matches `compute-requests/options` too, and the Functions host tries routes in the order of
// their functions' names, first match wins (see dev/host/httpRouteTable.ts for its source): this name must sort before
// `computeRequestById`, case aside, or Azure would read `options` as a request id.
app.http('computeRequestAllowances', {
  route: 'compute-requests/options',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: computeRequestsHandlers.options,
});
app.http('computeRequestApprove', {
  route: 'compute-requests/{id}/approve',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: computeRequestsHandlers.approve,
});
app.http('computeRequestReject', {
  route: 'compute-requests/{id}/reject',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: computeRequestsHandlers.reject,
});
