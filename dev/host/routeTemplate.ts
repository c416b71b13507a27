/**
 * HTTP trigger route templates, with the ASP.NET Core syntax the Functions host accepts:
 * `compute-requests/{id}/approve`, optional `{id?}`, defaults `{page=1}`, constraints `{id:int}`,
 * catch-all `{*path}`, and complex segments such as `{name}.{ext}`. Literals match case-insensitively. Which of several
 * matching routes serves a request is the route table's business (`httpRouteTable.ts`: the host's order, not precedence).
 */

interface LiteralPart {
  readonly kind: 'literal';
  readonly text: string;
}

interface ParameterPart {
  readonly kind: 'parameter';
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue: string | undefined;
  readonly constraints: readonly string[];
}

type SegmentPart = LiteralPart | ParameterPart;

interface Segment {
  readonly parts: readonly SegmentPart[];
  readonly pattern: RegExp;
}

export class RouteTemplateError extends Error {
  override readonly name = 'RouteTemplateError';
}

export class RouteTemplate {
  readonly template: string;
  readonly #segments: readonly Segment[];

  constructor(template: string) {
    this.template = template;
    const trimmed = template.replace(/^~?\/+/, '').replace(/\/+$/, '');
    const segments = trimmed === '' ? [] : trimmed.split('/').map((text) => parseSegment(text, template));
    segments.forEach((segment, index) => {
      const catchAll = segment.parts.some((part) => part.kind === 'parameter' && part.catchAll);
      if (catchAll && index !== segments.length - 1) throw new RouteTemplateError(`A catch-all parameter must be the last segment of '${template}'`);
    });
    this.#segments = segments;
  }

  get parameterNames(): string[] {
    return this.#segments.flatMap((segment) => segment.parts.filter((part): part is ParameterPart => part.kind === 'parameter').map((part) => part.name));
  }

  /** Matches a path (without the route prefix, not yet percent-decoded); returns the route values or undefined. */
  match(path: string): Record<string, string> | undefined {
    const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
    const requestSegments = trimmed === '' ? [] : trimmed.split('/');
    const values: Record<string, string> = {};
    for (let index = 0; index < this.#segments.length; index += 1) {
      const segment = this.#segments[index];
      if (segment === undefined) return undefined;
      const sole = segment.parts.length === 1 ? segment.parts[0] : undefined;
      if (sole?.kind === 'parameter' && sole.catchAll) {
        const rest = requestSegments.slice(index).map(decodeSegment);
        if (rest.some((value) => value === undefined)) return undefined;
        const value = rest.join('/');
        if (value !== '') {
          if (!satisfiesConstraints(value, sole.constraints)) return undefined;
          values[sole.name] = value;
        } else if (sole.defaultValue !== undefined) {
          values[sole.name] = sole.defaultValue;
        }
        return values;
      }
      const text = requestSegments[index];
      if (text === undefined) {
        if (sole?.kind === 'parameter' && (sole.optional || sole.defaultValue !== undefined)) {
          if (sole.defaultValue !== undefined) values[sole.name] = sole.defaultValue;
          continue;
        }
        return undefined;
      }
      const decoded = decodeSegment(text);
      if (decoded === undefined) return undefined;
      const found = segment.pattern.exec(decoded);
      if (found === null) return undefined;
      let group = 1;
      for (const part of segment.parts) {
        if (part.kind !== 'parameter') continue;
        const value = found[group] ?? '';
        group += 1;
        if (!satisfiesConstraints(value, part.constraints)) return undefined;
        values[part.name] = value;
      }
    }
    return requestSegments.length > this.#segments.length ? undefined : values;
  }
}

