/**
 * Real Azure finishes a long-running operation whether or not anyone polls it; these timers do the same for
 * the emulator's operations. One per operation; all are cleared when the emulator resets or closes.
 */
export class OperationTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** Runs `complete` after `delayMs`; a non-finite delay schedules nothing (the operation completes by polls only). */
  schedule(operationId: string, delayMs: number, complete: () => void): void {
    if (!Number.isFinite(delayMs)) return;
    this.cancel(operationId);
    const timer = setTimeout(
      () => {
        this.#timers.delete(operationId);
        complete();
      },
      Math.min(Math.max(delayMs, 0), 2 ** 31 - 1),
    );
    // A pending operation alone does not keep a process alive.
    timer.unref();
    this.#timers.set(operationId, timer);
  }

  cancel(operationId: string): void {
    const timer = this.#timers.get(operationId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(operationId);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  get size(): number {
    return this.#timers.size;
  }
}
