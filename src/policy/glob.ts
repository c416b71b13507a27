/**
 * Name patterns in the policy: `*` matches any run of characters, `?` one character, everything else
 * itself. Case-insensitive, because Azure resource names are and people type experiment names loosely.
 */
const compiled = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    const body = [...pattern]
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, 'is');
    compiled.set(pattern, regex);
  }
  return regex;
}

export function globMatches(pattern: string, name: string): boolean {
  return toRegExp(pattern).test(name);
}

/** The first pattern that matches, or `undefined`. */
export function firstMatchingGlob(patterns: readonly string[], name: string): string | undefined {
  return patterns.find((pattern) => globMatches(pattern, name));
}

export function matchesAnyGlob(patterns: readonly string[], name: string): boolean {
  return firstMatchingGlob(patterns, name) !== undefined;
}
