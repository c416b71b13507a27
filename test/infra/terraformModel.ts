/**
 * The Terraform in `infra/` as data: every `.tf` and `.tfvars` file parsed with `@cdktf/hcl2json` (the HCL
 * parser Terraform's own tooling uses, compiled to WebAssembly), grouped by module, with a small resolver for
 * the expressions the checks need to see through (`var.x`, `local.x`, `merge(...)`).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { z } from 'zod';

export type HclValue = string | number | boolean | null | HclValue[] | HclObject;
export interface HclObject {
  [key: string]: HclValue;
}

const hclValue: z.ZodType<HclValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(hclValue), z.record(z.string(), hclValue)]),
);
const hclDocument = z.record(z.string(), hclValue);

export interface ResourceBlock {
  /** Module directory relative to `infra/` (`.` for the root module). */
  readonly module: string;
  readonly file: string;
  readonly type: string;
  readonly name: string;
  readonly body: HclObject;
}

export interface ModuleCall {
  readonly module: string;
  readonly name: string;
  /** Directory of the called module relative to `infra/`. */
  readonly source: string;
  readonly body: HclObject;
}

export interface TerraformModule {
  readonly dir: string;
  readonly files: string[];
  readonly resources: ResourceBlock[];
  readonly moduleCalls: ModuleCall[];
  readonly variables: Map<string, HclObject>;
  readonly locals: Map<string, HclValue>;
  readonly terraformBlocks: HclObject[];
  /** `provider "<name>" { ... }` configurations by provider name. */
  readonly providers: Map<string, HclObject[]>;
}

export interface InfraModel {
  readonly root: string;
  readonly modules: Map<string, TerraformModule>;
  /** `environments/<name>.tfvars` by name. */
  readonly tfvars: Map<string, HclObject>;
}

export function isObject(value: HclValue | undefined): value is HclObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first body of a nested block (`site_config { ... }` parses as `[{...}]`). */
export function block(body: HclObject | undefined, name: string): HclObject | undefined {
  const value = body?.[name];
  if (Array.isArray(value)) {
    const first = value[0];
    return isObject(first) ? first : undefined;
  }
  return isObject(value) ? value : undefined;
}

export function blocks(body: HclObject | undefined, name: string): HclObject[] {
  const value = body?.[name];
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

export function stringsOf(value: HclValue | undefined): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function address(resource: ResourceBlock): string {
  const prefix = resource.module === '.' ? '' : `${resource.module}: `;
  return `${prefix}${resource.type}.${resource.name}`;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(tf|tfvars)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function parseFile(file: string): Promise<HclObject> {
  const parsed: unknown = await parse(path.basename(file), await readFile(file, 'utf8'));
  const result = hclDocument.safeParse(parsed);
  if (!result.success) throw new Error(`${file}: unexpected HCL JSON shape: ${result.error.message}`);
  return result.data;
}

function emptyModule(dir: string): TerraformModule {
  return { dir, files: [], resources: [], moduleCalls: [], variables: new Map(), locals: new Map(), terraformBlocks: [], providers: new Map() };
}

function addDocument(module: TerraformModule, file: string, document: HclObject): void {
  module.files.push(file);
  const resources = document.resource;
  if (isObject(resources)) {
    for (const [type, byName] of Object.entries(resources)) {
      if (!isObject(byName)) continue;
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of blocks({ b: bodies }, 'b')) module.resources.push({ module: module.dir, file, type, name, body });
      }
    }
  }
  const calls = document.module;
  if (isObject(calls)) {
    for (const [name, bodies] of Object.entries(calls)) {
      for (const body of blocks({ b: bodies }, 'b')) {
        const source = typeof body.source === 'string' ? path.posix.normalize(path.posix.join(module.dir, body.source)) : '';
        module.moduleCalls.push({ module: module.dir, name, source, body });
      }
    }
  }
  const variables = document.variable;
  if (isObject(variables)) {
    for (const [name, bodies] of Object.entries(variables)) {
      const body = block({ b: bodies }, 'b');
      if (body) module.variables.set(name, body);
    }
  }
  for (const localsBlock of blocks(document, 'locals')) {
    for (const [name, value] of Object.entries(localsBlock)) module.locals.set(name, value);
  }
  module.terraformBlocks.push(...blocks(document, 'terraform'));
  const providers = document.provider;
  if (isObject(providers)) {
    for (const [name, bodies] of Object.entries(providers)) {
      module.providers.set(name, [...(module.providers.get(name) ?? []), ...blocks({ b: bodies }, 'b')]);
    }
  }
}

