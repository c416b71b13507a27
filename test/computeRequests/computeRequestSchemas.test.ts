import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createComputeRequestBody, listComputeRequestsQuery, parseInput } from '../../src/computeRequests/computeRequestSchemas.js';

const workspaceId = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';
const valid = { workspaceId, computeName: 'train-1', vmSize: 'Standard_DS3_v2', maxNodeCount: 4, justification: '  churn model  ' };

function refusal(value: unknown, schema: z.ZodType = createComputeRequestBody, where: 'body' | 'query' = 'body') {
  try {
    parseInput(schema, value, where);
  } catch (error) {
    return error as { code: string; status: number; target: string; message: string; details: { target: string }[] };
  }
  throw new Error('accepted');
}

describe('compute request input', () => {
  it('accepts a valid body and trims the justification', () => {
    expect(parseInput(createComputeRequestBody, valid, 'body')).toMatchObject({ computeName: 'train-1', justification: 'churn model' });
  });

  it('a missing field is 400 "is required", naming it', () => {
    const { vmSize: _omitted, ...body } = valid;
    expect(refusal(body)).toMatchObject({ code: 'BadRequest', status: 400, target: 'body.vmSize', message: 'body.vmSize is required' });
  });

  it('a wrong type, a blank justification and a compute id for a workspace id are each named', () => {
    expect(refusal({ ...valid, maxNodeCount: 2.5 }).target).toBe('body.maxNodeCount');
    expect(refusal({ ...valid, justification: '   ' }).message).toBe('body.justification: a justification must not be empty');
    expect(refusal({ ...valid, workspaceId: `${workspaceId}/computes/cpu-cluster` }).target).toBe('body.workspaceId');
  });

  it('compute names follow Azure ML: 3–24 letters, digits and hyphens, starting with a letter', () => {
    for (const name of ['ab', '1abc', 'abc-', 'a'.repeat(25), 'has_underscore']) expect(refusal({ ...valid, computeName: name }).target).toBe('body.computeName');
    expect(parseInput(createComputeRequestBody, { ...valid, computeName: 'a'.repeat(24) }, 'body').computeName).toHaveLength(24);
  });

  it('unknown fields are refused, naming them', () => {
    expect(refusal({ ...valid, owner: 'someone-else' })).toMatchObject({ target: 'body.owner', message: 'body.owner: unknown field' });
  });

  it('every problem is listed in details', () => {
    expect(refusal({}).details.map((detail) => detail.target)).toEqual(
      expect.arrayContaining(['body.workspaceId', 'body.computeName', 'body.vmSize', 'body.maxNodeCount', 'body.justification']),
    );
  });

  it('list filters: a status outside the lifecycle is refused as query.status', () => {
    expect(refusal({ status: 'Done' }, listComputeRequestsQuery, 'query').target).toBe('query.status');
    expect(parseInput(listComputeRequestsQuery, { status: 'Pending' }, 'query')).toEqual({ status: 'Pending' });
  });
});
