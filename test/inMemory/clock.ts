/** A clock a test moves by hand: use cases and the Table repositories read time from it. */
export class ManualClock {
  #now: number;

  constructor(start = '2026-12-04T09:00:00.000Z') {
    this.#now = Date.parse(start);
  }

  readonly now = (): Date => new Date(this.#now);

  advance(ms: number): void {
    this.#now += ms;
  }
}
