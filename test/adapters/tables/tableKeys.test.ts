import { describe, expect, it } from 'vitest';
import { fromKey, odataFilter, toKey } from '../../../src/adapters/tables/tableState.js';

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
  it('quotes strings, doubles embedded single quotes, and names the keys as the service does', () => {
    expect(
      odataFilter([
        { property: 'partitionKey', op: 'eq', value: "o'brien" },
        { property: 'status', op: 'eq', value: 'Pending' },
      ]),
    ).toBe("PartitionKey eq 'o''brien' and status eq 'Pending'");
  });

  it('writes numbers and booleans in OData literal form, and alternatives in parentheses', () => {
    expect(
      odataFilter([
        { property: 'attempts', op: 'lt', value: 3 },
        { property: 'done', op: 'eq', value: false },
        { anyOf: [{ property: 'status', op: 'eq', value: 'A' }, { property: 'status', op: 'eq', value: 'B' }] },
      ]),
    ).toBe("attempts lt 3 and done eq false and (status eq 'A' or status eq 'B')");
  });

  it('rejects a non-finite number rather than writing an invalid filter', () => {
    expect(() => odataFilter([{ property: 'n', op: 'eq', value: Number.NaN }])).toThrow(/finite/);
  });
});
