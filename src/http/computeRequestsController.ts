/**
 * The compute-on-approval API under `/api/compute-requests` (DESIGN "Compute requests"): each route authenticates
 * the bearer token and checks the app role, parses its input with the API's schemas, and calls the use case in
 * `src/computeRequests/`. An approval queues its provisioning, which `computeRequestProvisioning` carries out.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Caller, ComputeRequestDeps } from '../computeRequests/ports.js';
import { AppError } from '../errors.js';
import { httpHandler, type AppHttpHandler } from './httpHandler.js';
import { appRoles, requireRole, type Principal, type TokenVerifier } from './principal.js';

export interface ComputeRequestsDeps {
  /** Undefined when the API's token validation is not configured. */
  readonly tokens: TokenVerifier | undefined;
  /** The use cases' dependencies; loaded only for an authenticated, authorised caller. */
  readonly useCases: () => Promise<ComputeRequestDeps>;
}

async function authenticate(request: HttpRequest, deps: ComputeRequestsDeps): Promise<Principal> {
  if (deps.tokens === undefined) {
    throw new AppError('ConfigurationError', 'the compute-request API needs AML_WARDEN_AUTH_TENANT_ID and AML_WARDEN_AUTH_CLIENT_ID', {
      target: 'AML_WARDEN_AUTH_TENANT_ID',
      module: 'computeRequests',
    });
  }
  return deps.tokens.verify(request);
}

function callerOf(principal: Principal): Caller {
  return { id: principal.id, name: principal.name, isApprover: principal.roles.includes(appRoles.computeApprover), kind: principal.kind };
}

/** `{comment?}` may be sent as no body at all. */
async function readOptionalJsonBody(request: HttpRequest): Promise<unknown> {
  if (request.body === null || request.headers.get('content-length') === '0') return {};
  const { readJsonBody } = await import('./readJsonBody.js');
  return readJsonBody(request);
}

async function readBody(request: HttpRequest): Promise<unknown> {
  const { readJsonBody } = await import('./readJsonBody.js');
  return readJsonBody(request);
}

function requestId(request: HttpRequest): string {
  const id = request.params['id'] ?? '';
  if (!/^[0-9A-Za-z-]{1,64}$/.test(id)) throw new AppError('NotFound', 'compute request not found', { target: 'id', module: 'computeRequests' });
  return id;
}

/** The API's own URL for a request, from the URL this call came in on. */
function requestLink(request: HttpRequest, id: string): string {
  const url = new URL(request.url);
  return `${url.origin}/api/compute-requests/${encodeURIComponent(id)}`;
}

const noStore = { 'cache-control': 'no-store' };

async function schemasAndUseCases() {
  const [schemas, create, read, decide] = await Promise.all([
    import('../computeRequests/computeRequestSchemas.js'),
    import('../computeRequests/createComputeRequest.js'),
    import('../computeRequests/readComputeRequests.js'),
    import('../computeRequests/decideComputeRequest.js'),
  ]);
  return { schemas, create, read, decide };
}

export interface ComputeRequestsHandlers {
  /** `POST /api/compute-requests` (requester) and `GET /api/compute-requests?status=&workspaceId=&requestedBy=` (requester or approver). */
  readonly collection: AppHttpHandler;
  /** `GET /api/compute-requests/{id}` (requester or approver). */
  readonly byId: AppHttpHandler;
  /** `GET /api/compute-requests/options?workspaceId=` (requester): what a request for that workspace may ask for. */
  readonly options: AppHttpHandler;
  /** `POST /api/compute-requests/{id}/approve` (approver). */
  readonly approve: AppHttpHandler;
  /** `POST /api/compute-requests/{id}/reject` (approver). */
  readonly reject: AppHttpHandler;
}

type Operation = (request: HttpRequest, caller: Caller, deps: ComputeRequestsDeps, context: InvocationContext) => Promise<HttpResponseInit>;

export function createComputeRequestsHandlers(loadDeps: () => Promise<ComputeRequestsDeps>): ComputeRequestsHandlers {
  const anyComputeRole = [appRoles.computeRequester, appRoles.computeApprover];
  const guarded = (role: (request: HttpRequest) => string | readonly string[], operation: Operation) =>
    httpHandler(async (request: HttpRequest, context: InvocationContext) => {
      const deps = await loadDeps();
      const principal = await authenticate(request, deps);
      requireRole(principal, role(request));
      return operation(request, callerOf(principal), deps, context);
    });

  const create: Operation = async (request, caller, deps) => {
    const body = await readBody(request);
    const { schemas, create: useCase } = await schemasAndUseCases();
    const input = schemas.parseInput(schemas.createComputeRequestBody, body, 'body');
    const created = await useCase.createComputeRequest(await deps.useCases(), caller, input, { linkFor: (id) => requestLink(request, id) });
    return { status: 201, jsonBody: created, headers: { ...noStore, location: requestLink(request, created.id) } };
  };

  const list: Operation = async (request, caller, deps) => {
    const { schemas, read } = await schemasAndUseCases();
    const filter = schemas.parseInput(schemas.listComputeRequestsQuery, Object.fromEntries(request.query.entries()), 'query');
    const found = await read.listComputeRequests(await deps.useCases(), caller, filter);
    return { status: 200, jsonBody: { value: found, count: found.length }, headers: noStore };
  };

  return {
    collection: guarded(
      (request) => (request.method === 'POST' ? appRoles.computeRequester : anyComputeRole),
      (request, caller, deps, context) => (request.method === 'POST' ? create(request, caller, deps, context) : list(request, caller, deps, context)),
    ),
    byId: guarded(
      () => anyComputeRole,
      async (request, caller, deps) => {
        const { read } = await schemasAndUseCases();
        return { status: 200, jsonBody: await read.getComputeRequest(await deps.useCases(), caller, requestId(request)), headers: noStore };
      },
    ),
    options: guarded(
      () => appRoles.computeRequester,
      async (request, _caller, deps) => {
        const [schemas, useCase] = await Promise.all([import('../computeRequests/computeRequestSchemas.js'), import('../computeRequests/computeRequestOptions.js')]);
        const query = schemas.parseInput(schemas.computeRequestOptionsQuery, Object.fromEntries(request.query.entries()), 'query');
        return { status: 200, jsonBody: await useCase.computeRequestOptions(await deps.useCases(), query.workspaceId), headers: noStore };
      },
    ),
    approve: guarded(
      () => appRoles.computeApprover,
      async (request, caller, deps) => {
        const id = requestId(request);
        const body = await readOptionalJsonBody(request);
        const { schemas, decide } = await schemasAndUseCases();
        const input = schemas.parseInput(schemas.approveComputeRequestBody, body, 'body');
        // The approval queues the provisioning; the caller gets the decision now.
        return { status: 200, jsonBody: await decide.approveComputeRequest(await deps.useCases(), caller, id, input.comment), headers: noStore };
      },
    ),
    reject: guarded(
      () => appRoles.computeApprover,
      async (request, caller, deps) => {
        const id = requestId(request);
        const body = await readBody(request);
        const { schemas, decide } = await schemasAndUseCases();
        const input = schemas.parseInput(schemas.rejectComputeRequestBody, body, 'body');
        return { status: 200, jsonBody: await decide.rejectComputeRequest(await deps.useCases(), caller, id, input.reason), headers: noStore };
      },
    ),
  };
}
