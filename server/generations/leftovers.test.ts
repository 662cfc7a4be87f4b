// Crash leftovers: a restarted server removes the output folders of runs that never finished (and says so in the ledger), and keeps finished runs' outputs.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import { buildApp } from '../app';
import { acceptGeneration } from './service';
import { claimGeneration } from './leases';

/** the lease of an instance that crashed: it lapses almost at once */
const CRASHED = { ownerId: 'inst_crashed', leaseMs: 1 };
import { OUTPUTS_REMOVED_NOTE, removeLeftovers } from './leftovers';
import { outputDirOf } from './runner';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

/** A run left as a crash leaves it: accepted, held and marked running, with a partial file in its folder, and no runner behind it. */
async function crashedMidRun(s: TestServer, accountId: string, lease = CRASHED): Promise<string> {
  const db = s.database.db;
  const g = await db.transaction((tx) => acceptGeneration(tx, { catalog: defaultCatalog, now: () => s.clock.now(), engineFor: () => 'local', lease, retryAfterMs: () => 1_000 }, accountId, { request: { modelId: 'flux-schnell', prompt: 'cut short' }, approvedMc: 1_000_000 }));
  await db.transaction((tx) => claimGeneration(tx, g.id, lease, s.clock.now()));
  partialFile(s, accountId, g.id);
  return g.id;
}

function partialFile(s: TestServer, accountId: string, generationId: string): string {
  const dir = outputDirOf(s.outputsDir, accountId, generationId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'image-1.png.partial'), 'half an image');
  return dir;
}

describe.each(DRIVERS)('crash leftovers (%s)', (kind) => {
  let s: TestServer;
  let a: { accountId: string; token: string };
  beforeAll(async () => {
    s = await startServer(kind);
    a = await s.newAccount();
  });
  afterAll(async () => {
    await s.close();
  });

  const run = async (prompt: string) => {
    const r = await s.as(a.token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt }, approvedMc: 1_000_000 });
    expect(r.status).toBe(201);
    await s.credits.runner.idle();
    return (await s.as(a.token, 'GET', `/v1/generations/${r.body.id}`)).body as { id: string; status: string };
  };

  it('a restarted server removes the folders of failed, interrupted and unknown runs, notes it in the ledger, and keeps the rest', async () => {
    const done = await run('a finished cat');
    expect(done.status).toBe('succeeded');
    const doneDir = outputDirOf(s.outputsDir, a.accountId, done.id);
    const doneFiles = readdirSync(doneDir);
    expect(doneFiles.length).toBeGreaterThan(0);
    const failed = await run('a cat [fail]');
    expect(failed.status).toBe('failed');
    // the crash came after the refund and before the runner removed the folder
    const failedDir = partialFile(s, a.accountId, failed.id);
    const interrupted = await crashedMidRun(s, a.accountId);
    const orphanDir = partialFile(s, a.accountId, 'gen_noSuchRun123');
    const ghostDir = partialFile(s, 'ghost-account', 'gen_ghostRun456');
    const notOurs = path.join(s.outputsDir, a.accountId, 'notes');
    mkdirSync(notOurs, { recursive: true });

    // the restart: a second server on the same database and outputs folder
    const restarted = buildApp({ database: s.database, catalog: defaultCatalog, clock: s.clock, adminToken: s.adminToken, outputsDir: s.outputsDir });
    await restarted.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const report = await restarted.leftovers();
      expect(report?.removed.map((r) => `${r.folder} ${r.reason}`).sort()).toEqual(
        [`${a.accountId}/${failed.id} failed`, `${a.accountId}/${interrupted} failed`, `${a.accountId}/gen_noSuchRun123 no_run`, 'ghost-account/gen_ghostRun456 no_run'].sort(),
      );
      for (const dir of [failedDir, orphanDir, ghostDir, outputDirOf(s.outputsDir, a.accountId, interrupted)]) expect(existsSync(dir)).toBe(false);
      expect(existsSync(path.join(s.outputsDir, 'ghost-account'))).toBe(false);
      expect(readdirSync(doneDir)).toEqual(doneFiles);
      expect(existsSync(notOurs)).toBe(true);

      const ledger = (await s.as(a.token, 'GET', '/v1/ledger')).body.items as { kind: string; ref: string; details: Record<string, unknown> }[];
      for (const id of [failed.id, interrupted]) {
        expect(ledger.find((e) => e.kind === 'void' && e.ref === id)?.details).toMatchObject({ outputsNote: OUTPUTS_REMOVED_NOTE, outputsRemovedAtMs: expect.any(Number) });
      }
      expect(ledger.find((e) => e.kind === 'void' && e.ref === interrupted)?.details.reason).toBe('interrupted');
      expect(ledger.find((e) => e.ref === done.id && e.kind === 'capture')?.details.outputsNote).toBeUndefined();
    } finally {
      await restarted.app.close();
    }
  });

  it('leaves alone a run still running after the wait (another server may be running it)', async () => {
    const id = await crashedMidRun(s, a.accountId, { ownerId: 'inst_alive', leaseMs: 600_000 });
    const report = await removeLeftovers({ db: s.database.db, outputsDir: s.outputsDir, clock: s.clock, waitMs: 300 });
    expect(report.stillRunning).toEqual([`${a.accountId}/${id}`]);
    expect(report.removed).toEqual([]);
    expect(existsSync(outputDirOf(s.outputsDir, a.accountId, id))).toBe(true);
  });
});
