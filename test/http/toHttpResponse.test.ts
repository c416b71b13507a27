import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { httpHandler } from '../../src/http/httpHandler.js';
import { toHttpResponse } from '../../src/http/toHttpResponse.js';

function recordingContext() {
  const errors: string[] = [];
  const context = new InvocationContext({
    logHandler: (level, ...args) => {
      if (level === 'error') errors.push(args.map(String).join(' '));
    },
  });
  return { context, errors };
}

describe('toHttpResponse', () => {
  it('turns an AppError into its status and {error: {code, message, target, details}}', () => {
    const error = new AppError('BadRequest', 'body[0].data.modelName is required', {
      target: 'body[0].data.modelName',
      details: [{ target: 'body[0].data.modelName', message: 'is required' }],
    });
    expect(toHttpResponse(error)).toEqual({
      status: 400,
      headers: {},
      jsonBody: {
        error: {
          code: 'BadRequest',
          message: 'body[0].data.modelName is required',
          target: 'body[0].data.modelName',
          details: [{ target: 'body[0].data.modelName', message: 'is required' }],
        },
      },
    });
  });

  it('leaves out target and details when there are none', () => {
    expect(toHttpResponse(new AppError('Forbidden', 'no'))).toMatchObject({ status: 403, jsonBody: { error: { code: 'Forbidden', message: 'no' } } });
    expect(toHttpResponse(new AppError('Forbidden', 'no')).jsonBody).toEqual({ error: { code: 'Forbidden', message: 'no' } });
  });

  it('adds a bearer challenge to 401 and Retry-After to 503', () => {
    expect(toHttpResponse(new AppError('Unauthorized', 'missing bearer token')).headers).toEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    expect(toHttpResponse(new AppError('UpstreamTransient', 'ARM is throttling')).headers).toEqual({ 'Retry-After': '30' });
  });

  it('answers 501 for NotImplemented', () => {
    expect(toHttpResponse(new AppError('NotImplemented', 'not yet')).status).toBe(501);
  });

  it('hides an unexpected error behind 500 "Internal error" and logs it', () => {
    const { context, errors } = recordingContext();
    const response = toHttpResponse(new TypeError('cannot read properties of undefined (secret=abc)'), context);
    expect(response).toEqual({ status: 500, jsonBody: { error: { code: 'Internal', message: 'Internal error' } } });
    expect(JSON.stringify(response)).not.toContain('TypeError');
    expect(errors.join('\n')).toContain('cannot read properties of undefined');
  });

  it('logs server-side AppErrors but not caller mistakes', () => {
    const { context, errors } = recordingContext();
    toHttpResponse(new AppError('BadRequest', 'caller mistake'), context);
    expect(errors).toEqual([]);
    toHttpResponse(new AppError('ConfigurationError', 'AML_WARDEN_AUTH_TENANT_ID is not set'), context);
    expect(errors.join('\n')).toContain('AML_WARDEN_AUTH_TENANT_ID is not set');
  });
});

describe('httpHandler', () => {
  const request = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/x' });

  it('passes a successful response through', async () => {
    const handler = httpHandler(async () => ({ status: 201, jsonBody: { id: 'r1' } }));
    expect(await handler(request, new InvocationContext())).toEqual({ status: 201, jsonBody: { id: 'r1' } });
  });

  it('maps whatever the handler throws through toHttpResponse', async () => {
    const refused = httpHandler(async () => {
      throw new AppError('Conflict', 'already approved');
    });
    expect(await refused(request, new InvocationContext())).toMatchObject({ status: 409, jsonBody: { error: { code: 'Conflict' } } });
    const broken = httpHandler(async () => {
      throw 'a thrown string';
    });
    expect(await broken(request, new InvocationContext())).toMatchObject({ status: 500, jsonBody: { error: { message: 'Internal error' } } });
  });
});
