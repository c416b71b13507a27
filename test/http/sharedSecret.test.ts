import { describe, expect, it } from 'vitest';
import { sharedSecretMatches } from '../../src/http/sharedSecret.js';

describe('sharedSecretMatches', () => {
  it('matches only the exact secret, whatever the lengths', () => {
    expect(sharedSecretMatches('s3cr3t-value', 's3cr3t-value')).toBe(true);
    expect(sharedSecretMatches('s3cr3t-valuE', 's3cr3t-value')).toBe(false);
    expect(sharedSecretMatches('s3cr3t', 's3cr3t-value')).toBe(false);
    expect(sharedSecretMatches('s3cr3t-value-and-more', 's3cr3t-value')).toBe(false);
  });

  it('never matches an empty expected secret', () => {
    expect(sharedSecretMatches('', '')).toBe(false);
  });
});
