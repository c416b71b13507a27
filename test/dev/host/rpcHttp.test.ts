import { describe, expect, test } from 'vitest';
import { fromRpcHttpResponse, serializeCookie, toRpcHttpRequest } from '../../../dev/host/rpcHttp.js';

describe('HTTP ↔ RPC translation', () => {
  test('a request becomes RPC http data with joined repeated headers and query keys, params and the body as bytes', () => {
    const body = Buffer.from('{"a":1}');
    const data = toRpcHttpRequest({
      method: 'post',
      url: 'http://127.0.0.1:7071/api/compute-requests/r1/approve?x=1&x=2&y=z',
      headers: { 'content-type': 'application/json', 'x-multi': ['a', 'b'] },
      params: { id: 'r1' },
      body,
    });
    expect(data).toMatchObject({
      method: 'POST',
      url: 'http://127.0.0.1:7071/api/compute-requests/r1/approve?x=1&x=2&y=z',
      headers: { 'content-type': 'application/json', 'x-multi': 'a, b' },
      query: { x: '1,2', y: 'z' },
      params: { id: 'r1' },
    });
    expect(Buffer.from(data.body?.bytes ?? []).toString()).toBe('{"a":1}');
  });

  test('a request without a body sends none', () => {
    expect(toRpcHttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/x', headers: {}, params: {}, body: Buffer.alloc(0) }).body).toBeUndefined();
  });

  test('a response keeps its status, headers, cookies and bytes', () => {
    const response = fromRpcHttpResponse({
      statusCode: '202',
      headers: { 'Content-Type': 'application/json', 'content-length': '999' },
      cookies: [{ name: 'a', value: '1', httpOnly: { value: true } }],
      body: { bytes: Buffer.from('{"ok":true}') },
    });
    expect(response.status).toBe(202);
    expect(response.headers).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1; HttpOnly'] });
    expect(response.body.toString()).toBe('{"ok":true}');
  });

  test('no HTTP response at all answers 204 with an empty body', () => {
    expect(fromRpcHttpResponse(undefined)).toEqual({ status: 204, headers: {}, body: Buffer.alloc(0) });
  });

  test('cookies carry their attributes', () => {
    expect(
      serializeCookie({
        name: 'session',
        value: 'abc',
        domain: { value: 'contoso.com' },
        path: { value: '/' },
        expires: { value: { seconds: 1_700_000_000 } },
        maxAge: { value: 60 },
        secure: { value: true },
        sameSite: 'explicitNone',
      }),
    ).toBe('session=abc; Domain=contoso.com; Path=/; Expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=60; Secure; SameSite=None');
  });
});
