// The server's clock: the system clock, or a test clock that an admin route can set and advance (for resets and expiry tests).
export interface Clock {
  now(): number;
  readonly adjustable: boolean;
  /**
   * Work that must follow at once when the clock is moved (a schedule's pass: renewals, expiries, deadlines), in the order added;
   * answers the function that removes it. The system clock never jumps: it keeps nothing.
   */
  onMoved(pass: () => Promise<void>): () => void;
}

export const systemClock: Clock = { now: () => Date.now(), adjustable: false, onMoved: () => () => {} };

/** A clock that runs with real time from a chosen start, and can be moved forward (never back) by the admin route. */
export class TestClock implements Clock {
  readonly adjustable = true;
  private offsetMs: number;
  private readonly passes = new Set<() => Promise<void>>();
  constructor(startMs: number = Date.now()) {
    this.offsetMs = startMs - Date.now();
  }
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): number {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('the test clock only moves forward by a whole number of ms');
    this.offsetMs += ms;
    return this.now();
  }
  set(ms: number): number {
    const now = this.now();
    if (ms < now) throw new RangeError('the test clock cannot go back in time');
    return this.advance(ms - now);
  }
  onMoved(pass: () => Promise<void>): () => void {
    this.passes.add(pass);
    return () => this.passes.delete(pass);
  }
  /** Runs every pass added with onMoved, one after another in the order added (after the admin route moved the clock). */
  async afterMove(): Promise<void> {
    for (const pass of [...this.passes]) await pass();
  }
}
