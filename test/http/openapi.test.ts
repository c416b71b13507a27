import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { computeRequestOptionsSchema, createComputeRequestBody } from '../../src/computeRequests/computeRequestSchemas.js';
import { apiOperations, apiSchemas, openApiDocument } from '../../src/http/openapi.js';

describe('the OpenAPI document', () => {
  const document = openApiDocument({ serverUrl: 'https://example.invalid/api' }) as {
    openapi: string;
    servers: { url: string }[];
    paths: Record<string, Record<string, { operationId: string; security: unknown[] }>>;
    components: { schemas: Record<string, unknown> };
  };

  it('is OpenAPI 3.1 with one operation per listed route and method, each with a unique id', () => {
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations).toHaveLength(apiOperations.length);
    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(operations.length);
  });

  it('its request schemas are generated from the schemas that validate requests', () => {
    expect(document.components.schemas['CreateComputeRequest']).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['workspaceId', 'computeName', 'vmSize', 'maxNodeCount', 'justification']),
      additionalProperties: false,
    });
    const { $schema: _dialect, ...generated } = z.toJSONSchema(createComputeRequestBody, { io: 'input' }) as Record<string, unknown>;
    expect(document.components.schemas['CreateComputeRequest']).toEqual(generated);
    expect(Object.keys(document.components.schemas).sort()).toEqual(Object.keys(apiSchemas).sort());
  });

  it("the compute-request options take a required workspaceId query parameter and answer the options schema's JSON Schema", () => {
    const operation = (document.paths['/compute-requests/options']?.['get'] ?? {}) as unknown as {
      parameters: { name: string; in: string; required: boolean }[];
      security: unknown[];
      'x-app-roles': string[];
    };
    expect(operation.parameters).toEqual([expect.objectContaining({ name: 'workspaceId', in: 'query', required: true })]);
    expect(operation.security).toEqual([{ bearer: [] }]);
    expect(operation['x-app-roles']).toEqual(['ComputeRequester']);
    // The optional list filters stay optional.
    const list = document.paths['/compute-requests']?.['get'] as unknown as { parameters: { name: string; required: boolean }[] };
    expect(list.parameters.every((parameter) => !parameter.required)).toBe(true);
    const { $schema: _dialect, ...generated } = z.toJSONSchema(computeRequestOptionsSchema, { io: 'output' }) as Record<string, unknown>;
    expect(document.components.schemas['ComputeRequestOptions']).toEqual(generated);
  });

  it('the compute-request operations need a bearer token; health and the document itself do not', () => {
    expect(document.paths['/compute-requests']?.['post']?.security).toEqual([{ bearer: [] }]);
    // Anyone may ask for health; an Operator's token gets more. Events need the delivery role or the shared key.
    expect(document.paths['/health']?.['get']?.security).toEqual([{}, { bearer: [] }]);
    expect(document.paths['/events']?.['post']?.security).toEqual([{ bearer: [] }, { sharedKey: [] }]);
    expect(document.paths['/openapi.json']?.['get']?.security).toEqual([]);
  });
});
