import { describe, expect, it } from 'vitest';
import { decidedMessage, provisionedMessage, requestedMessage } from '../../src/computeRequests/computeRequestNotifications.js';
import { pendingComputeRequest } from '../helpers/computeRequestFixture.js';

const request = { ...pendingComputeRequest, justification: 'Retraining the churn model.' };

describe('compute request messages', () => {
  it('a justification that ends with a full stop reads as one sentence, not "..", in the approvers\' card', () => {
    const message = requestedMessage(request, 'https://app.example/api/compute-requests/r1');
    expect(message.text).toContain('Justification: Retraining the churn model. It expires at');
    expect(message.text).not.toContain('..');
    expect(message.link?.url).toBe('https://app.example/api/compute-requests/r1');
  });

  it('a justification without a full stop still ends its sentence', () => {
    expect(requestedMessage({ ...request, justification: 'Retraining the churn model' }, undefined).text).toContain('Justification: Retraining the churn model. It expires at');
  });

  it("the decision names the approver and ends the approver's comment as a sentence", () => {
    const rejected = { ...request, status: 'Rejected' as const, decidedBy: 'carol@contoso.com', decisionComment: 'Use the shared cpu-cluster' };
    expect(decidedMessage(rejected).text).toBe('alice@contoso.com: your compute request was rejected by carol@contoso.com. Comment: Use the shared cpu-cluster.');
    expect(decidedMessage({ ...rejected, decisionComment: 'Quota is exhausted.' }).text).not.toContain('..');
  });

  it("a failed create tells the requester Azure's reason", () => {
    const failed = { ...request, status: 'Failed' as const, failureReason: 'QuotaExceeded: Not enough quota in eastus.' };
    const message = provisionedMessage(failed, 'https://ml.azure.com');
    expect(message.text).toBe('alice@contoso.com: Azure could not create train-1. Reason: QuotaExceeded: Not enough quota in eastus.');
    expect(message.severity).toBe('error');
    expect(message.link).toBeUndefined();
  });
});
