import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createComputeRequestsHandlers, type ComputeRequestsDeps } from '../../src/http/computeRequestsController.js';
import { BearerValidator } from '../../src/http/verifyBearer.js';
import { fakeTenant, type FakeTenant } from '../helpers/fakeTenant.js';

let tenant: FakeTenant;
let deps: ComputeRequestsDeps;
let useCasesLoaded = 0;

beforeAll(async () => {
  tenant = await fakeTenant();
  deps = {
    tokens: new BearerValidator(tenant.auth, tenant.fetchJson),
    useCases: async () => {
      useCasesLoaded += 1;
      throw new Error('the use cases are not reached in these tests');
    },
  };
});

const tokenFor = (user: string, roles: string[], expiresAt: number | string = '10m') => tenant.userToken(user, roles, { expiresAt });

const quietContext = () => new InvocationContext({ logHandler: () => undefined });

function request(method: string, path: string, token?: string, body?: unknown) {
  return new HttpRequest({
    method,
    url: `http://127.0.0.1:7071/api/${path}`,
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    ...(body === undefined ? {} : { body: { string: JSON.stringify(body) } }),
  });
}

const errorOf = (response: HttpResponseInit) => (response.jsonBody as { error: { code: string; message: string } }).error;

describe('computeRequests routes', () => {
  it('refuse a call without a bearer token with 401', async () => {
    const handlers = createComputeRequestsHandlers(async () => deps);
    for (const [handler, method, path] of [
      [handlers.collection, 'POST', 'compute-requests'],
      [handlers.collection, 'GET', 'compute-requests?status=Pending'],
      [handlers.byId, 'GET', 'compute-requests/r1'],
      [handlers.approve, 'POST', 'compute-requests/r1/approve'],
      [handlers.reject, 'POST', 'compute-requests/r1/reject'],
    ] as const) {
      const response = await handler(request(method, path), quietContext());
      expect(response.status).toBe(401);
      expect(errorOf(response).code).toBe('Unauthorized');
    }
  });

  it('refuse an expired token with 401', async () => {
    const handlers = createComputeRequestsHandlers(async () => deps);
    const expired = await tokenFor('alice@contoso.com', ['ComputeRequester'], Math.floor(Date.now() / 1000) - 3600);
    const response = await handlers.collection(request('POST', 'compute-requests', expired, {}), quietContext());
    expect(response.status).toBe(401);
    expect(errorOf(response).message).toBe('token has expired');
  });

  it('require ComputeRequester to create and ComputeApprover to approve or reject (403)', async () => {
    const handlers = createComputeRequestsHandlers(async () => deps);
    const approverOnly = await tokenFor('approver@contoso.com', ['ComputeApprover']);
    const requesterOnly = await tokenFor('alice@contoso.com', ['ComputeRequester']);
    const create = await handlers.collection(request('POST', 'compute-requests', approverOnly, {}), quietContext());
    expect(create.status).toBe(403);
    expect(errorOf(create).message).toContain('ComputeRequester');
    for (const handler of [handlers.approve, handlers.reject]) {
      const response = await handler(request('POST', 'compute-requests/r1/approve', requesterOnly, {}), quietContext());
      expect(response.status).toBe(403);
      expect(errorOf(response).message).toContain('ComputeApprover');
    }
    const noRoles = await tokenFor('bob@contoso.com', []);
    expect((await handlers.byId(request('GET', 'compute-requests/r1', noRoles), quietContext())).status).toBe(403);
  });

  it('refuse unauthenticated and unauthorised calls before any request state is touched', async () => {
    const handlers = createComputeRequestsHandlers(async () => deps);
    const before = useCasesLoaded;
    const approverOnly = await tokenFor('approver@contoso.com', ['ComputeApprover']);
    await handlers.collection(request('POST', 'compute-requests', approverOnly, { computeName: 'c' }), quietContext());
    await handlers.approve(request('POST', 'compute-requests/r1/approve'), quietContext());
    expect(useCasesLoaded).toBe(before);
  });

  it('answer a malformed create body with 400 naming the field, before any request state is touched', async () => {
    const handlers = createComputeRequestsHandlers(async () => deps);
    const requester = await tokenFor('alice@contoso.com', ['ComputeRequester']);
    const before = useCasesLoaded;
    const response = await handlers.collection(request('POST', 'compute-requests', requester, { computeName: 'c' }), quietContext());
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'BadRequest', message: expect.stringContaining('body.') });
    expect(useCasesLoaded).toBe(before);
  });

  it('report missing token settings as a configuration error, not as the caller\'s fault', async () => {
    const handlers = createComputeRequestsHandlers(async () => ({ ...deps, tokens: undefined }));
    const response = await handlers.byId(request('GET', 'compute-requests/r1', 'anything'), quietContext());
    expect(response.status).toBe(500);
    expect(errorOf(response)).toMatchObject({ code: 'ConfigurationError', message: expect.stringContaining('AML_WARDEN_AUTH_TENANT_ID') });
  });
});
