/**
 * A registered function as the host indexes it: its bindings as the host reads them (`rawBindings`, with
 * `%SETTING%` expressions resolved from the app settings) and, when something is wrong with them, the error
 * that keeps the host from serving it — while the host itself keeps running, like the real one.
 */
import { resolveAppSettings } from './appSettingExpressions.js';
import { readTriggerBinding, type RegisteredFunction, type TriggerBinding } from './coreApi.js';
import { RouteTemplate } from './routeTemplate.js';
import { parseTimerSchedule, type TimerSchedule } from './timerSchedule.js';

/** One binding, as the host receives it: its name, type, direction and properties. */
export type BindingMetadata = Readonly<Record<string, unknown>> & { readonly name: string; readonly type: string; readonly direction: string };

export type TriggerKind = 'http' | 'timer' | 'eventGrid' | 'queue' | 'other';

export interface HostedFunction {
  readonly name: string;
  readonly registered: RegisteredFunction;
  /** The bindings with app settings resolved (unresolved when the function is in error). */
  readonly bindings: readonly BindingMetadata[];
  readonly trigger: TriggerBinding;
  readonly kind: TriggerKind;
  /** HTTP triggers: the route template (the function name when none is set). */
  readonly route: string | undefined;
  /** HTTP triggers: the allowed methods, upper case; undefined = all. */
  readonly methods: readonly string[] | undefined;
  /** Timer triggers. */
  readonly schedule: TimerSchedule | undefined;
  readonly error: string | undefined;
}

export function triggerKind(type: string): TriggerKind {
  switch (type.toLowerCase()) {
    case 'httptrigger':
      return 'http';
    case 'timertrigger':
      return 'timer';
    case 'eventgridtrigger':
      return 'eventGrid';
    case 'queuetrigger':
      return 'queue';
    default:
      return 'other';
  }
}

function readBindings(registered: RegisteredFunction): BindingMetadata[] {
  return Object.entries(registered.bindings).map(([name, binding]) => ({
    ...binding,
    name,
    type: typeof binding.type === 'string' ? binding.type : '',
    direction: typeof binding.direction === 'string' ? binding.direction : 'in',
  }));
}

export function hostFunction(registered: RegisteredFunction, settings: Readonly<Record<string, string | undefined>>): HostedFunction {
  const raw = readBindings(registered);
  const kind = triggerKind(registered.trigger.type);
  const base = { name: registered.name, registered, kind };
  try {
    const bindings = resolveAppSettings(raw, settings);
    const resolvedBindings = Object.fromEntries(bindings.map((binding) => [binding.name, binding]));
    const trigger = readTriggerBinding(registered.name, resolvedBindings);
    let route: string | undefined;
    let methods: readonly string[] | undefined;
    let schedule: TimerSchedule | undefined;
    if (kind === 'http') {
      route = trigger.route ?? registered.name;
      // Validates the template now, so a bad route is reported at start rather than at the first request.
      new RouteTemplate(route);
      methods = trigger.methods?.map((method) => method.toUpperCase());
    } else if (kind === 'timer') {
      if (trigger.schedule === undefined) throw new Error(`Timer function '${registered.name}' has no schedule`);
      schedule = parseTimerSchedule(trigger.schedule);
    }
    return { ...base, bindings, trigger, route, methods, schedule, error: undefined };
  } catch (error) {
    return {
      ...base,
      bindings: raw,
      trigger: registered.trigger,
      route: undefined,
      methods: undefined,
      schedule: undefined,
      error: `The '${registered.name}' function is in error: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** The trigger's binding type as the host names it, with the methods and URL for HTTP triggers (Core Tools' listing). */
export function describeHostedFunction(fn: HostedFunction, baseUrl: string, routePrefix: string): string {
  if (fn.error !== undefined) return `${fn.name}: ${fn.error}`;
  if (fn.kind === 'http') {
    const methods = fn.methods === undefined ? 'GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS' : fn.methods.join(',');
    return `${fn.name}: [${methods}] ${httpFunctionUrl(fn, baseUrl, routePrefix)}`;
  }
  return `${fn.name}: ${fn.trigger.type}`;
}

export function httpFunctionUrl(fn: HostedFunction, baseUrl: string, routePrefix: string): string {
  const path = [routePrefix, fn.route ?? fn.name].filter((part) => part !== '').join('/');
  return `${baseUrl}/${path}`;
}