/** Parses every `.tf` / `.tfvars` file under `root` (the `infra/` directory). */
export async function loadInfra(root: string): Promise<InfraModel> {
  const modules = new Map<string, TerraformModule>();
  const tfvars = new Map<string, HclObject>();
  for (const file of await filesUnder(root)) {
    const relative = path.relative(root, file).split(path.sep).join('/');
    const document = await parseFile(file);
    if (file.endsWith('.tfvars')) {
      tfvars.set(path.basename(file, '.tfvars'), document);
      continue;
    }
    const dir = path.posix.dirname(relative);
    const module = modules.get(dir) ?? emptyModule(dir);
    modules.set(dir, module);
    addDocument(module, relative, document);
  }
  return { root, modules, tfvars };
}

export function allResources(model: InfraModel): ResourceBlock[] {
  return [...model.modules.values()].flatMap((module) => module.resources);
}

export function resourcesOfType(model: InfraModel, type: string): ResourceBlock[] {
  return allResources(model).filter((resource) => resource.type === type);
}

/** Splits `a, merge(b, c), { d = 1 }` at top-level commas. */
function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (!quoted && '([{'.includes(char)) depth += 1;
    if (!quoted && ')]}'.includes(char)) depth -= 1;
    if (!quoted && depth === 0 && char === ',') {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

/**
 * Resolves `${var.x}` (the caller's argument, else the variable's default), `${local.x}` and
 * `${merge(...)}` of those; anything else comes back as written. Enough to see which keys a map holds.
 */
export function resolve(model: InfraModel, moduleDir: string, value: HclValue | undefined, depth = 0): HclValue | undefined {
  if (typeof value !== 'string' || depth > 10) return value;
  const expression = /^\$\{(.*)\}$/s.exec(value)?.[1]?.trim();
  if (expression === undefined) return value;
  const module = model.modules.get(moduleDir);
  const reference = /^(var|local)\.([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+)*)$/.exec(expression);
  if (reference?.[1] !== undefined && reference[2] !== undefined) {
    const [, kind, name, attributes = ''] = reference;
    let target: HclValue | undefined;
    if (kind === 'var') {
      const caller = [...model.modules.values()].flatMap((m) => m.moduleCalls).find((call) => call.source === moduleDir);
      target =
        caller && caller.body[name] !== undefined
          ? resolve(model, caller.module, caller.body[name], depth + 1)
          : resolve(model, moduleDir, module?.variables.get(name)?.default, depth + 1);
    } else {
      target = resolve(model, moduleDir, module?.locals.get(name), depth + 1);
    }
    for (const attribute of attributes.split('.').filter(Boolean)) {
      target = isObject(target) ? resolve(model, moduleDir, target[attribute], depth + 1) : undefined;
    }
    return target === undefined ? value : target;
  }
  const merged = /^merge\((.*)\)$/s.exec(expression)?.[1];
  if (merged !== undefined) {
    const result: HclObject = {};
    for (const argument of splitArguments(merged)) {
      const part = resolve(model, moduleDir, `\${${argument}}`, depth + 1);
      if (!isObject(part)) return value;
      Object.assign(result, part);
    }
    return result;
  }
  return value;
}
