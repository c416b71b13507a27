/** Azure tag names are case-insensitive; values are compared as written unless a rule says otherwise. */

/** The key under which `name` is present (in whatever case it was written), or `undefined`. */
export function tagKeyOf(tags: Readonly<Record<string, string>>, name: string): string | undefined {
  if (Object.hasOwn(tags, name)) return name;
  const wanted = name.toLowerCase();
  return Object.keys(tags).find((key) => key.toLowerCase() === wanted);
}

export function tagValueOf(tags: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = tagKeyOf(tags, name);
  return key === undefined ? undefined : tags[key];
}

export function equalsIgnoreCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function includesIgnoreCase(values: readonly string[], value: string): boolean {
  return values.some((candidate) => equalsIgnoreCase(candidate, value));
}
