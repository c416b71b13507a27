/**
 * A string from a caller or an event, made safe for a plain log line: control characters (a newline could forge a
 * second log line), line and paragraph separators and bidirectional overrides are shown as escapes, and the text is
 * cut to a length a log line can carry.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/gu;
const MAX_CHARS = 300;

export function forLog(text: string): string {
  const escaped = text.replace(UNSAFE, (char) => `\\u${char.codePointAt(0)?.toString(16).padStart(4, '0') ?? '0000'}`);
  return escaped.length > MAX_CHARS ? `${escaped.slice(0, MAX_CHARS - 1)}…` : escaped;
}
