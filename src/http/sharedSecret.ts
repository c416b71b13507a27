import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented shared secret with the expected one in constant time. Both are hashed first
 * so the comparison runs over equal-length digests and leaks neither content nor length.
 */
export function sharedSecretMatches(presented: string, expected: string): boolean {
  if (expected === '') return false;
  const presentedDigest = createHash('sha256').update(presented, 'utf8').digest();
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(presentedDigest, expectedDigest);
}
