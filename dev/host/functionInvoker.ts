/**
 * Runs one invocation the way the Node.js worker does: the programming model's invocation model builds the
 * arguments from the RPC request, pre-invocation hooks run, the function runs, post-invocation hooks run,
 * and the invocation model turns the result into the RPC response. Logs like Core Tools.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CoreRegistry } from './coreApi.js';
import type {
  CoreInvocationContext,
  HookData,
  InvocationState,
  LogHookContext,
  PostInvocationContext,
  PreInvocationContext,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcParameterBinding,
  RpcTypedData,
} from './coreTypes.js';
import type { HostedFunction } from './hostedFunction.js';

export interface InvocationRequest {
  readonly inputData: RpcParameterBinding[];
  readonly triggerMetadata?: Record<string, RpcTypedData>;
  /** Why the function runs, for the `Executing` log line. */
  readonly reason: string;
  /** A W3C `traceparent` to continue; one is made when absent. */
  readonly traceParent?: string;
}

export interface InvocationOutcome {
  readonly invocationId: string;
  readonly response: RpcInvocationResponse;
}

/** The function threw (or its hooks did); the cause is the thrown value, the message names the function. */
export class FunctionInvocationError extends Error {
  override readonly name = 'FunctionInvocationError';
  readonly functionName: string;
  readonly invocationId: string;

  constructor(functionName: string, invocationId: string, cause: unknown) {
    super(`Exception while executing function: Functions.${functionName}`, { cause });
    this.functionName = functionName;
    this.invocationId = invocationId;
  }
}

export type HostLog = (line: string) => void;

/** Core Tools shows Information and above. */
const SHOWN_LEVELS: ReadonlySet<RpcLogLevel> = new Set(['information', 'warning', 'error', 'critical']);

export function timestamped(message: string, now: Date = new Date()): string {
  return `[${now.toISOString()}] ${message}`;
}

/**
 * What the host shows of a failed invocation's error: its stack, which starts with its name and message. The Node.js
 * worker hands the host `error.message` and `error.stack` (Azure/azure-functions-nodejs-worker
 * `src/setupEventStream.ts`); the host wraps them in an `RpcException` whose message is
 * "Result: Failure\nException: {message}\nStack: {stack}" (Azure/azure-functions-host
 * `src/WebJobs.Script/Workers/Rpc/RpcException.cs`), and Core Tools prints it flattened under the
 * "Executed … (Failed …)" line as "Exception while executing function: Functions.NAME. Result: Failure …"
 * (Azure/azure-functions-core-tools `src/Cli/func/Diagnostics/ColoredConsoleLogger.cs`, `Utility.FlattenException`).
 * The offline host prints the stack alone on the line that names the function — the same content without the
 * message said twice — so an error with frames shows them all, and one without (the app's expected transient
 * failures, `src/functions/transientFailure.ts`) takes one line.
 */
function exceptionDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.stack ?? `${error.name}: ${error.message}`;
}

function readOnly(name: string): never {
  throw new TypeError(`Cannot assign to read only property '${name}'`);
}

export class FunctionInvoker {
  readonly #registry: CoreRegistry;
  readonly #log: HostLog;

  constructor(registry: CoreRegistry, log: HostLog) {
    this.#registry = registry;
    this.#log = log;
  }

