import type { EmulatorContext } from '../context.js';
import type { FaultInjector } from '../faults.js';
import type { EmulatorState } from '../state.js';
import type { OperationTimers } from './operationTimers.js';

/** What the ARM modules share: the emulated world and the emulator's knobs. */
export interface ArmServices {
  readonly context: EmulatorContext;
  readonly state: EmulatorState;
  readonly faults: FaultInjector;
  /** Polls a long-running operation answers `InProgress` before it completes. */
  readonly lroPolls: number;
  /** Milliseconds after which a long-running operation completes unpolled; `Infinity` leaves it to polls. */
  readonly lroCompleteAfterMs: number;
  /** The timers that complete operations by time; the server clears them on reset and close. */
  readonly operationTimers: OperationTimers;
  /** Items per page of ARM list operations before a `nextLink` is given. */
  readonly pageSize: number;
}
