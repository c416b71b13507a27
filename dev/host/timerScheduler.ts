/**
 * Fires timer triggers on their schedules. Like the host, a timer function never overlaps itself: the next
 * occurrence is computed when the current run has finished.
 */
import type { HostedFunction } from './hostedFunction.js';

/** The timer trigger's input as the host sends it (PascalCase; `@azure/functions` camel-cases it). */
export interface TimerInfo {
  readonly Schedule: { readonly AdjustForDST: boolean };
  readonly ScheduleStatus: { readonly Last: string; readonly Next: string; readonly LastUpdated: string } | null;
  readonly IsPastDue: boolean;
}

/** setTimeout's longest delay; longer waits are chained. */
const MAX_DELAY_MS = 2_147_483_647;
/** How late a run may start before the host calls it past due. */
const PAST_DUE_AFTER_MS = 1_000;

export function timerInfo(fn: HostedFunction, last: Date | undefined, scheduledFor: Date, now: Date): TimerInfo {
  const next = fn.schedule?.next(now) ?? now;
  return {
    Schedule: { AdjustForDST: true },
    ScheduleStatus: {
      Last: (last ?? new Date(0)).toISOString(),
      Next: next.toISOString(),
      LastUpdated: (last ?? now).toISOString(),
    },
    IsPastDue: now.getTime() - scheduledFor.getTime() > PAST_DUE_AFTER_MS,
  };
}

export type FireTimer = (fn: HostedFunction, info: TimerInfo, reason: string) => Promise<unknown>;

export class TimerScheduler {
  readonly #fire: FireTimer;
  readonly #handles = new Map<string, NodeJS.Timeout>();
  readonly #last = new Map<string, Date>();
  #stopped = false;

  constructor(fire: FireTimer) {
    this.#fire = fire;
  }

  start(functions: readonly HostedFunction[]): void {
    for (const fn of functions) {
      if (fn.kind !== 'timer' || fn.schedule === undefined || fn.error !== undefined) continue;
      if (fn.trigger.runOnStartup === true) void this.#run(fn, new Date(), 'New ScheduleStatus');
      else this.#scheduleNext(fn);
    }
  }

  /** Stops scheduling; runs already started finish on their own. */
  stop(): void {
    this.#stopped = true;
    for (const handle of this.#handles.values()) clearTimeout(handle);
    this.#handles.clear();
  }

  /** `notBefore`: the occurrence just run, so a timer that woke a little early cannot fire twice for it. */
  #scheduleNext(fn: HostedFunction, notBefore?: Date): void {
    if (this.#stopped || fn.schedule === undefined) return;
    const due = fn.schedule.next(new Date(Math.max(Date.now(), notBefore?.getTime() ?? 0)));
    this.#wait(fn, due);
  }

  #wait(fn: HostedFunction, due: Date): void {
    if (this.#stopped) return;
    const delay = Math.max(0, due.getTime() - Date.now());
    const handle = setTimeout(
      () => {
        this.#handles.delete(fn.name);
        if (delay > MAX_DELAY_MS) this.#wait(fn, due);
        else void this.#run(fn, due, `Timer fired at ${new Date().toISOString()}`);
      },
      Math.min(delay, MAX_DELAY_MS),
    );
    // Timers alone do not keep the process alive; the HTTP server does.
    handle.unref();
    this.#handles.set(fn.name, handle);
  }

  async #run(fn: HostedFunction, scheduledFor: Date, reason: string): Promise<void> {
    if (this.#stopped) return;
    const now = new Date();
    const info = timerInfo(fn, this.#last.get(fn.name), scheduledFor, now);
    this.#last.set(fn.name, now);
    try {
      await this.#fire(fn, info, reason);
    } catch {
      // The invoker has logged the failure; a failed run does not stop the schedule.
    } finally {
      this.#scheduleNext(fn, scheduledFor);
    }
  }
}
