/**
 * Where use cases report, and how strings from callers and events are made safe for a plain log line: control
 * characters (a newline could forge a second log line), line and paragraph separators, zero-width characters and
 * bidirectional overrides are shown as escapes. An `InvocationContext` is a `Log`.
 *
 * A line is one sentence of text: ids, names and outcomes are written into it, and recorded as telemetry
 * properties where they are worth querying. Objects are not passed along: the Functions worker formats every
 * argument with `util.format`, which prints an object of a few fields over several lines.
 */

export interface Log {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/gu;
const MAX_CHARS = 300;

/** Control and direction characters shown as escapes; nothing cut. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.codePointAt(0)?.toString(16).padStart(4, '0') ?? '0000'}`);
}

/** One value from a caller or an event, escaped and cut to a length a log line can carry. */
export function forLog(text: string): string {
  const escaped = escapeUnsafe(text);
  return escaped.length > MAX_CHARS ? `${escaped.slice(0, MAX_CHARS - 1)}…` : escaped;
}

/**
 * A log that escapes every string it is given, whatever the line interpolates (an event's subject, an error text
 * from ARM, a compute request's justification). Structured properties are left as they are: they are fields, not
 * lines.
 */
export function plainLog(log: Log): Log {
  const escapeAll = (args: unknown[]): unknown[] => args.map((arg) => (typeof arg === 'string' ? escapeUnsafe(arg) : arg));
  return {
    info: (...args) => log.info(...escapeAll(args)),
    warn: (...args) => log.warn(...escapeAll(args)),
    error: (...args) => log.error(...escapeAll(args)),
  };
}

/** A log that knows how many lines went through it. */
export interface CountingLog extends Log {
  readonly lines: number;
}

/**
 * A log that starts every line with `prefix` (what the lines are about, e.g. an event's label) and counts them, so
 * its owner can tell whether anything was said. It writes the line's text only: properties passed after it (an
 * `{eventId}` a shared use case adds) are left out, since the prefix names what they would and telemetry records them.
 */
export function prefixedLog(log: Log, prefix: string): CountingLog {
  let lines = 0;
  const prefixed =
    (write: (line: string) => void) =>
    (text?: unknown): void => {
      lines += 1;
      write(`${prefix}${typeof text === 'string' ? text : String(text)}`);
    };
  return {
    info: prefixed((line) => log.info(line)),
    warn: prefixed((line) => log.warn(line)),
    error: prefixed((line) => log.error(line)),
    get lines() {
      return lines;
    },
  };
}

/**
 * The frames of an error's stack (its `at …` lines), each escaped: where an unexpected error came from, for the
 * log. The message is left out (the caller's line carries it, escaped); an error without frames gives none.
 */
export function stackFrames(error: Error): string[] {
  return (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => escapeUnsafe(line));
}

/** A log that drops everything (what-if runs, tests that only look at outcomes). */
export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
