import { describe, expect, test } from 'vitest';
import { firstMatchingGlob, globMatches, matchesAnyGlob } from '../../src/policy/glob.js';

describe('name patterns', () => {
  test('* matches any run of characters and ? exactly one', () => {
    expect(globMatches('retrain*', 'retrain-daily')).toBe(true);
    expect(globMatches('retrain*', 'retrain')).toBe(true);
    expect(globMatches('retrain*', 'adhoc-retrain')).toBe(false);
    expect(globMatches('mlw-??', 'mlw-eu')).toBe(true);
    expect(globMatches('mlw-??', 'mlw-eus')).toBe(false);
  });

  test('matching ignores case, as Azure resource names do', () => {
    expect(globMatches('retrain*', 'Retrain-Weekly')).toBe(true);
  });

  test('regular-expression characters are literal', () => {
    expect(globMatches('a.b', 'a.b')).toBe(true);
    expect(globMatches('a.b', 'axb')).toBe(false);
    expect(globMatches('(x)+', '(x)+')).toBe(true);
  });

  test('the first matching pattern is reported', () => {
    expect(firstMatchingGlob(['prod-*', 'mlw-*'], 'mlw-demo')).toBe('mlw-*');
    expect(matchesAnyGlob(['prod-*'], 'mlw-demo')).toBe(false);
  });
});
