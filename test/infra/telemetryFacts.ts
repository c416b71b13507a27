/**
 * What the app's telemetry is, read from where it is defined, so the docs, the workbook and the alert rules can be
 * checked against it:
 * - the code: every call of the `Telemetry` port (`src/shared/telemetry.ts`) in `src/`, found and resolved with the
 *   TypeScript compiler. A name is whatever string-literal type the checker gives the first argument (a literal, a
 *   constant such as `CD_FAILED`, `event.kind`, or a template like `ComputeRequest${status}`, expanded over its
 *   parts' literal types); the dimensions and measurements are the named properties of the arguments' types;
 * - the docs: `docs/telemetry.md`, a `### \`Name\`` section per name with `| dimension |` and `| measurement |`
 *   tables;
 * - KQL: the telemetry names, dimensions and measurements a query refers to.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';

export type TelemetryMethod = 'trackEvent' | 'trackMetric' | 'trackException';
export type TelemetryKind = 'event' | 'metric';

export interface TelemetryCall {
  readonly method: TelemetryMethod;
  /** `src/…/file.ts:line` */
  readonly where: string;
  /** Every name the call can send; `undefined` when its type is not a finite set of string literals. */
  readonly names: readonly string[] | undefined;
  /** Property names the checker sees (a spread of a `Record<string, string>` adds keys it cannot see). */
  readonly dimensions: readonly string[];
  readonly measurements: readonly string[];
}

export function kindOf(method: TelemetryMethod): TelemetryKind | undefined {
  return method === 'trackEvent' ? 'event' : method === 'trackMetric' ? 'metric' : undefined;
}

export const tableOfKind: Readonly<Record<TelemetryKind, string>> = { event: 'customEvents', metric: 'customMetrics' };

const telemetryMethods: readonly TelemetryMethod[] = ['trackEvent', 'trackMetric', 'trackException'];

function isTelemetryMethod(name: string): name is TelemetryMethod {
  return telemetryMethods.some((method) => method === name);
}

async function typeScriptFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

