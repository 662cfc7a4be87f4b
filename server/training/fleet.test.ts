// Training shared by three instances on one PostgreSQL and one S3 store: started on A, its progress reaches a stream on C; A is killed, B resumes it from its checkpoint; its model is read from C.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { defaultCatalog } from '../../shared/catalog/index';
import { trainingSchema, walletSchema, type Training } from '../../shared/api/index';
import { buildApp, type CreditsApp } from '../app';
import { TestClock } from '../clock';
import { openDatabase, type Database } from '../db/open';
import { trainings } from '../db/schema';
import { readObject } from '../storage/object-store';
import { freshDatabase, MIGRATIONS_DIR, PG_URL } from '../../test/server/helpers';
import { callAs, openEventStream, type SseEvent } from '../../test/server/fleet-calls';
import { startLocalS3, type LocalS3 } from '../../test/server/s3';
import { images } from '../../test/server/training-images';

interface Instance {
  name: string;
  credits: CreditsApp;
  url: string;
  database: Database;
}

/** The training events an account's stream on an instance delivers, kept as they arrive, and a wait for the next that matches. */
async function trainingStream(inst: Instance, token: string) {
  const stream = await openEventStream(inst.url, token);
  const trainingOf = (e: SseEvent): Training | null => (e.event === 'training' ? trainingSchema.parse(e.data.training) : null);
  return {
    get seen(): Training[] {
      return stream.seen.map(trainingOf).filter((t): t is Training => t !== null);
    },
    next: async (ok: (t: Training) => boolean) => trainingOf(await stream.until((e) => (trainingOf(e) ? ok(trainingOf(e)!) : false), TRAINING_EVENT_WAIT_MS))!,
    close: stream.close,
  };
}

/** a training's steps come at the trainer's pace, and a resume after a kill waits for the lease to lapse */
const TRAINING_EVENT_WAIT_MS = 90_000;

describe.skipIf(!PG_URL)('training shared by three instances on one PostgreSQL and one S3 store (skipped without TEST_DATABASE_URL)', () => {
  let shared: { database: Database; drop: () => Promise<void> };
  let s3: LocalS3;
  const fleet: Instance[] = [];
  const adminToken = `admin-${randomBytes(8).toString('hex')}`;
  const clock = new TestClock(Date.parse('2026-11-22T12:00:00Z'));

  /** An instance on the shared database and bucket; `adopts` false: it never takes over others' jobs (it serves streams and files only). */
  async function startInstance(name: string, adopts: boolean): Promise<Instance> {
    const database = await openDatabase({ databaseUrl: shared.database.connectionString!, migrationsDir: MIGRATIONS_DIR, maxConnections: 4 });
    const credits = buildApp({
      database, catalog: defaultCatalog, clock, adminToken, instanceId: `inst_${name}`, storage: s3.store({ keyPrefix: 'trainings' }),
      outputsDir: mkdtempSync(path.join(os.tmpdir(), `credits-trn-fleet-${name}-`)), trainingSpeed: 150,
      leaseMs: 1_000, heartbeatIntervalMs: 200, sweepIntervalMs: adopts ? 200 : 600_000,
    });
    return { name, credits, url: await credits.app.listen({ host: '127.0.0.1', port: 0 }), database };
  }

  const call = (inst: Instance, token: string, method: string, route: string, body?: unknown) => callAs(inst.url, token, method, route, body);

  beforeAll(async () => {
    shared = await freshDatabase('postgres', 2);
    s3 = await startLocalS3();
    fleet.push(await startInstance('a', true), await startInstance('b', true), await startInstance('c', false));
  });
  afterAll(async () => {
    for (const i of fleet) await i.credits.app.close().catch(() => undefined);
    for (const i of fleet) await i.database.close().catch(() => undefined);
    await shared.drop();
    await s3.close();
  });

  it('started on A, its progress reaches C; A killed mid-job, B resumes it from its checkpoint; C serves its model', { timeout: 90_000 }, async () => {
    const [A, , C] = fleet as [Instance, Instance, Instance];
    const account = (await call(A, adminToken, 'POST', '/admin/accounts', { displayName: 'Ada', planId: 'pro' })).body as { accountId: string; token: string };
    const onC = await trainingStream(C, account.token);
    const started = await call(A, account.token, 'POST', '/v1/trainings', { name: 'fleet', images: images(2) });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id as string;

    // A runs it (it accepted it under its own lease) and C's stream sees its steps
    const before = await onC.next((t) => t.id === id && t.status === 'running' && t.progressPct >= 10);
    expect((await shared.database.db.select().from(trainings).where(eq(trainings.id, id)))[0]!.ownerId).toBe('inst_a');

    // A dies without giving anything back: its database first (nothing it does reaches it any more), then the rest of it
    await A.database.close();
    await A.credits.app.close();
    const seenAtDeath = onC.seen.length;
    const [atDeath] = await shared.database.db.select().from(trainings).where(eq(trainings.id, id));
    expect(atDeath!.ownerId).toBe('inst_a');
    const stepAtDeath = atDeath!.step;
    expect(stepAtDeath).toBeGreaterThanOrEqual(before.progressPct);

    // B takes it over once A's lease lapses, from A's last checkpoint in the bucket (not from 0); C's stream sees it through
    const resumed = await onC.next((t) => t.id === id && t.status === 'running' && t.progressPct > stepAtDeath);
    expect((await shared.database.db.select().from(trainings).where(eq(trainings.id, id)))[0]!.ownerId).toBe('inst_b');
    expect(resumed.progressPct).toBe(stepAtDeath + 1);
    const done = await onC.next((t) => t.id === id && t.status === 'succeeded');
    // had B started over, its first steps (1, 2, …) would have been seen after A's death
    const afterDeath = onC.seen.slice(seenAtDeath).filter((t) => t.id === id && t.status === 'running');
    expect(Math.min(...afterDeath.map((t) => t.progressPct))).toBeGreaterThanOrEqual(stepAtDeath);
    expect(done.model).toMatchObject({ id: `lora:${id}`, file: 'model.safetensors' });
    onC.close();

    // the model, from C (which never ran it), is the file B wrote to the bucket; the images and checkpoints are gone
    const res = await fetch(`${C.url}/v1/trainings/${id}/model`, { headers: { authorization: `Bearer ${account.token}` } });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(done.model!.bytes);
    expect(bytes.equals((await readObject(s3.store(), `trainings/${account.accountId}/${id}/model.safetensors`, 1 << 20))!)).toBe(true);
    expect(JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()).lora_A).toMatchObject({ dtype: 'F32', shape: [4, 64] });
    await expect.poll(async () => (await s3.store().list(`trainings/${account.accountId}/${id}/`, 100)).map((o) => o.key.split('/').slice(2).join('/'))).toEqual([`${id}/model.safetensors`]);
    expect(walletSchema.parse((await call(C, account.token, 'GET', '/v1/wallet')).body).training).toMatchObject({ used: 1, left: 0 });
  });
});