  /** Logs a message at a level, through the app's log hooks, if Core Tools would show it. */
  log(level: RpcLogLevel, category: RpcLogCategory, message: string, invocationContext?: unknown): void {
    let shownLevel = level;
    let shownMessage = message;
    if (this.#registry.hasHooks('log')) {
      const hookData: HookData = {};
      const appHookData = this.#registry.appHookData;
      const context: LogHookContext = {
        get hookData() {
          return hookData;
        },
        get appHookData() {
          return appHookData;
        },
        invocationContext,
        category,
        level,
        message,
      };
      try {
        this.#registry.executeLogHooks(context);
        // Hooks may change only what the app itself logs.
        if (category === 'user') {
          shownLevel = context.level;
          shownMessage = context.message;
        }
      } catch (error) {
        this.#log(timestamped(`A log hook failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    if (SHOWN_LEVELS.has(shownLevel)) this.#log(timestamped(shownMessage));
  }

  async invoke(fn: HostedFunction, request: InvocationRequest): Promise<InvocationOutcome> {
    const invocationId = randomUUID();
    const started = performance.now();
    this.#log(timestamped(`Executing 'Functions.${fn.name}' (Reason='${request.reason}', Id=${invocationId})`));
    try {
      const response = await this.#run(fn, invocationId, request);
      this.#log(timestamped(`Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`));
      return { invocationId, response };
    } catch (error) {
      this.#log(timestamped(`Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`));
      this.#log(timestamped(`Exception while executing function: Functions.${fn.name}. ${exceptionDetail(error)}`));
      throw new FunctionInvocationError(fn.name, invocationId, error);
    }
  }

  async #run(fn: HostedFunction, invocationId: string, request: InvocationRequest): Promise<RpcInvocationResponse> {
    if (fn.error !== undefined) throw new Error(fn.error);
    const model = this.#registry.programmingModel;
    if (model === undefined) throw new Error('The app set no programming model; it must register its functions with @azure/functions.');

    let invocationContext: unknown;
    const log = (level: RpcLogLevel, category: RpcLogCategory, message: string): void => this.log(level, category, message, invocationContext);
    const coreContext: CoreInvocationContext & { state?: InvocationState } = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.registered.functionId,
        inputData: request.inputData,
        triggerMetadata: request.triggerMetadata ?? {},
        traceContext: { traceParent: request.traceParent ?? newTraceParent(), traceState: '', attributes: {} },
      },
      metadata: fn.registered.metadata,
      log,
    };

    const invocationModel = await model.getInvocationModel(coreContext);
    const hookData: HookData = {};
    const appHookData = this.#registry.appHookData;
    const args = await invocationModel.getArguments();
    invocationContext = args.context;

    const pre: PreInvocationContext = Object.assign(invocationHookContext(hookData, appHookData, args.context), {
      inputs: args.inputs,
      functionCallback: fn.registered.callback,
    });
    coreContext.state = 'preInvocationHooks';
    try {
      await this.#registry.executeHooks('preInvocation', pre);
    } finally {
      coreContext.state = undefined;
    }

    const post: PostInvocationContext = Object.assign(invocationHookContext(hookData, appHookData, args.context), {
      inputs: pre.inputs,
      result: null,
      error: null,
    });
    coreContext.state = 'invocation';
    try {
      post.result = await invocationModel.invokeFunction(args.context, pre.inputs, pre.functionCallback);
    } catch (error) {
      post.error = error;
    } finally {
      coreContext.state = undefined;
    }

    coreContext.state = 'postInvocationHooks';
    try {
      await this.#registry.executeHooks('postInvocation', post);
    } finally {
      coreContext.state = undefined;
    }

    if (post.error !== null && post.error !== undefined) throw post.error;
    return invocationModel.getResponse(args.context, post.result);
  }
}

/**
 * What pre- and post-invocation hooks share: `hookData`, `appHookData` and `invocationContext`, readable
 * but not replaceable (assigning throws, as in the worker); the caller adds the mutable fields.
 */
function invocationHookContext(hookData: HookData, appHookData: HookData, invocationContext: unknown) {
  return {
    get hookData() {
      return hookData;
    },
    set hookData(_value) {
      readOnly('hookData');
    },
    get appHookData() {
      return appHookData;
    },
    set appHookData(_value) {
      readOnly('appHookData');
    },
    get invocationContext() {
      return invocationContext;
    },
    set invocationContext(_value) {
      readOnly('invocationContext');
    },
  };
}

function newTraceParent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
