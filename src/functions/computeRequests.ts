/**
 * computeRequests — the compute-on-approval API under `/api/compute-requests` (DESIGN "Compute
 * requests"). Each route authenticates the bearer token and checks the app role here; the request
 * workflow itself is not part of this build, so authorised calls answer 501.
 */
import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { AppError } from '../errors.js';
import { httpHandler, type AppHttpHandler } from '../http/httpHandler.js';
import { appRoles, requireRole, type Principal } from '../http/principal.js';
import type { BearerAuth, FetchJson } from '../http/verifyBearer.js';

export interface ComputeRequestsDeps {
  /** Undefined when the API's token validation is not configured. */
  readonly auth: BearerAuth | undefined;
  readonly fetchJson: FetchJson;
}

async function defaultDeps(): Promise<ComputeRequestsDeps> {
  const { getServices } = await import('../app/services.js');
  const services = await getServices();
  return { auth: services.config.settings.auth, fetchJson: (url) => services.http.getJson(url) };
}

async function authenticate(request: HttpRequest, deps: ComputeRequestsDeps): Promise<Principal> {
  if (deps.auth === undefined) {
    throw new AppError('ConfigurationError', 'the compute-request API needs AML_WARDEN_AUTH_ISSUER and AML_WARDEN_AUTH_AUDIENCE', {
      target: 'AML_WARDEN_AUTH_ISSUER',
      module: 'computeRequests',
    });
  }
  const { verifyBearer } = await import('../http/verifyBearer.js');
  return verifyBearer(request, deps.auth, deps.fetchJson);
}

function notAvailable(operation: string): AppError {
  return new AppError('NotImplemented', `${operation} is not available in this build`, { module: 'computeRequests' });
}

export interface ComputeRequestsHandlers {
  /** `POST /api/compute-requests` (requester) and `GET /api/compute-requests?status=` (requester or approver). */
  readonly collection: AppHttpHandler;
  /** `GET /api/compute-requests/{id}` (requester or approver). */
  readonly byId: AppHttpHandler;
  /** `POST /api/compute-requests/{id}/approve` (approver). */
  readonly approve: AppHttpHandler;
  /** `POST /api/compute-requests/{id}/reject` (approver). */
  readonly reject: AppHttpHandler;
}

export function createComputeRequestsHandlers(loadDeps: () => Promise<ComputeRequestsDeps> = defaultDeps): ComputeRequestsHandlers {
  const anyComputeRole = [appRoles.computeRequester, appRoles.computeApprover];
  const guarded = (role: (request: HttpRequest) => string | readonly string[], operation: (request: HttpRequest) => string) =>
    httpHandler(async (request: HttpRequest, _context: InvocationContext) => {
      const principal = await authenticate(request, await loadDeps());
      requireRole(principal, role(request));
      throw notAvailable(operation(request));
    });
  return {
    collection: guarded(
      (request) => (request.method === 'POST' ? appRoles.computeRequester : anyComputeRole),
      (request) => (request.method === 'POST' ? 'creating a compute request' : 'listing compute requests'),
    ),
    byId: guarded(() => anyComputeRole, () => 'reading a compute request'),
    approve: guarded(() => appRoles.computeApprover, () => 'approving a compute request'),
    reject: guarded(() => appRoles.computeApprover, () => 'rejecting a compute request'),
  };
}

export const computeRequestsHandlers = createComputeRequestsHandlers();

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
