// Training on PGlite and PostgreSQL: allowance per plan and period, use and return entries, concurrent starts, bad images, credits held like a run, progress, the model file.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingSchema, walletSchema, type Training } from '../../shared/api/index';
import { TRAINING_MAX_IMAGE_BYTES } from '../../shared/rules/training';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import { fakeImage, images } from '../../test/server/training-images';
import { allowanceEntries } from './allowance';

export async function waitForTraining(s: TestServer, token: string, id: string, until: (t: Training) => boolean, timeoutMs = 60_000): Promise<Training> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = trainingSchema.parse((await s.as(token, 'GET', `/v1/trainings/${id}`)).body);
    if (until(t)) return t;
    if (Date.now() > end) throw new Error(`training ${id} still ${t.status} at ${t.progressPct}%`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const wallet = async (s: TestServer, token: string) => walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
// 2026-11-22 is a Sunday: the week ends Monday 23 November 00:00 UTC
const MONDAY = Date.parse('2026-11-23T00:00:00Z');

describe.each(DRIVERS)('training on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver, { trainingSpeed: 1_000, maxConnections: 30 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('Free has no training: training_not_in_plan, nothing recorded', async () => {
    const { accountId, token } = await s.newAccount('free');
    const r = await s.as(token, 'POST', '/v1/trainings', { name: 'me', images: images(2) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('training_not_in_plan');
    expect((await wallet(s, token)).training).toEqual({ period: null, allowance: 0, used: 0, left: 0, renewsAtMs: null });
    expect(await allowanceEntries(s.database.db, accountId)).toEqual([]);
    expect((await s.as(token, 'GET', '/v1/trainings')).body.items).toEqual([]);
  });

  it('Pro: one a week; the second is refused naming Monday; the job runs to a model file; the next week has one again', async () => {
    const { accountId, token } = await s.newAccount('pro');
    expect((await wallet(s, token)).training).toEqual({ period: 'weekly', allowance: 1, used: 0, left: 1, renewsAtMs: MONDAY });
    const r = await s.as(token, 'POST', '/v1/trainings', { name: 'My face', images: images(3) });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'queued', funding: 'allowance', imageCount: 3, generationId: null });
    expect((await wallet(s, token)).training).toMatchObject({ used: 1, left: 0, renewsAtMs: MONDAY });
    const second = await s.as(token, 'POST', '/v1/trainings', { name: 'again', images: images(1) });
    expect(second.status).toBe(403);
    expect(second.body.error).toMatchObject({ code: 'training_allowance_exhausted', details: { used: 1, allowance: 1, period: 'weekly', renewsAtMs: MONDAY } });
    expect(second.body.error.message).toContain('2026-11-23T00:00:00Z');

    const done = await waitForTraining(s, token, r.body.id, (t) => t.status === 'succeeded');
    expect(done).toMatchObject({ progressPct: 100, stage: 'done', timeLeftMs: null, error: null });
    expect(done.model).toMatchObject({ id: `lora:${r.body.id}`, name: 'My face', file: 'model.safetensors' });
    expect((await s.as(token, 'GET', '/v1/models')).body.items).toEqual([done.model]);
    const file = await fetch(`${s.url}/v1/trainings/${r.body.id}/model`, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.length).toBe(done.model!.bytes);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    expect(header.lora_A).toMatchObject({ dtype: 'F32', shape: [4, 64] });
    expect((await wallet(s, token)).training).toMatchObject({ used: 1, left: 0 }); // a success keeps its unit

    const other = await s.newAccount('pro');
    expect((await s.as(other.token, 'GET', `/v1/trainings/${r.body.id}`)).status).toBe(404);
    expect((await s.as(other.token, 'POST', `/v1/trainings/${r.body.id}/cancel`, {})).status).toBe(404);
    expect((await fetch(`${s.url}/v1/trainings/${r.body.id}/model`, { headers: { authorization: `Bearer ${other.token}` } })).status).toBe(404);

    s.clock.set(Math.max(s.clock.now(), MONDAY + 1_000));
    expect((await wallet(s, token)).training).toEqual({ period: 'weekly', allowance: 1, used: 0, left: 1, renewsAtMs: MONDAY + 7 * 86_400_000 });
    expect((await allowanceEntries(s.database.db, accountId)).map((e) => [e.kind, e.units])).toEqual([['use', 1]]);
  });

  it('Starter: two a year counted from the account start, no rollover', async () => {
    const { token } = await s.newAccount('starter');
    const w = await wallet(s, token);
    expect(w.training).toMatchObject({ period: 'yearly', allowance: 2, used: 0, left: 2 });
    expect(w.training!.renewsAtMs).toBeGreaterThan(s.clock.now() + 364 * 86_400_000);
    for (let i = 0; i < 2; i++) expect((await s.as(token, 'POST', '/v1/trainings', { name: `m${i}`, images: images(1) })).status).toBe(201);
    const third = await s.as(token, 'POST', '/v1/trainings', { name: 'm3', images: images(1) });
    expect(third.body.error).toMatchObject({ code: 'training_allowance_exhausted', details: { period: 'yearly', renewsAtMs: w.training!.renewsAtMs } });
    await s.credits.trainer.idle();
  });

  it('a canceled job gives its unit back, once; the use and the return are both recorded', async () => {
    const { accountId, token } = await s.newAccount('pro');
    const r = await s.as(token, 'POST', '/v1/trainings', { name: 'cancel me', images: images(30) });
    expect(r.status).toBe(201);
    const c = await s.as(token, 'POST', `/v1/trainings/${r.body.id}/cancel`, {});
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ status: 'canceled', error: { code: 'canceled' } });
    expect((await s.as(token, 'POST', `/v1/trainings/${r.body.id}/cancel`, {})).body.status).toBe('canceled');
    expect((await wallet(s, token)).training).toMatchObject({ used: 0, left: 1 });
    expect((await allowanceEntries(s.database.db, accountId)).map((e) => [e.kind, e.units])).toEqual([['use', 1], ['return', -1]]);
    await s.credits.trainer.idle();
    expect((await s.as(token, 'GET', `/v1/trainings/${r.body.id}`)).body.status).toBe('canceled');
  });

  it('bad images are refused with their own codes, and nothing is used', async () => {
    const { accountId, token } = await s.newAccount('pro');
    const post = (imgs: unknown) => s.as(token, 'POST', '/v1/trainings', { name: 'bad', images: imgs });
    const gif = Buffer.concat([Buffer.from('GIF89a'), randomBytes(100)]).toString('base64');
    const cases: [unknown, number, string][] = [
      [[], 400, 'training_images_missing'],
      [images(31), 400, 'training_too_many_images'],
      [images(65), 400, 'invalid_request'],
      [[{ fileName: 'x.png', dataBase64: gif }], 400, 'training_image_unsupported'],
      [[{ fileName: 'x.png', dataBase64: Buffer.from('hello, I am a text file pretending').toString('base64') }], 400, 'training_image_unsupported'],
      [[{ dataBase64: '' }], 400, 'training_image_empty'],
      [[{ dataBase64: 'not base64!' }], 400, 'training_image_invalid'],
      [[{ dataBase64: fakeImage('png', TRAINING_MAX_IMAGE_BYTES) }], 400, 'training_image_too_large'],
    ];
    const dup = fakeImage('jpeg');
    cases.push([[{ dataBase64: dup }, { dataBase64: fakeImage('png') }, { dataBase64: dup }], 400, 'training_image_duplicate']);
    for (const [imgs, status, code] of cases) {
      const r = await post(imgs);
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    const seven = Array.from({ length: 7 }, () => ({ dataBase64: fakeImage('png', Math.floor(TRAINING_MAX_IMAGE_BYTES * 0.9)) }));
    expect((await post(seven)).body.error.code).toBe('training_job_too_large');
    expect((await wallet(s, token)).training).toMatchObject({ used: 0, left: 1 });
    expect(await allowanceEntries(s.database.db, accountId)).toEqual([]);
    expect((await s.as(token, 'GET', '/v1/trainings')).body.items).toEqual([]);
  });

  it('concurrent starts never use more than the allowance', async () => {
    const { accountId, token } = await s.newAccount('ultra'); // 5 a week
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => s.as(token, 'POST', '/v1/trainings', { name: `race ${i}`, images: images(1) })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status !== 201).every((r) => r.status === 403 && r.body.error.code === 'training_allowance_exhausted')).toBe(true);
    expect((await allowanceEntries(s.database.db, accountId)).filter((e) => e.kind === 'use')).toHaveLength(5);
    await s.credits.trainer.idle();
  });

  it('a replayed start (same Idempotency-Key) answers the first job and uses nothing more', async () => {
    const { token } = await s.newAccount('max');
    const body = JSON.stringify({ name: 'once', images: images(2) });
    const send = () => fetch(`${s.url}/v1/trainings`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'train-once-123' }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string }, replayed: r.headers.get('idempotent-replayed') }));
    const a = await send();
    const b = await send();
    expect(a.status).toBe(201);
    expect(b).toMatchObject({ status: 201, replayed: 'true', body: { id: a.body.id } });
    expect((await wallet(s, token)).training).toMatchObject({ used: 1, left: 9 });
    await s.credits.trainer.idle();
  });

  it('training sold for credits is estimated, held and settled like a run', async () => {
    const { accountId, token } = await s.newAccount('pro');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '100', kind: 'pack' });
    const refused = await s.as(token, 'POST', '/v1/trainings', { name: 'c', images: images(5), modelId: 'ai-photos-train', approvedMc: 1_000 });
    expect(refused.body.error.code).toBe('price_changed');
    expect((await s.as(token, 'POST', '/v1/trainings', { name: 'c', images: images(5), modelId: 'flux-schnell', approvedMc: 1_000 })).body.error.code).toBe('not_a_training_model');
    const r = await s.as(token, 'POST', '/v1/trainings', { name: 'paid', images: images(5), modelId: 'ai-photos-train', approvedMc: 20_000 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ funding: 'credits', generationId: expect.stringMatching(/^gen_/) });
    expect((await wallet(s, token)).heldMc).toBe(20_000);
    await waitForTraining(s, token, r.body.id, (t) => t.status === 'succeeded');
    const g = (await s.as(token, 'GET', `/v1/generations/${r.body.generationId}`)).body;
    expect(g).toMatchObject({ status: 'succeeded', chargedMc: 20_000, finalMc: 20_000, funding: [expect.objectContaining({ kind: 'pack', amountMc: 20_000 })] });
    const w = await wallet(s, token);
    expect(w).toMatchObject({ availableMc: 80_000, heldMc: 0 });
    expect(w.training).toMatchObject({ used: 0, left: 1 }); // credits, not the allowance
  });

  it('reports progress on the live stream at every percent', async () => {
    const { token } = await s.newAccount('pro');
    const controller = new AbortController();
    const res = await fetch(`${s.url}/v1/wallet/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const reader = res.body!.getReader();
    const r = await s.as(token, 'POST', '/v1/trainings', { name: 'watched', images: images(2) });
    const seen = new Set<number>();
    let text = '';
    const decoder = new TextDecoder();
    for (let status = ''; status !== 'succeeded'; ) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let i;
      while ((i = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, i);
        text = text.slice(i + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!block.startsWith('event: training') || !data) continue;
        const t = trainingSchema.parse(JSON.parse(data.slice(6)).training);
        if (t.id !== r.body.id) continue;
        seen.add(t.progressPct);
        status = t.status;
        if (t.status === 'running' && t.progressPct > 0) expect(t.timeLeftMs).toBeGreaterThanOrEqual(0);
      }
    }
    controller.abort();
    for (let p = 1; p <= 99; p++) expect(seen.has(p), `${p}%`).toBe(true);
    expect(seen.has(100)).toBe(true);
  });

  it('a finished model can be chosen for generation where the catalog takes custom models, by its owner only', async () => {
    const { accountId, token } = await s.newAccount('max');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '50', kind: 'bonus' });
    const r = await s.as(token, 'POST', '/v1/trainings', { name: 'style', images: images(2) });
    const done = await waitForTraining(s, token, r.body.id, (t) => t.status === 'succeeded');
    const gen = (modelId: string, customModelId: string, tok = token) => s.as(tok, 'POST', '/v1/generations', { request: { modelId, prompt: 'in my style', customModelId }, approvedMc: 50_000 });
    const ok = await gen('flux-schnell', done.model!.id);
    expect(ok.status).toBe(201);
    expect(ok.body.request.customModelId).toBe(done.model!.id);
    expect((await gen('imagen-4', done.model!.id)).body.error).toMatchObject({ code: 'invalid_request' });
    expect((await gen('flux-schnell', 'lora:trn_nope')).body.error.code).toBe('unknown_custom_model');
    const other = await s.newAccount('max');
    await s.admin('POST', `/admin/accounts/${other.accountId}/grants`, { credits: '50', kind: 'bonus' });
    expect((await gen('flux-schnell', done.model!.id, other.token)).body.error.code).toBe('unknown_custom_model');
    // an estimate answers what the generation route answers: the owner's model is allowed, anyone else's is refused as unknown
    const est = (customModelId: string, tok: string) => s.as(tok, 'POST', '/v1/estimates', { request: { modelId: 'flux-schnell', prompt: 'in my style', customModelId } });
    expect((await est(done.model!.id, token)).body).toMatchObject({ allowed: true, refusal: null });
    for (const [id, tok] of [[done.model!.id, other.token], ['lora:trn_nope', token]] as const) {
      const e = await est(id, tok);
      expect(e.status).toBe(200);
      expect(e.body).toMatchObject({ allowed: false, refusal: { status: 404, code: 'unknown_custom_model' } });
    }
    await s.credits.runner.idle();
  });

  it('stores the images by content type and removes them once the model is made', async () => {
    const { token } = await s.newAccount('pro');
    const r = await s.as(token, 'POST', '/v1/trainings', { name: 'files', images: images(1) });
    const done = await waitForTraining(s, token, r.body.id, (t) => t.status === 'succeeded');
    const dir = path.join(`${s.outputsDir}-trainings`, (await wallet(s, token)).accountId, done.id);
    expect(readFileSync(path.join(dir, 'model.safetensors')).length).toBe(done.model!.bytes);
    // removed just after the job is marked done (best effort, after the commit): wait for it, briefly
    await expect.poll(() => existsSync(path.join(dir, 'images', '01.png')), { timeout: 5_000 }).toBe(false);
  });
});
