/**
 * The `@azure/functions-core` module, as the Azure Functions Node.js worker provides it: `@azure/functions`
 * `require`s it lazily on its first `app.*` call and registers every function, hook and its programming model
 * through it. `installCoreApi()` makes that `require` resolve here.
 *
 * One registry per process: Node caches the app's modules, so the app registers its functions once per process
 * however many hosts serve them. `installCoreApi()` must run before the app's entry module is imported.
 */
import Module from 'node:module';
import { z } from 'zod';
import type {
  DisposableLike,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookData,
  HookName,
  ProgrammingModel,
  RpcBindingInfo,
  RpcFunctionMetadata,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes.js';

export const CORE_MODULE_ID = '@azure/functions-core';
/** Reported as the host's version (`/admin/host/status`, `hostVersion`). */
export const HOST_VERSION = '4.0.0-offline';
/** The worker's version, as `@azure/functions-core` exposes it. */
export const WORKER_VERSION = '3.0.0-offline';

/** The trigger binding of a function, with the properties the host acts on. */
export interface TriggerBinding {
  readonly name: string;
  readonly type: string;
  readonly direction: string;
  readonly route?: string;
  readonly methods?: readonly string[];
  readonly authLevel?: string;
  readonly schedule?: string;
  readonly runOnStartup?: boolean;
  readonly [property: string]: unknown;
}

export interface RegisteredFunction {
  readonly name: string;
  readonly functionId: string;
  /** What the worker would send the host for this function (bindings, rawBindings, retry options). */
  readonly metadata: RpcFunctionMetadata;
  /** Binding name → binding, as registered. */
  readonly bindings: Readonly<Record<string, RpcBindingInfo>>;
  readonly trigger: TriggerBinding;
  readonly callback: FunctionCallback;
}

const triggerBindingSchema = z.looseObject({
  name: z.string(),
  type: z.string().regex(/trigger$/i),
  direction: z.string().default('in'),
  route: z.string().optional(),
  methods: z.array(z.string()).optional(),
  authLevel: z.string().optional(),
  schedule: z.string().optional(),
  runOnStartup: z.boolean().optional(),
});

/** Reads the trigger binding out of a function's bindings; throws naming the function when there is none or several. */
export function readTriggerBinding(functionName: string, bindings: Readonly<Record<string, Readonly<Record<string, unknown>>>>): TriggerBinding {
  const triggers = Object.entries(bindings).filter(([, binding]) => {
    const type = binding['type'];
    return typeof type === 'string' && /trigger$/i.test(type);
  });
  if (triggers.length !== 1) {
    throw new Error(`Function '${functionName}' must have exactly one trigger binding (found ${triggers.length})`);
  }
  const [name, binding] = triggers[0] ?? [];
  const parsed = triggerBindingSchema.safeParse({ ...binding, name });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Function '${functionName}' has an invalid trigger binding: ${issue === undefined ? 'invalid' : `${issue.path.join('.')}: ${issue.message}`}`);
  }
  return parsed.data;
}

/** Releases something on dispose; `@azure/functions` re-exports the worker's class of the same shape. */
export class Disposable {
  #callOnDispose: (() => unknown) | undefined;

  static from(...disposables: DisposableLike[]): Disposable {
    return new Disposable(() => {
      for (const disposable of disposables) disposable.dispose();
    });
  }

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): unknown {
    const callOnDispose = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return callOnDispose?.();
  }
}

export type SystemLogSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

const HOOK_NAMES: readonly HookName[] = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation', 'log'];

function isHookName(value: string): value is HookName {
  return (HOOK_NAMES as readonly string[]).includes(value);
}

/** What the app registered in this process. */
export class CoreRegistry {
  readonly #functions = new Map<string, RegisteredFunction>();
  readonly #hooks = new Map<HookName, ((context: unknown) => unknown)[]>();
  #programmingModel: ProgrammingModel | undefined;
  #startupFinished = false;
  #systemLog: SystemLogSink = defaultSystemLog;
  /** Shared by all hooks (`appHookData`), and by app-level hooks only (`hookData` of appStart/appTerminate). */
  readonly appHookData: HookData = {};
  readonly appLevelOnlyHookData: HookData = {};

  get functions(): readonly RegisteredFunction[] {
    return [...this.#functions.values()];
  }

  get programmingModel(): ProgrammingModel | undefined {
    return this.#programmingModel;
  }

  get startupFinished(): boolean {
    return this.#startupFinished;
  }

  findFunction(name: string): RegisteredFunction | undefined {
    // Function names are case-insensitive in the host.
    const wanted = name.toLowerCase();
    return this.functions.find((candidate) => candidate.name.toLowerCase() === wanted);
  }

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (this.#startupFinished) throw new Error('A function can only be registered during app startup.');
    if (typeof metadata.name !== 'string' || metadata.name === '') throw new Error('A function must have a name.');
    if (typeof callback !== 'function') throw new Error(`Function '${metadata.name}' has no handler.`);
    if (this.findFunction(metadata.name) !== undefined) {
      throw new Error(`A function named '${metadata.name}' is already registered; function names must be unique within the app.`);
    }
    const functionId = metadata.functionId ?? metadata.name;
    const rpcMetadata: RpcFunctionMetadata = {
      name: metadata.name,
      functionId,
      bindings: metadata.bindings,
      // What the host reads: each binding as JSON with its name.
      rawBindings: Object.entries(metadata.bindings).map(([name, binding]) => JSON.stringify({ ...binding, name })),
      scriptFile: 'n/a',
      retryOptions: metadata.retryOptions ?? null,
    };
    const registered: RegisteredFunction = {
      name: metadata.name,
      functionId,
      metadata: rpcMetadata,
      bindings: metadata.bindings,
      trigger: readTriggerBinding(metadata.name, metadata.bindings),
      callback,
    };
    this.#functions.set(functionId, registered);
    return new Disposable(() => {
      if (this.#startupFinished) throw new Error('A function can only be disposed during app startup.');
      this.#functions.delete(functionId);
    });
  }

  registerHook(hookName: string, callback: HookCallback): Disposable {
    if (!isHookName(hookName)) {
      // The worker answers an unknown hook with a RangeError; `@azure/functions` relies on that name.
      throw Object.assign(new RangeError(`Unrecognized hook "${hookName}"`), { isAzureFunctionsSystemError: true });
    }
    if (typeof callback !== 'function') throw new Error(`The ${hookName} hook must be a function.`);
    const hooks = this.#hooks.get(hookName) ?? [];
    const entry = callback as (context: unknown) => unknown;
    hooks.push(entry);
    this.#hooks.set(hookName, hooks);
    return new Disposable(() => {
      const index = hooks.indexOf(entry);
      if (index >= 0) hooks.splice(index, 1);
    });
  }

  hasHooks(hookName: HookName): boolean {
    return (this.#hooks.get(hookName)?.length ?? 0) > 0;
  }

  /** Runs the hooks in registration order; one that throws stops the rest, like the worker. */
  async executeHooks(hookName: HookName, context: object): Promise<void> {
    for (const hook of [...(this.#hooks.get(hookName) ?? [])]) {
      await hook(context);
    }
  }

  /** Log hooks are synchronous in the worker. */
  executeLogHooks(context: object): void {
    for (const hook of [...(this.#hooks.get('log') ?? [])]) hook(context);
  }

  setProgrammingModel(model: ProgrammingModel): void {
    this.#programmingModel = model;
  }

  /** Called once the entry module has loaded: later registrations are refused, like the worker. */
  finishStartup(): void {
    this.#startupFinished = true;
  }

  setSystemLog(sink: SystemLogSink): void {
    this.#systemLog = sink;
  }

  systemLog(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
    this.#systemLog(level, category, message);
  }
}

function defaultSystemLog(level: RpcLogLevel, _category: RpcLogCategory, message: string): void {
  if (level === 'warning' || level === 'error' || level === 'critical') process.stderr.write(`${message}\n`);
}

const registry = new CoreRegistry();

/** The process's registry. */
export function coreRegistry(): CoreRegistry {
  return registry;
}

/** The object `require('@azure/functions-core')` returns. */
export const coreApi = Object.freeze({
  version: WORKER_VERSION,
  hostVersion: HOST_VERSION,
  registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback): Disposable => registry.registerFunction(metadata, callback),
  registerHook: (hookName: string, callback: HookCallback): Disposable => registry.registerHook(hookName, callback),
  setProgrammingModel: (model: ProgrammingModel): void => registry.setProgrammingModel(model),
  getProgrammingModel: (): ProgrammingModel | undefined => registry.programmingModel,
  log: (level: RpcLogLevel, category: RpcLogCategory, message: string): void => registry.systemLog(level, category, message),
  Disposable,
});

type LoadFunction = (request: string, parent: unknown, isMain: boolean) => unknown;
type ResolveFunction = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
/** Node's CommonJS loader internals; not in its typings, stable across supported Node versions. */
interface ModuleLoaderInternals {
  _load: LoadFunction;
  _resolveFilename: ResolveFunction;
}

let installed = false;

/**
 * Makes `require('@azure/functions-core')` return `coreApi`, for that one request id only; everything else
 * passes through to Node's loader untouched. Idempotent.
 */
export function installCoreApi(): void {
  if (installed) return;
  const loader = Module as unknown as ModuleLoaderInternals;
  const originalLoad = loader._load;
  const originalResolve = loader._resolveFilename;
  loader._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
    if (request === CORE_MODULE_ID) return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
  loader._resolveFilename = function resolveFilename(this: unknown, request: string, parent: unknown, isMain: boolean, options?: unknown): string {
    // Like a built-in: the id resolves to itself, so `require.resolve` succeeds too.
    if (request === CORE_MODULE_ID) return CORE_MODULE_ID;
    return originalResolve.call(this, request, parent, isMain, options);
  };
  installed = true;
}
