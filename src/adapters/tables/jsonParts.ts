/**
 * JSON kept in an entity across several string properties (`linesJson`, `linesJson1`, …): Table Storage holds at
 * most 32K characters per string property and 1 MiB per entity, strings counting two bytes a character
 * (Microsoft Learn, "Understanding the Table service data model").
 */
const PART_CHARS = 30_000;

const partName = (base: string, index: number) => (index === 0 ? base : `${base}${index}`);

/** Whether `json` fits in `parts` properties. */
export function fitsInParts(json: string, parts: number): boolean {
  return json.length <= PART_CHARS * parts;
}

/** The properties holding `json` (at least the first, possibly empty); `json` must fit (`fitsInParts`). */
export function toParts(base: string, json: string, parts: number): Record<string, string> {
  const properties: Record<string, string> = { [base]: json.slice(0, PART_CHARS) };
  for (let index = 1; index < parts; index++) {
    const part = json.slice(index * PART_CHARS, (index + 1) * PART_CHARS);
    if (part !== '') properties[partName(base, index)] = part;
  }
  return properties;
}

/** The JSON text spread over an entity's parts. */
export function fromParts(entity: Readonly<Record<string, unknown>>, base: string, parts: number): string {
  let json = '';
  for (let index = 0; index < parts; index++) {
    const part = entity[partName(base, index)];
    if (typeof part === 'string') json += part;
  }
  return json;
}
