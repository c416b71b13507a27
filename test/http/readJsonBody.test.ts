import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { readJsonBody } from '../../src/http/readJsonBody.js';
import { appErrorOf } from '../helpers/appErrors.js';

const post = (body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/events',
    headers,
    body: typeof body === 'string' ? { string: body } : { bytes: body },
  });


describe('readJsonBody', () => {
  it('parses JSON under any JSON media type (Event Grid and CloudEvents)', async () => {
    for (const contentType of ['application/json', 'application/cloudevents+json; charset=utf-8', 'application/cloudevents-batch+json']) {
      expect(await readJsonBody(post('[{"a":1}]', { 'content-type': contentType }), { maxBytes: 100 })).toEqual([{ a: 1 }]);
    }
  });

  it('refuses a non-JSON content type with 415', async () => {
    const error = await appErrorOf(readJsonBody(post('{"a":1}', { 'content-type': 'text/plain' }), { maxBytes: 100 }));
    expect(error.status).toBe(415);
    expect(error.code).toBe('UnsupportedMediaType');
  });

  it('refuses a body declared larger than the limit with 413 before reading it', async () => {
    const request = post(new Uint8Array(1_048_577).fill(0x20), { 'content-type': 'application/json', 'content-length': '1048577' });
    const error = await appErrorOf(readJsonBody(request, { maxBytes: 1_048_576 }));
    expect(error.status).toBe(413);
    expect(error.code).toBe('PayloadTooLarge');
    expect(request.bodyUsed).toBe(false);
  });

  it('refuses a body over the limit counted while reading when content-length is absent', async () => {
    const request = post(new Uint8Array(1_048_577).fill(0x20), { 'content-type': 'application/json' });
    expect(request.headers.get('content-length')).toBeNull();
    const error = await appErrorOf(readJsonBody(request, { maxBytes: 1_048_576 }));
    expect(error.code).toBe('PayloadTooLarge');
    expect(request.bodyUsed).toBe(true);
  });

  it('accepts a body exactly at the limit', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(90) });
    expect(await readJsonBody(post(body), { maxBytes: Buffer.byteLength(body) })).toEqual({ pad: 'x'.repeat(90) });
  });

  it('refuses invalid JSON, an empty body and invalid UTF-8 with 400 on "body"', async () => {
    const invalid = await appErrorOf(readJsonBody(post('{"a":'), { maxBytes: 100 }));
    expect(invalid.status).toBe(400);
    expect(invalid.target).toBe('body');
    expect(invalid.message).toContain('not valid JSON');
    expect((await appErrorOf(readJsonBody(post('  '), { maxBytes: 100 }))).message).toBe('body is empty');
    const badBytes = new Uint8Array([0x22, 0xff, 0x22]);
    expect((await appErrorOf(readJsonBody(post(badBytes), { maxBytes: 100 }))).message).toBe('body is not valid UTF-8');
  });
});
