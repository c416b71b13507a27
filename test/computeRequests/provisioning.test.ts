import { describe, expect, it } from 'vitest';
import { failureReasonOf } from '../../src/adapters/arm/computeGateway.js';
import { specForRequest } from '../../src/computeRequests/provisionComputeRequests.js';
import type { ComputeSpec } from '../../src/policy/computeRequestRules.js';

const baseSpec: ComputeSpec = {
  location: 'eastus',
  tags: { owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234' },
  properties: {
    computeType: 'AmlCompute',
    properties: {
      vmSize: 'Standard_DS3_v2',
      vmPriority: 'Dedicated',
      scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' },
      remoteLoginPortPublicAccess: 'Disabled',
    },
  },
};

describe('what an approved request builds', () => {
  it('the requester owns the cluster, which names the request; inherited cost tags stay', () => {
    const spec = specForRequest({ id: 'r-42', requestedBy: 'alice@contoso.com' } as Parameters<typeof specForRequest>[0], baseSpec);
    expect(spec.tags).toEqual({ owner: 'alice@contoso.com', 'cost-center': 'cc-1234', 'aml-warden-request': 'r-42' });
    expect(spec.properties).toBe(baseSpec.properties);
  });
});

describe("Azure's reason for a failed create", () => {
  it('reads the code and message of a failed long-running operation', () => {
    expect(failureReasonOf(new Error('The long-running operation has failed. QuotaExceeded. Not enough quota in eastus'))).toBe('QuotaExceeded: Not enough quota in eastus');
  });

  it('reads the code of an error response', () => {
    const error = Object.assign(new Error('The VM size is not available in this region'), { code: 'BadArgument', statusCode: 400 });
    expect(failureReasonOf(error)).toBe('BadArgument: The VM size is not available in this region');
  });
});
