// Time comes from a Clock so tests can move it (token expiry, fetch windows, scheduled tasks).
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told: for tests and replays. */
export class ManualClock implements Clock {
  constructor(private t: number = Date.parse('2026-01-01T00:00:00.000Z')) {}
  now(): number {
    return this.t;
  }
  set(epochMs: number): void {
    this.t = epochMs;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
