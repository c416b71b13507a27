import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { requireRole } from '../../src/http/principal.js';

const approver = { id: 'oid-a', name: 'approver@contoso.com', roles: ['ComputeApprover'], kind: 'user' as const, tenantId: 't', appId: undefined };

describe('requireRole', () => {
  it('lets a principal with the role through', () => {
    expect(() => requireRole(approver, 'ComputeApprover')).not.toThrow();
    expect(() => requireRole(approver, ['ComputeRequester', 'ComputeApprover'])).not.toThrow();
  });

  it('refuses a principal without the role with 403 naming the role', () => {
    try {
      requireRole(approver, 'ComputeRequester');
      expect.unreachable('requireRole should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      const appError = error as AppError;
      expect(appError.status).toBe(403);
      expect(appError.message).toContain('ComputeRequester');
    }
  });
});
