// Runs only move forward: an update behind the one held (a late answer after a streamed event) is dropped; equal ones apply again.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GENERATION_STATUSES } from '../../shared/api/index';
import { isSameOrNewerGeneration, type GenerationStamp } from '../../shared/api/generation-order';

const g = (status: GenerationStamp['status'], progressPct = 0, finishedAtMs: number | null = null, id = 'gen_1'): GenerationStamp => ({ id, status, progressPct, finishedAtMs });

describe('isSameOrNewerGeneration', () => {
  it('moves forward through the stages, never back', () => {
    expect(isSameOrNewerGeneration(g('running', 10), g('queued'))).toBe(true);
    expect(isSameOrNewerGeneration(g('succeeded', 100, 5), g('running', 90))).toBe(true);
    expect(isSameOrNewerGeneration(g('failed', 30, 5), g('running', 90))).toBe(true); // finishing is forward whatever the progress
    expect(isSameOrNewerGeneration(g('queued'), g('running', 10))).toBe(false); // the answer to the start, after the stream said running
    expect(isSameOrNewerGeneration(g('running', 100), g('succeeded', 100, 5))).toBe(false);
  });

  it('within a stage, by progress, then finish time', () => {
    expect(isSameOrNewerGeneration(g('running', 50), g('running', 40))).toBe(true);
    expect(isSameOrNewerGeneration(g('running', 40), g('running', 50))).toBe(false);
    expect(isSameOrNewerGeneration(g('succeeded', 100, 7), g('succeeded', 100, 5))).toBe(true);
    expect(isSameOrNewerGeneration(g('succeeded', 100, 5), g('succeeded', 100, 7))).toBe(false);
  });

  it('applies the same update again (idempotent), and never orders two different runs', () => {
    expect(isSameOrNewerGeneration(g('running', 40), g('running', 40))).toBe(true);
    expect(isSameOrNewerGeneration(g('succeeded', 100, 5, 'gen_2'), g('queued', 0, null, 'gen_1'))).toBe(false);
  });

  it('of two different updates of a run, exactly one may replace the other', () => {
    const stamp = fc.record({ id: fc.constant('gen_1'), status: fc.constantFrom(...GENERATION_STATUSES), progressPct: fc.integer({ min: 0, max: 100 }), finishedAtMs: fc.option(fc.nat(10), { nil: null }) });
    fc.assert(
      fc.property(stamp, stamp, (a, b) => {
        expect(isSameOrNewerGeneration(a, b) || isSameOrNewerGeneration(b, a)).toBe(true);
      }),
    );
  });
});
