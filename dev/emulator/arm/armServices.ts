import type { EmulatorContext } from '../context.js';
import type { FaultInjector } from '../faults.js';
import type { EmulatorState } from '../state.js';

/** What the ARM modules share: the emulated world and the emulator's knobs. */
export interface ArmServices {
  readonly context: EmulatorContext;
  readonly state: EmulatorState;
  readonly faults: FaultInjector;
  /** Polls a long-running operation answers `InProgress` before it completes. */
  readonly lroPolls: number;
  /** Items per page of ARM list operations before a `nextLink` is given. */
  readonly pageSize: number;
}
