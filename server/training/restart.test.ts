// A server restart mid-job: an allowance job resumes from its checkpoint and finishes; one whose images are gone fails and gives its unit back; a credit job fails and is refunded.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { defaultCatalog } from '../../shared/catalog/index';
import { trainingSchema, walletSchema, type Training } from '../../shared/api/index';
import { buildApp, type CreditsApp } from '../app';
import { TestClock } from '../clock';
import type { Database } from '../db/open';
import { DRIVERS, freshDatabase, idemKey } from '../../test/server/helpers';
import { allowanceEntries } from './allowance';

const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(500)]).toString('base64');

describe.each(DRIVERS)('training across a restart on %s', (driver) => {
  let database: Database;
  let drop: () => Promise<void>;
  const outputsDir = mkdtempSync(path.join(os.tmpdir(), 'credits-restart-'));
  const trainingsDir = `${outputsDir}-trainings`;
  const clock = new TestClock(Date.parse('2026-11-24T12:00:00Z'));
  const adminToken = `admin-${randomBytes(6).toString('hex')}`;
  let app: CreditsApp;
  let url: string;

  // speed 150: a 2-image job runs about 8.5 s, long enough to stop it in the middle
  const start = async () => {
    app = buildApp({ database, catalog: defaultCatalog, clock, adminToken, outputsDir, trainingsDir, trainingSpeed: 150, leaseMs: 6_000, heartbeatIntervalMs: 500, sweepIntervalMs: 300 });
    url = await app.app.listen({ host: '127.0.0.1', port: 0 });
  };
  const call = async (token: string, method: string, route: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = idemKey();
    const r = await fetch(`${url}${route}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const training = async (token: string, id: string): Promise<Training> => trainingSchema.parse((await call(token, 'GET', `/v1/trainings/${id}`)).body);
  const until = async (token: string, id: string, ok: (t: Training) => boolean, timeoutMs = 60_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const t = await training(token, id);
      if (ok(t)) return t;
      if (Date.now() > end) throw new Error(`training ${id}: ${t.status} ${t.progressPct}% ${JSON.stringify(t.error)} ${t.funding}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    ({ database, drop } = await freshDatabase(driver));
    await start();
  });
  afterAll(async () => {
    await app.app.close();
    await drop();
    rmSync(outputsDir, { recursive: true, force: true });
    rmSync(trainingsDir, { recursive: true, force: true });
  });

  it('resumes an allowance job from its checkpoint, fails one whose images are gone (unit back), refunds a credit job', { timeout: 120_000 }, async () => {
    const accounts = [];
    for (const name of ['resume', 'lost', 'paid']) accounts.push((await call(adminToken, 'POST', '/admin/accounts', { displayName: name, planId: 'pro' })).body as { accountId: string; token: string });
    const [resume, lost, paid] = accounts as [{ accountId: string; token: string }, { accountId: string; token: string }, { accountId: string; token: string }];
    await call(adminToken, 'POST', `/admin/accounts/${paid.accountId}/grants`, { credits: '50', kind: 'pack' });
    const a = (await call(resume.token, 'POST', '/v1/trainings', { name: 'resumed', images: [{ dataBase64: png() }, { dataBase64: png() }] })).body as Training;
    const b = (await call(lost.token, 'POST', '/v1/trainings', { name: 'lost', images: [{ dataBase64: png() }, { dataBase64: png() }] })).body as Training;
    const c = (await call(paid.token, 'POST', '/v1/trainings', { name: 'paid', images: [{ dataBase64: png() }], modelId: 'ai-photos-train', approvedMc: 4_000 })).body as Training;
    const before = await until(resume.token, a.id, (t) => t.progressPct >= 15);
    await until(lost.token, b.id, (t) => t.progressPct >= 5);
    expect((await training(paid.token, c.id)).status).toBe('queued'); // two jobs run at a time: this one waits, its credits held

    await app.app.close();
    const stopped = await training(resume.token, a.id).catch(() => null);
    expect(stopped).toBeNull(); // the server is down
    rmSync(path.join(trainingsDir, lost.accountId, b.id, 'images'), { recursive: true, force: true });
    await start();

    const resumed = await until(resume.token, a.id, (t) => t.status === 'running' && t.progressPct > 0);
    expect(resumed.progressPct).toBeGreaterThanOrEqual(before.progressPct); // from the checkpoint, not from 0
    const done = await until(resume.token, a.id, (t) => t.status === 'succeeded');
    expect(done.model?.file).toBe('model.safetensors');
    expect(walletSchema.parse((await call(resume.token, 'GET', '/v1/wallet')).body).training).toMatchObject({ used: 1, left: 0 });

    const failed = await until(lost.token, b.id, (t) => t.status === 'failed');
    expect(failed.error?.code).toBe('training_failed');
    expect(walletSchema.parse((await call(lost.token, 'GET', '/v1/wallet')).body).training).toMatchObject({ used: 0, left: 1 });
    expect((await allowanceEntries(database.db, lost.accountId)).map((e) => e.kind)).toEqual(['use', 'return']);

    const refunded = await until(paid.token, c.id, (t) => t.status === 'failed');
    expect(refunded.error?.code).toMatch(/interrupted/);
    const gen = (await call(paid.token, 'GET', `/v1/generations/${c.generationId}`)).body;
    expect(gen).toMatchObject({ status: 'failed', chargedMc: 0, refundedMc: 4_000 });
    expect(walletSchema.parse((await call(paid.token, 'GET', '/v1/wallet')).body)).toMatchObject({ availableMc: 50_000, heldMc: 0 });
  });
});
