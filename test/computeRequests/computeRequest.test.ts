import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { appActor, canSee, toView, transition } from '../../src/computeRequests/computeRequest.js';
import { pendingComputeRequest as pending } from '../helpers/computeRequestFixture.js';

const at = new Date(pending.createdAt);
const carol = { id: 'oid-carol', name: 'carol@contoso.com' };

describe('compute request lifecycle', () => {
  it('an approval moves Pending to Approved and records who, when and the comment', () => {
    const later = new Date('2025-03-01T11:00:00Z');
    const approved = transition(pending, 'Approved', { by: carol, at: later, comment: 'ok', changes: { decidedBy: carol.name } });
    expect(approved.status).toBe('Approved');
    expect(approved.decidedBy).toBe('carol@contoso.com');
    expect(approved.updatedAt).toBe(later.toISOString());
    expect(approved.history.at(-1)).toEqual({ status: 'Approved', at: later.toISOString(), by: carol.name, byId: carol.id, comment: 'ok' });
    expect(pending.history).toHaveLength(1);
  });

  it('deciding a request that is no longer Pending is a Conflict naming its status', () => {
    const rejected = transition(pending, 'Rejected', { by: carol, at });
    for (const to of ['Approved', 'Rejected', 'Expired'] as const) {
      expect(() => transition(rejected, to, { by: carol, at })).toThrow(AppError);
      try {
        transition(rejected, to, { by: carol, at });
      } catch (error) {
        expect(error).toMatchObject({ code: 'Conflict', status: 409, message: expect.stringContaining('is Rejected') });
      }
    }
  });

  it('only an approved request can start provisioning, and only provisioning can succeed or fail', () => {
    expect(() => transition(pending, 'Provisioning', { by: appActor, at })).toThrow(/cannot become Provisioning/);
    expect(() => transition(pending, 'Succeeded', { by: appActor, at })).toThrow(/cannot become Succeeded/);
    const provisioning = transition(transition(pending, 'Approved', { by: carol, at }), 'Provisioning', { by: appActor, at });
    expect(transition(provisioning, 'Failed', { by: appActor, at, changes: { failureReason: 'QuotaExceeded: no quota' } }).failureReason).toBe('QuotaExceeded: no quota');
  });

  it('a requester sees only their own requests; an approver sees all', () => {
    expect(canSee(pending, { id: 'oid-alice', isApprover: false })).toBe(true);
    expect(canSee(pending, { id: 'oid-bob', isApprover: false })).toBe(false);
    expect(canSee(pending, { id: 'oid-carol', isApprover: true })).toBe(true);
  });

  it('the view callers get leaves out the stored operation state', () => {
    const view = toView({ ...pending, operationState: '{"state":{}}' });
    expect(view).not.toHaveProperty('operationState');
    expect(view.id).toBe('r1');
  });
});
