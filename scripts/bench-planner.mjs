// Benchmark (not a test): the offline planner on a 90-day plan with 50 lines, as main computes it (Node), printing median and p95 beside the goal.
// Usage: npm run bench:planner   (goal: ≤ 50 ms; BENCH_RUNS=n for more samples)
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const GOAL_MS = 50;
const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-bench-planner-'));
const entry = path.join(dir, 'entry.ts');
const out = path.join(dir, 'planner.mjs');
await import('node:fs/promises').then((fs) =>
  fs.writeFile(entry, `export { planCosts } from ${JSON.stringify(path.join(root, 'shared/rules/planner.ts'))};\nexport { planSentences } from ${JSON.stringify(path.join(root, 'shared/rules/planner-text.ts'))};\nexport { defaultCatalog } from ${JSON.stringify(path.join(root, 'shared/catalog/index.ts'))};\n`),
);
await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error' });
const { planCosts, planSentences, defaultCatalog } = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

const DAY = 86_400_000;
const now = Date.parse('2026-11-26T10:00:00Z');
// a busy wallet: a weekly subscription, packs and bonuses expiring over the horizon, today's daily credits, some pinned by runs in progress
const grants = [{ id: 'sub', kind: 'subscription', amountMc: 2_000_000, remainingMc: 1_500_000, effectiveAtMs: now - 3 * DAY, expiresAtMs: now + 4 * DAY, priority: 0, paid: true, pinnedMc: 20_000 }];
for (let i = 0; i < 20; i++) grants.push({ id: `pack${i}`, kind: 'pack', amountMc: 200_000, remainingMc: 150_000, effectiveAtMs: now - 100 * DAY + i * DAY, expiresAtMs: now + (i + 1) * 5 * DAY, priority: 0, paid: true, pinnedMc: 0 });
for (let i = 0; i < 9; i++) grants.push({ id: `bonus${i}`, kind: 'bonus', amountMc: 50_000, remainingMc: 50_000, effectiveAtMs: now - DAY, expiresAtMs: i % 3 === 0 ? null : now + i * 9 * DAY, priority: 0, paid: false, pinnedMc: 0 });
const image = defaultCatalog.models.filter((m) => m.modality === 'image' && m.pricing.meter === 'image').map((m) => m.id);
const text = defaultCatalog.models.filter((m) => m.pricing.meter === 'tokens').map((m) => m.id);
const lines = Array.from({ length: 50 }, (_, i) => {
  const isText = i % 5 === 4;
  const modelId = isText ? text[i % text.length] : image[i % image.length];
  return { id: `l${i}`, request: { modelId, prompt: 'a lighthouse at dusk, oil on canvas' }, count: 30 + (i % 7) * 10, perDay: i % 3 === 0 ? undefined : 1 + (i % 4) };
});
const input = { catalog: defaultCatalog, planId: 'max', grants, nowMs: now, lines, horizonDays: 90 };

for (let i = 0; i < 5; i++) planCosts(input); // warm up
const times = [];
let result;
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  result = planCosts(input);
  planSentences(result, defaultCatalog);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
const runs = result.totals.runsFunded;
console.log(`planner: 90 days, 50 lines, ${grants.length} grants, ${runs} runs funded of ${result.totals.runsPlanned}, ${result.expiries.length} expiries, ${RUNS} samples`);
console.log(`  median ${q(0.5).toFixed(1)} ms   p95 ${q(0.95).toFixed(1)} ms   goal ≤ ${GOAL_MS} ms   ${q(0.95) <= GOAL_MS ? 'MET' : 'MISSED'}`);
