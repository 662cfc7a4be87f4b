// Developer tool: fills a stopped server's database with a large, realistic ledger for one account (history and benchmark tests).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../db/open';

const MODELS = [
  ['flux-schnell', 'FLUX.1 Schnell', 1_000],
  ['flux-dev', 'FLUX.1 Dev', 4_000],
  ['seedance-1-lite', 'Seedance 1 Lite', 29_400],
  ['gpt-4o', 'GPT-4o', 7_000],
  ['suno-ai-bark', 'Bark', 10_000],
] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, account: { type: 'string' }, entries: { type: 'string' }, 'days-back': { type: 'string' } }, strict: true });
  const account = values.account ?? 'local';
  const n = Number(values.entries ?? '100000');
  const daysBack = Number(values['days-back'] ?? '30');
  if (!Number.isInteger(n) || n < 1 || n > 2_000_000) throw new Error('--entries must be 1..2000000');
  const database = await openDatabase({
    databaseUrl: values['database-url'] ?? process.env.DATABASE_URL,
    dataDir: path.resolve(values['data-dir'] ?? '.data/server'),
    migrationsDir: process.env.CREDITS_MIGRATIONS_DIR ?? path.join(__dirname, 'migrations'),
  });
  try {
    const now = Date.now();
    const models = MODELS.map((m, i) => `(${i}, '${m[0]}', '${m[1]}', ${m[2]})`).join(',');
    // Every 25th entry is a bonus grant; the 24 between are 12 synthetic runs, each a hold then its capture (same run id, model and
    // prompt), as the server writes them. Times spread evenly over the last days.
    await database.db.execute(sql.raw(`
      WITH m(i, id, label, cost) AS (VALUES ${models}),
      s AS (SELECT g, (g % 25) AS b, (g / 25) * 12 + ((g % 25) - 1) / 2 + 1 AS run, ${now} - ((${n} - g)::bigint * ${daysBack * 86_400_000} / ${n}) AS at FROM generate_series(1, ${n}) AS g)
      INSERT INTO ledger_entries (account_id, kind, amount_mc, grant_id, ref, at_ms, details)
      SELECT '${account}',
        CASE WHEN s.b = 0 THEN 'grant' WHEN s.b % 2 = 0 THEN 'capture' ELSE 'hold' END,
        CASE WHEN s.b = 0 THEN 5000 WHEN s.b % 2 = 0 THEN -m.cost ELSE 0 END,
        NULL,
        CASE WHEN s.b = 0 THEN 'seed-' || s.g ELSE 'gen_seed' || s.run END, s.at,
        CASE WHEN s.b = 0 THEN jsonb_build_object('grantKind', 'bonus', 'note', 'Seeded bonus ' || s.g, 'synthetic', true)
             WHEN s.b % 2 = 1 THEN jsonb_build_object('generationId', 'gen_seed' || s.run, 'label', m.label, 'modelId', m.id, 'prompt', 'seeded prompt number ' || s.run,
                                     'heldMc', m.cost, 'estimateMaxMc', m.cost, 'synthetic', true,
                                     'pins', jsonb_build_array(jsonb_build_object('grantId', 'seed-bonus', 'amountMc', m.cost, 'kind', 'bonus')))
             ELSE jsonb_build_object('generationId', 'gen_seed' || s.run, 'label', m.label, 'modelId', m.id, 'prompt', 'seeded prompt number ' || s.run,
                                     'heldMc', m.cost, 'estimateMaxMc', m.cost, 'finalMc', m.cost, 'outputCount', 1, 'commercialUse', false, 'synthetic', true,
                                     'funding', jsonb_build_array(jsonb_build_object('grantId', 'seed-bonus', 'kind', 'bonus', 'amountMc', m.cost, 'paid', false))) END
      FROM s JOIN m ON m.i = s.run % 5`));
    process.stdout.write(`seeded ${n} ledger entries for ${account}\n`);
  } finally {
    await database.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`seed failed: ${(e as Error).message}\n`);
  process.exit(1);
});
