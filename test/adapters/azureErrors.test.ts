import { RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { fromAzureError, isTransientAzureError } from '../../src/adapters/azureErrors.js';
import { AppError } from '../../src/errors.js';

function restError(statusCode: number | undefined, code?: string): RestError {
  return new RestError(`status ${statusCode}`, { ...(statusCode === undefined ? {} : { statusCode }), ...(code === undefined ? {} : { code }) });
}

describe('Azure SDK error mapping', () => {
  it.each([
    [429, 'UpstreamTransient'],
    [500, 'UpstreamTransient'],
    [503, 'UpstreamTransient'],
    [408, 'UpstreamTransient'],
    [404, 'NotFound'],
    [409, 'Conflict'],
    [412, 'Conflict'],
    [400, 'UpstreamPermanent'],
    [403, 'UpstreamPermanent'],
  ] as const)('status %i becomes %s', (status, code) => {
    const error = fromAzureError(restError(status, 'SomeCode'), 'Reading compute', { module: 'test' });
    expect(error.code).toBe(code);
    expect(error.message).toBe(`Reading compute failed: ${status} SomeCode`);
  });

  it('treats a failure to connect as transient', () => {
    const refused = restError(undefined, 'ECONNREFUSED');
    expect(isTransientAzureError(refused)).toBe(true);
    expect(fromAzureError(refused, 'Listing workspaces', { module: 'test' }).code).toBe('UpstreamTransient');
  });

  it('does not mistake a programming error for a transient one', () => {
    expect(isTransientAzureError(new TypeError('x is undefined'))).toBe(false);
  });

  it('passes AppErrors through unchanged', () => {
    const original = new AppError('Conflict', 'already approved');
    expect(fromAzureError(original, 'x', { module: 'test' })).toBe(original);
  });

  it('does not attach the SDK error, whose request carries credentials', () => {
    const error = fromAzureError(restError(500), 'Reading secret', { module: 'test' });
    expect(error.cause).toBeUndefined();
  });
});
