/** A Pending compute request for the playground's workspace, as the store holds it, for tests of the pure request code. */
import type { ComputeRequest } from '../../src/computeRequests/computeRequest.js';

const createdAt = '2025-03-01T10:00:00.000Z';

export const pendingComputeRequest: ComputeRequest = {
  id: 'r1',
  status: 'Pending',
  requestedBy: 'alice@contoso.com',
  requestedById: 'oid-alice',
  workspaceId: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo',
  computeName: 'train-1',
  vmSize: 'Standard_DS3_v2',
  maxNodeCount: 4,
  minNodeCount: 0,
  vmPriority: 'Dedicated',
  justification: 'churn model',
  createdAt,
  updatedAt: createdAt,
  expiresAt: '2025-03-08T10:00:00.000Z',
  provisioningAttempts: 0,
  history: [{ status: 'Pending', at: createdAt, by: 'alice@contoso.com', byId: 'oid-alice' }],
};
