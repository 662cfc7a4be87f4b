// The server's clock: the system clock, or a test clock that an admin route can set and advance (for resets and expiry tests).
export interface Clock {
  now(): number;
  readonly adjustable: boolean;
}

export const systemClock: Clock = { now: () => Date.now(), adjustable: false };

/** A clock that runs with real time from a chosen start, and can be moved forward (never back) by the admin route. */
export class TestClock implements Clock {
  readonly adjustable = true;
  private offsetMs: number;
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
}
