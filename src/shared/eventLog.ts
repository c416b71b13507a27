/** Where event intake and routing report; an `InvocationContext` fits. */
export interface EventLog {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
