/**
 * The slice of Kusto (KQL) that Resource Graph inventory queries use:
 * `Resources | where type =~ '...' and subscriptionId in~ ('a','b') | project id, name, tags | order by id asc | limit 10`.
 * Anything else is refused with a message naming the part, rather than silently answering wrongly.
 */

export type Row = Readonly<Record<string, unknown>>;

export interface Condition {
  readonly field: readonly string[];
  readonly operator: string;
  readonly values: readonly (string | number | boolean)[];
}

export type Stage =
  | { readonly kind: 'where'; readonly anyOf: readonly (readonly Condition[])[] }
  | { readonly kind: 'project'; readonly columns: readonly { readonly name: string; readonly source: readonly string[] }[] }
  | { readonly kind: 'order'; readonly field: readonly string[]; readonly descending: boolean }
  | { readonly kind: 'limit'; readonly count: number };

export interface ParsedQuery {
  readonly table: 'resources';
  readonly stages: readonly Stage[];
}

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

export function parseQuery(query: string): ParsedQuery {
  const [head, ...rest] = splitOutside(query, '|');
  const table = (head ?? '').trim().toLowerCase();
  if (table !== 'resources') throw new QueryError(`Table '${(head ?? '').trim()}' is not supported; query the Resources table.`);
  return { table: 'resources', stages: rest.map(parseStage) };
}

function parseStage(text: string): Stage {
  const stage = text.trim();
  const lower = stage.toLowerCase();
  if (lower.startsWith('where ')) {
    const anyOf = splitKeyword(stage.slice(6), 'or').map((part) => splitKeyword(stripParens(part), 'and').map(parseCondition));
    return { kind: 'where', anyOf };
  }
  if (lower.startsWith('project ')) {
    const columns = splitOutside(stage.slice(8), ',').map((column) => {
      const [alias, source] = column.includes('=') ? column.split('=').map((s) => s.trim()) : [undefined, column.trim()];
      const path = parseField(source ?? '');
      return { name: alias ?? path[path.length - 1] ?? '', source: path };
    });
    return { kind: 'project', columns };
  }
  const order = /^(?:order|sort)\s+by\s+(.+?)(?:\s+(asc|desc))?$/i.exec(stage);
  if (order) return { kind: 'order', field: parseField(order[1] ?? ''), descending: (order[2] ?? 'desc').toLowerCase() === 'desc' };
  const limit = /^(?:limit|take)\s+(\d+)$/i.exec(stage);
  if (limit) return { kind: 'limit', count: Number(limit[1]) };
  throw new QueryError(`The query operator in '${stage}' is not supported by the emulator (supported: where, project, order by, limit, take).`);
}

const FIELD = String.raw`(?:tostring|tolower)\([^)]*\)|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\s*(?:'[^']*'|"[^"]*")\s*\])*`;
const SYMBOL_CONDITION = new RegExp(String.raw`^(${FIELD})\s*(=~|==|!=|!~|>=|<=|>|<)\s*(.+)$`, 's');
const WORD_CONDITION = new RegExp(String.raw`^(${FIELD})\s+(!in~|in~|!in|in|!contains|contains|!startswith|startswith|!has|has)\s+(.+)$`, 'is');

function parseCondition(text: string): Condition {
  const trimmed = stripParens(text);
  const match = SYMBOL_CONDITION.exec(trimmed) ?? WORD_CONDITION.exec(trimmed);
  if (match) return { field: parseField(match[1] ?? ''), operator: (match[2] ?? '').toLowerCase(), values: parseValues(match[3] ?? '') };
  const empty = /^(isnotempty|isempty|isnotnull|isnull)\((.+)\)$/i.exec(trimmed);
  if (empty) return { field: parseField(empty[2] ?? ''), operator: (empty[1] ?? '').toLowerCase(), values: [] };
  throw new QueryError(`The condition '${trimmed}' is not supported by the emulator.`);
}

/** `tags['cost-center']`, `properties.computeType`, `tostring(properties.x)` → a property path. */
function parseField(text: string): string[] {
  const unwrapped = text.trim().replace(/^(?:tostring|tolower)\((.+)\)$/i, '$1');
  const path: string[] = [];
  const pattern = /([A-Za-z_$][\w$]*)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]/g;
  for (const match of unwrapped.matchAll(pattern)) path.push(match[1] ?? match[2] ?? match[3] ?? '');
  if (path.length === 0) throw new QueryError(`'${text.trim()}' is not a column.`);
  return path;
}