function compilerOptions(repoRoot: string): ts.CompilerOptions {
  const configFile = path.join(repoRoot, 'tsconfig.json');
  const read = ts.readConfigFile(configFile, (file) => ts.sys.readFile(file));
  if (read.error !== undefined) throw new Error(`${configFile}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  return { ...ts.parseJsonConfigFileContent(read.config, ts.sys, repoRoot).options, noEmit: true };
}

/** The string values a type can take, or `undefined` when it can take others. */
function stringLiterals(type: ts.Type): string[] | undefined {
  if (type.isStringLiteral()) return [type.value];
  if (type.isUnion()) {
    const values: string[] = [];
    for (const member of type.types) {
      const literals = stringLiterals(member);
      if (literals === undefined) return undefined;
      values.push(...literals);
    }
    return values;
  }
  return undefined;
}

function namesOf(checker: ts.TypeChecker, expression: ts.Expression): string[] | undefined {
  if (ts.isParenthesizedExpression(expression)) return namesOf(checker, expression.expression);
  if (ts.isNoSubstitutionTemplateLiteral(expression)) return [expression.text];
  if (ts.isConditionalExpression(expression)) {
    const whenTrue = namesOf(checker, expression.whenTrue);
    const whenFalse = namesOf(checker, expression.whenFalse);
    return whenTrue === undefined || whenFalse === undefined ? undefined : [...whenTrue, ...whenFalse];
  }
  // The checker types a template expression as `string`: expand it over the literal types of its parts.
  if (ts.isTemplateExpression(expression)) {
    let names = [expression.head.text];
    for (const span of expression.templateSpans) {
      const parts = namesOf(checker, span.expression);
      if (parts === undefined) return undefined;
      names = names.flatMap((prefix) => parts.map((part) => `${prefix}${part}${span.literal.text}`));
    }
    return names;
  }
  return stringLiterals(checker.getTypeAtLocation(expression));
}

function propertyNames(checker: ts.TypeChecker, expression: ts.Expression | undefined): string[] {
  if (expression === undefined) return [];
  const type = checker.getTypeAtLocation(expression);
  const members = type.isUnion() ? type.types : [type];
  return [...new Set(members.flatMap((member) => member.getProperties().map((property) => property.name)))].sort();
}

/** Whether a call's method is the port's (declared in `Telemetry`, or in a class that implements it). */
function isPortMethod(declaration: ts.Declaration | undefined, portFile: string): boolean {
  if (declaration === undefined) return false;
  if (path.resolve(declaration.getSourceFile().fileName) === portFile) return true;
  const owner = declaration.parent;
  return (
    ts.isClassDeclaration(owner) &&
    (owner.heritageClauses ?? []).some(
      (clause) => clause.token === ts.SyntaxKind.ImplementsKeyword && clause.types.some((type) => type.expression.getText() === 'Telemetry'),
    )
  );
}

/**
 * Every call of the telemetry port in the TypeScript files under `srcDir`; the port is the one declared in
 * `<srcDir>/shared/telemetry.ts`. Calls on the Application Insights SDK's own client are not the port's.
 */
export async function readTelemetryCalls(repoRoot: string, srcDir = path.join(repoRoot, 'src')): Promise<TelemetryCall[]> {
  const files = await typeScriptFilesUnder(srcDir);
  const program = ts.createProgram({ rootNames: files, options: compilerOptions(repoRoot) });
  const checker = program.getTypeChecker();
  const portFile = path.resolve(srcDir, 'shared', 'telemetry.ts');
  const calls: TelemetryCall[] = [];
  for (const sourceFile of program.getSourceFiles()) {
    if (!path.resolve(sourceFile.fileName).startsWith(`${path.resolve(srcDir)}${path.sep}`)) continue;
    const visit = (node: ts.Node): void => {
      const method = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : '';
      if (ts.isCallExpression(node) && isTelemetryMethod(method)) {
        if (isPortMethod(checker.getResolvedSignature(node)?.getDeclaration(), portFile)) {
          const [name, second, third] = node.arguments;
          const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
          calls.push({
            method,
            where: `${path.relative(repoRoot, sourceFile.fileName).split(path.sep).join('/')}:${line + 1}`,
            names: method === 'trackException' || name === undefined ? undefined : namesOf(checker, name),
            dimensions: propertyNames(checker, method === 'trackMetric' ? third : second),
            measurements: method === 'trackEvent' ? propertyNames(checker, third) : [],
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return calls;
}

export interface DocumentedTelemetry {
  readonly kind: TelemetryKind;
  readonly dimensions: ReadonlySet<string>;
  readonly measurements: ReadonlySet<string>;
}

function backticked(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
}

const sectionKinds: ReadonlyMap<string, TelemetryKind> = new Map([
  ['Custom events', 'event'],
  ['Custom metrics', 'metric'],
]);

/** `docs/telemetry.md`: name → kind, dimensions and measurements, from the sections under "Custom events" / "Custom metrics". */
export function parseTelemetryDoc(markdown: string): Map<string, DocumentedTelemetry> {
  const documented = new Map<string, { kind: TelemetryKind; dimensions: Set<string>; measurements: Set<string> }>();
  let kind: TelemetryKind | undefined;
  let names: string[] = [];
  let table: 'dimensions' | 'measurements' | undefined;
  for (const line of markdown.split('\n')) {
    const section = /^##\s+(.+?)\s*$/.exec(line);
    if (section?.[1] !== undefined) {
      kind = sectionKinds.get(section[1]);
      names = [];
      continue;
    }
    const heading = /^###\s+(.+?)\s*$/.exec(line);
    if (heading?.[1] !== undefined) {
      names = kind === undefined ? [] : backticked(heading[1]);
      for (const name of names) if (kind !== undefined) documented.set(name, { kind, dimensions: new Set(), measurements: new Set() });
      table = undefined;
      continue;
    }
    const cells = /^\|(.*)\|\s*$/.exec(line)?.[1]?.split('|').map((cell) => cell.trim());
    const first = cells?.[0];
    if (first === undefined) {
      table = undefined;
      continue;
    }
    if (first === 'dimension' || first === 'measurement') {
      table = first === 'dimension' ? 'dimensions' : 'measurements';
      continue;
    }
    if (table === undefined || /^-+$/.test(first)) continue;
    for (const name of names) for (const key of backticked(first)) documented.get(name)?.[table].add(key);
  }
  return documented;
}

export interface KqlUses {
  /** `customEvents` / `customMetrics` where the query reads them. */
  readonly tables: ReadonlySet<string>;
  /** `name == "X"`, `name in ("X", …)`. */
  readonly names: readonly string[];
  /** `name startswith "X"`. */
  readonly namePrefixes: readonly string[];
  readonly dimensions: readonly string[];
  readonly measurements: readonly string[];
}

function quoted(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"/g)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
}

function keysOf(query: string, column: string): string[] {
  const pattern = new RegExp(`\\b${column}(?:\\.([A-Za-z_][A-Za-z0-9_]*)|\\[\\s*["']([^"']+)["']\\s*\\])`, 'g');
  return [
    ...new Set(
      [...query.matchAll(pattern)].flatMap((match) => {
        const key = match[1] ?? match[2];
        return key === undefined ? [] : [key];
      }),
    ),
  ];
}

/** The telemetry a KQL query refers to, by the forms the workbook and the alert rules write it in. */
export function kqlUses(query: string): KqlUses {
  const tables = new Set([...query.matchAll(/\b(customEvents|customMetrics)\b/g)].flatMap((match) => (match[1] === undefined ? [] : [match[1]])));
  const names = [
    ...[...query.matchAll(/\bname\s*(?:==|=~)\s*"([^"]*)"/g)].flatMap((match) => (match[1] === undefined ? [] : [match[1]])),
    ...[...query.matchAll(/\bname\s+in~?\s*\(([^)]*)\)/g)].flatMap((match) => quoted(match[1] ?? '')),
  ];
  const namePrefixes = [...query.matchAll(/\bname\s+startswith\s*"([^"]*)"/g)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
  return {
    tables,
    names: [...new Set(names)],
    namePrefixes: [...new Set(namePrefixes)],
    dimensions: keysOf(query, 'customDimensions'),
    measurements: keysOf(query, 'customMeasurements'),
  };
}

/**
 * The workbook as the gallery template (Advanced Editor → Gallery Template) has it: `Notebook/1.0` with text (1),
 * query (3) and parameter (9) items (microsoft/Application-Insights-Workbooks, Documentation/Programmatically.md and
 * its templates). Queries run against Application Insights.
 */
const textItem = z.object({ type: z.literal(1), name: z.string().min(1), content: z.object({ json: z.string().min(1) }) });
const queryItem = z.object({
  type: z.literal(3),
  name: z.string().min(1),
  content: z.object({
    version: z.literal('KqlItem/1.0'),
    query: z.string().min(1),
    title: z.string().min(1),
    queryType: z.literal(0),
    resourceType: z.literal('microsoft.insights/components'),
    timeContextFromParameter: z.string().min(1),
    visualization: z.enum(['table', 'timechart', 'barchart', 'areachart', 'linechart', 'piechart', 'tiles']),
  }),
});
const parametersItem = z.object({
  type: z.literal(9),
  name: z.string().min(1),
  content: z.object({
    version: z.literal('KqlParameterItem/1.0'),
    parameters: z.array(z.object({ id: z.string().min(1), version: z.literal('KqlParameterItem/1.0'), name: z.string().min(1), type: z.number().int() })).min(1),
  }),
});
export const workbookSchema = z.object({
  version: z.literal('Notebook/1.0'),
  items: z.array(z.discriminatedUnion('type', [textItem, queryItem, parametersItem])).min(1),
  fallbackResourceIds: z.array(z.string()).optional(),
});
export type Workbook = z.infer<typeof workbookSchema>;