function decodeSegment(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function parseSegment(text: string, template: string): Segment {
  if (text === '') throw new RouteTemplateError(`Route '${template}' has an empty segment`);
  const parts: SegmentPart[] = [];
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('{', position);
    if (open < 0) {
      parts.push({ kind: 'literal', text: text.slice(position) });
      break;
    }
    if (open > position) parts.push({ kind: 'literal', text: text.slice(position, open) });
    const close = findParameterEnd(text, open);
    if (close < 0) throw new RouteTemplateError(`Route '${template}' has an unclosed '{'`);
    parts.push(parseParameter(text.slice(open + 1, close), template));
    position = close + 1;
  }
  for (let index = 1; index < parts.length; index += 1) {
    if (parts[index]?.kind === 'parameter' && parts[index - 1]?.kind === 'parameter') {
      throw new RouteTemplateError(`Route '${template}' has two parameters with no literal between them`);
    }
  }
  const source = parts.map((part) => (part.kind === 'literal' ? escapeRegExp(part.text) : '(.+?)')).join('');
  return { parts, pattern: new RegExp(`^${source}$`, 'i') };
}

/** The closing brace of a parameter; regex constraints may hold braces of their own (`{id:regex(^\\d{{3}}$)}`). */
function findParameterEnd(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    const char = text[index];
    if (char === '{') depth += 1;
    if (char === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}

function parseParameter(body: string, template: string): ParameterPart {
  let rest = body;
  let catchAll = false;
  if (rest.startsWith('**')) {
    catchAll = true;
    rest = rest.slice(2);
  } else if (rest.startsWith('*')) {
    catchAll = true;
    rest = rest.slice(1);
  }
  let defaultValue: string | undefined;
  const equals = rest.indexOf('=');
  if (equals >= 0 && !rest.slice(0, equals).includes('(')) {
    defaultValue = rest.slice(equals + 1);
    rest = rest.slice(0, equals);
  }
  let optional = false;
  if (rest.endsWith('?')) {
    optional = true;
    rest = rest.slice(0, -1);
  }
  const [name = '', ...constraints] = splitConstraints(rest);
  if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new RouteTemplateError(`Route '${template}' has an invalid parameter name '${name}'`);
  return { kind: 'parameter', name, optional: optional || catchAll, catchAll, defaultValue, constraints };
}

/** `id:int:min(1)` → ['id', 'int', 'min(1)'], keeping colons inside parentheses. */
function splitConstraints(text: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ':' && depth === 0) {
      pieces.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  pieces.push(current);
  return pieces;
}

const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[})]?$/i;

function satisfiesConstraints(value: string, constraints: readonly string[]): boolean {
  return constraints.every((constraint) => satisfiesConstraint(value, constraint));
}

function satisfiesConstraint(value: string, constraint: string): boolean {
  const call = /^(\w+)(?:\((.*)\))?$/s.exec(constraint);
  const kind = call?.[1]?.toLowerCase();
  const argument = call?.[2] ?? '';
  const numbers = argument.split(',').map((piece) => Number(piece.trim()));
  const first = numbers[0] ?? Number.NaN;
  const second = numbers[1] ?? Number.NaN;
  switch (kind) {
    case 'int':
    case 'long':
      return /^-?\d+$/.test(value);
    case 'bool':
      return /^(true|false)$/i.test(value);
    case 'guid':
      return GUID.test(value);
    case 'alpha':
      return /^[a-z]+$/i.test(value);
    case 'decimal':
    case 'double':
    case 'float':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'datetime':
      return !Number.isNaN(Date.parse(value));
    case 'minlength':
      return value.length >= first;
    case 'maxlength':
      return value.length <= first;
    case 'length':
      return Number.isNaN(second) ? value.length === first : value.length >= first && value.length <= second;
    case 'min':
      return /^-?\d+$/.test(value) && Number(value) >= first;
    case 'max':
      return /^-?\d+$/.test(value) && Number(value) <= first;
    case 'range':
      return /^-?\d+$/.test(value) && Number(value) >= first && Number(value) <= second;
    case 'regex':
      return new RegExp(argument.replace(/\{\{/g, '{').replace(/\}\}/g, '}'), 'i').test(value);
    default:
      // An unknown constraint never matches, so a typo shows up as a 404 rather than a wrong route.
      return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