function parseValues(text: string): (string | number | boolean)[] {
  const trimmed = text.trim();
  const inner = trimmed.startsWith('(') && trimmed.endsWith(')') ? trimmed.slice(1, -1) : trimmed;
  return splitOutside(inner, ',').map((value) => {
    const v = value.trim();
    const quoted = /^'(.*)'$/s.exec(v) ?? /^"(.*)"$/s.exec(v);
    if (quoted) return quoted[1] ?? '';
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (/^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    throw new QueryError(`The value '${v}' is not a literal.`);
  });
}

export function runQuery(query: ParsedQuery, rows: Iterable<Row>): Row[] {
  let result: Row[] = [...rows];
  for (const stage of query.stages) {
    if (stage.kind === 'where') result = result.filter((row) => stage.anyOf.some((all) => all.every((c) => holds(c, row))));
    else if (stage.kind === 'project') result = result.map((row) => Object.fromEntries(stage.columns.map((c) => [c.name, valueAt(row, c.source) ?? null])));
    else if (stage.kind === 'order') {
      const sign = stage.descending ? -1 : 1;
      result = [...result].sort((a, b) => sign * compare(valueAt(a, stage.field), valueAt(b, stage.field)));
    } else result = result.slice(0, stage.count);
  }
  return result;
}

/** The first `type =~ '...'` filter, so the store can be scanned by type instead of whole. */
export function typeFilterOf(query: ParsedQuery): string | undefined {
  const first = query.stages[0];
  if (first?.kind !== 'where' || first.anyOf.length !== 1) return undefined;
  const condition = first.anyOf[0]?.find((c) => c.field.length === 1 && c.field[0]?.toLowerCase() === 'type' && (c.operator === '=~' || c.operator === '==') && c.values.length === 1);
  const value = condition?.values[0];
  return typeof value === 'string' ? value : undefined;
}

function holds(condition: Condition, row: Row): boolean {
  const actual = valueAt(row, condition.field);
  const text = actual === undefined || actual === null ? '' : typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  const values = condition.values.map(String);
  const first = values[0] ?? '';
  switch (condition.operator) {
    case '==': return text === first;
    case '!=': return text !== first;
    case '=~': return text.toLowerCase() === first.toLowerCase();
    case '!~': return text.toLowerCase() !== first.toLowerCase();
    case 'in': return values.includes(text);
    case '!in': return !values.includes(text);
    case 'in~': return values.some((v) => v.toLowerCase() === text.toLowerCase());
    case '!in~': return !values.some((v) => v.toLowerCase() === text.toLowerCase());
    case 'contains': return text.toLowerCase().includes(first.toLowerCase());
    case '!contains': return !text.toLowerCase().includes(first.toLowerCase());
    case 'startswith': return text.toLowerCase().startsWith(first.toLowerCase());
    case '!startswith': return !text.toLowerCase().startsWith(first.toLowerCase());
    case 'has': return new RegExp(`\\b${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(text);
    case '!has': return !new RegExp(`\\b${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(text);
    case '>': return compare(actual, condition.values[0]) > 0;
    case '<': return compare(actual, condition.values[0]) < 0;
    case '>=': return compare(actual, condition.values[0]) >= 0;
    case '<=': return compare(actual, condition.values[0]) <= 0;
    case 'isnotempty': case 'isnotnull': return text !== '';
    case 'isempty': case 'isnull': return text === '';
    default: return false;
  }
}

/** Column names are case-insensitive in Resource Graph; nested keys (tags, properties) are not. */
function valueAt(row: Row, path: readonly string[]): unknown {
  let current: unknown = row;
  for (const [index, segment] of path.entries()) {
    if (typeof current !== 'object' || current === null) return undefined;
    const record = current as Record<string, unknown>;
    const key = index === 0 ? Object.keys(record).find((k) => k.toLowerCase() === segment.toLowerCase()) ?? segment : segment;
    current = record[key];
  }
  return current;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

/** Splits on a character outside quotes and parentheses. */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '(' || char === '[') depth += 1;
    else if (char === ')' || char === ']') depth -= 1;
    else if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

/** Splits on ` and ` / ` or ` outside quotes and parentheses. */
function splitKeyword(text: string, keyword: 'and' | 'or'): string[] {
  const marker = '\u0000';
  let depth = 0;
  let quote: string | undefined;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    else if (depth === 0 && /\s/.test(char)) {
      const ahead = text.slice(i + 1, i + 2 + keyword.length);
      if (ahead.toLowerCase() === `${keyword} ` || ahead.toLowerCase() === `${keyword}\t`) {
        out += marker;
        i += keyword.length + 1;
        continue;
      }
    }
    out += char;
  }
  return out.split(marker).map((part) => part.trim()).filter((part) => part.length > 0);
}

function stripParens(text: string): string {
  let trimmed = text.trim();
  while (trimmed.startsWith('(') && trimmed.endsWith(')') && balanced(trimmed.slice(1, -1))) trimmed = trimmed.slice(1, -1).trim();
  return trimmed;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    if (depth < 0) return false;
  }
  return depth === 0;
}
