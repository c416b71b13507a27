import { describe, expect, it } from 'vitest';
import { fromKey, odata, toKey } from '../../../src/adapters/tables/tableState.js';

describe('table keys', () => {
  it('encodes the characters Table Storage forbids in PartitionKey and RowKey', () => {
    const key = toKey('/subscriptions/x/resourceGroups/rg#1?a\\b\tc');
    expect(key).not.toMatch(/[/\\#?\t]/);
    expect(key).toBe('%2Fsubscriptions%2Fx%2FresourceGroups%2Frg%231%3Fa%5Cb%09c');
  });

  it('decodes back to the original value, including literal percent signs', () => {
    for (const value of ['credit-default:1', '100%/done', '%2F is not a slash', 'naïve ✓', '']) {
      expect(fromKey(toKey(value))).toBe(value);
    }
  });

  it('leaves already safe values readable', () => {
    expect(toKey('credit-default:12')).toBe('credit-default:12');
  });
});

describe('odata filter', () => {
  it('quotes strings and doubles embedded single quotes', () => {
    expect(odata`PartitionKey eq ${"o'brien"} and status eq ${'Pending'}`).toBe("PartitionKey eq 'o''brien' and status eq 'Pending'");
  });

  it('writes numbers, booleans and dates in OData literal form', () => {
    const when = new Date('2024-05-01T10:00:00.000Z');
    expect(odata`attempts lt ${3} and done eq ${false} and expiresAt lt ${when}`).toBe(
      "attempts lt 3 and done eq false and expiresAt lt datetime'2024-05-01T10:00:00.000Z'",
    );
  });

  it('rejects a non-finite number rather than writing an invalid filter', () => {
    expect(() => odata`n eq ${Number.NaN}`).toThrow(/finite/);
  });
});
