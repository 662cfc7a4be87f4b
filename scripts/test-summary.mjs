// The one summary line of `npm test`: tests counted by the runners, plus every failed step that no failed test accounts for.
export const VITEST_STEP = 'unit, server, main and renderer tests';
export const E2E_STEP = 'end-to-end tests (Chromium, browser mode)';

/**
 * steps: [{ name, ok }]; counts: step name → { passed, failed, skipped } read from that runner's report, or null when the
 * report is missing. A step that failed without a failed test to show for it (lint, types, build, a runner's uncaught
 * errors, a missing report) is one failure of its own, so the line never reads "0 failed" beside a failed step.
 */
export function summarize(steps, counts) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const c of Object.values(counts)) {
    if (!c) continue;
    passed += c.passed;
    failed += c.failed;
    skipped += c.skipped;
  }
  for (const s of steps) {
    if (s.ok) continue;
    const c = counts[s.name];
    if (!c || c.failed === 0) failed++;
  }
  return { passed, failed, skipped };
}
