// Run progress as shown: smooth with time left when the engine estimated the finish, its own steps otherwise, else "Working…".
import { describe, expect, it } from 'vitest';
import { progressOf, timeLeftText } from '../../renderer/src/features/generate/RunCard';

describe('run progress', () => {
  const start = 1_000_000;
  it('moves smoothly with the time left when the engine said when it should finish', () => {
    const run = { status: 'running' as const, progressPct: 0, startedAtMs: start, expectedFinishMs: start + 10_000 };
    expect(progressOf(run, start + 2_500)).toEqual({ pct: 25, label: '25% · about 8 s left' });
    expect(progressOf(run, start + 5_000).pct).toBe(50);
    // never 100 before the run is done, and never behind what the engine reported
    expect(progressOf(run, start + 60_000)).toEqual({ pct: 99, label: '99% · finishing' });
    expect(progressOf({ ...run, progressPct: 70 }, start + 1_000).pct).toBe(70);
  });

  it('is an honest "working" without an estimate, and uses the engine\'s own steps when it reports some', () => {
    expect(progressOf({ status: 'running', progressPct: 0, startedAtMs: start, expectedFinishMs: undefined }, start + 5_000)).toEqual({ pct: null, label: 'Working…' });
    expect(progressOf({ status: 'running', progressPct: 25, startedAtMs: start, expectedFinishMs: undefined }, start + 5_000)).toEqual({ pct: 25, label: '25% · working…' });
    expect(progressOf({ status: 'queued', progressPct: 0, startedAtMs: null, expectedFinishMs: undefined }, start).label).toBe('Waiting to start');
    expect(timeLeftText(150_000)).toBe('about 3 min left');
  });
});
