/**
 * `%SETTING%` expressions in binding properties, which the Functions host replaces with app settings
 * (e.g. `schedule: '%SWEEP_SCHEDULE%'`). `%%` is a literal percent sign.
 */

const EXPRESSION = /%%|%([^%\s]+)%/g;

export class UnresolvedAppSettingError extends Error {
  override readonly name = 'UnresolvedAppSettingError';
  readonly setting: string;

  constructor(setting: string) {
    super(`'%${setting}%' does not resolve to a value: the app setting '${setting}' is not set`);
    this.setting = setting;
  }
}

/** Replaces every `%NAME%` in `text` with the setting's value; throws naming the first setting that is not set. */
export function resolveAppSettingText(text: string, settings: Readonly<Record<string, string | undefined>>): string {
  return text.replace(EXPRESSION, (_match: string, name: string | undefined) => {
    if (name === undefined) return '%';
    const value = settings[name];
    if (value === undefined) throw new UnresolvedAppSettingError(name);
    return value;
  });
}

/** Resolves expressions in every string inside `value` (objects and arrays are copied, other values kept). */
export function resolveAppSettings<T>(value: T, settings: Readonly<Record<string, string | undefined>>): T {
  return resolveValue(value, settings) as T;
}

function resolveValue(value: unknown, settings: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') return resolveAppSettingText(value, settings);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, settings));
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = resolveValue(item, settings);
    return copy;
  }
  return value;
}
