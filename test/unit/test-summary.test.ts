// The npm test summary counts a failed step that no failed test accounts for, so it never reads "0 failed" beside a failure.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { E2E_STEP, summarize, VITEST_STEP } from '../../scripts/test-summary.mjs';

describe('npm test summary', () => {
  it('adds up the runners when every step passed', () => {
    const steps = [{ name: 'lint', ok: true }, { name: VITEST_STEP, ok: true }, { name: E2E_STEP, ok: true }];
    expect(summarize(steps, { [VITEST_STEP]: { passed: 10, failed: 0, skipped: 1 }, [E2E_STEP]: { passed: 5, failed: 0, skipped: 1 } })).toEqual({ passed: 15, failed: 0, skipped: 2 });
  });
  it('a vitest step that failed on uncaught errors with every test passed counts one failure', () => {
    const steps = [{ name: VITEST_STEP, ok: false }];
    expect(summarize(steps, { [VITEST_STEP]: { passed: 10, failed: 0, skipped: 0 } }).failed).toBe(1);
  });
  it('failed tests are counted once, not again for their step', () => {
    const steps = [{ name: VITEST_STEP, ok: false }];
    expect(summarize(steps, { [VITEST_STEP]: { passed: 8, failed: 2, skipped: 0 } }).failed).toBe(2);
  });
  it('a failed lint, a failed build and a missing report each count', () => {
    const steps = [{ name: 'lint', ok: false }, { name: 'build', ok: false }, { name: VITEST_STEP, ok: false }];
    expect(summarize(steps, { [VITEST_STEP]: null }).failed).toBe(3);
  });
});
