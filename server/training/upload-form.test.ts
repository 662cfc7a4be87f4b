// Training started from a multipart form: images streamed to storage and checked as they land; the plan, the allowance and a replayed key answered before any image is read; a bad image or a store that is down keeps nothing and charges nothing.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletSchema, type Training } from '../../shared/api/index';
import { TRAINING_MAX_IMAGE_BYTES } from '../../shared/rules/training';
import { DRIVERS, idemKey, startServer, type TestServer } from '../../test/server/helpers';
import { fakeImage } from '../../test/server/training-images';
import { FolderStore } from '../storage/folder-store';
import { S3Store } from '../storage/s3-store';
import { allowanceEntries } from './allowance';
import { trainingSchema } from '../../shared/api/index';

async function waitForTraining(s: TestServer, token: string, id: string, until: (t: Training) => boolean, timeoutMs = 60_000): Promise<Training> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = trainingSchema.parse((await s.as(token, 'GET', `/v1/trainings/${id}`)).body);
    if (until(t)) return t;
    if (Date.now() > end) throw new Error(`training ${id} still ${t.status} at ${t.progressPct}%`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const image = (kind: 'png' | 'jpeg' | 'webp', size?: number) => Buffer.from(fakeImage(kind, size), 'base64');

/** Posts a form (fields, then files) with fetch's own multipart encoding. */
async function postForm(s: TestServer, token: string, fields: Record<string, string>, files: Buffer[], key = idemKey()) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  files.forEach((f, i) => form.append('images', new Blob([new Uint8Array(f)]), `p${i}.img`));
  const res = await fetch(`${s.url}/v1/trainings`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'idempotency-key': key }, body: form });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** A form whose first image starts and never ends: the answer can only come from what the server decided before reading it. */
function formLeftOpen(s: TestServer, token: string, fields: Record<string, string>, key: string): { answer: Promise<{ status: number; body: any; replayed: string | undefined }>; end(): void } {
  const boundary = `----form${randomBytes(8).toString('hex')}`;
  const url = new URL('/v1/trainings', s.url);
  const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${token}`, 'idempotency-key': key, 'content-type': `multipart/form-data; boundary=${boundary}` } });
  const answer = new Promise<{ status: number; body: any; replayed: string | undefined }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), replayed: res.headers['idempotent-replayed'] as string | undefined }));
    });
    req.on('error', reject);
  });
  for (const [k, v] of Object.entries(fields)) req.write(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  req.write(`--${boundary}\r\ncontent-disposition: form-data; name="images"; filename="open.png"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  req.write(image('png', 100_000));
  return { answer, end: () => req.destroy() };
}

describe.each(DRIVERS)('training from a multipart form on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver, { trainingSpeed: 1_000 });
  });
  afterAll(async () => {
    await s.close();
  });
  const store = () => new FolderStore(`${s.outputsDir}-trainings`);
  const wallet = async (token: string) => walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);

  it('streams the images to storage by content type and trains a model from them', async () => {
    const { accountId, token } = await s.newAccount('pro');
    const r = await postForm(s, token, { name: 'From a form' }, [image('png'), image('jpeg'), image('webp')]);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'queued', funding: 'allowance', imageCount: 3, name: 'From a form' });
    const done = await waitForTraining(s, token, r.body.id, (t) => t.status === 'succeeded');
    expect(done.model?.file).toBe('model.safetensors');
    // the images go once the model is made (just after the job is marked succeeded)
    await expect.poll(async () => (await store().list(`${accountId}/${r.body.id}/`, 100)).map((o) => o.key.split('/').slice(2).join('/'))).toEqual(['model.safetensors']);
    expect((await wallet(token)).training).toMatchObject({ used: 1, left: 0 });
  });

  it('refuses a plan without training, a used-up allowance, and answers a replayed key, all before reading any image', async () => {
    const free = await s.newAccount('free');
    const refused = formLeftOpen(s, free.token, { name: 'free' }, idemKey());
    const a = await refused.answer;
    refused.end();
    expect([a.status, a.body.error.code]).toEqual([403, 'training_not_in_plan']);

    const pro = await s.newAccount('pro');
    const key = idemKey();
    const first = await postForm(s, pro.token, { name: 'first' }, [image('png')], key);
    expect(first.status).toBe(201);
    const replay = formLeftOpen(s, pro.token, { name: 'first' }, key);
    const r = await replay.answer;
    replay.end();
    expect([r.status, (r.body as Training).id, r.replayed]).toEqual([201, first.body.id, 'true']);
    const exhausted = formLeftOpen(s, pro.token, { name: 'second' }, idemKey());
    const e = await exhausted.answer;
    exhausted.end();
    expect([e.status, e.body.error.code]).toEqual([403, 'training_allowance_exhausted']);
    await waitForTraining(s, pro.token, first.body.id, (t) => t.status === 'succeeded');
    expect((await allowanceEntries(s.database.db, pro.accountId)).map((x) => x.kind)).toEqual(['use']);
  });

  it('a bad image mid-upload: refused by its code, nothing kept, nothing charged (allowance or credits)', async () => {
    const { accountId, token } = await s.newAccount('pro');
    const cases: [Buffer[], string][] = [
      [[image('png'), image('jpeg'), Buffer.from('not an image at all, just text')], 'training_image_unsupported'],
      [[image('png'), Buffer.alloc(0)], 'training_image_empty'],
      [[image('png'), image('png', TRAINING_MAX_IMAGE_BYTES)], 'training_image_too_large'],
      [[], 'training_images_missing'],
    ];
    const same = image('webp');
    cases.push([[same, image('png'), same], 'training_image_duplicate']);
    for (const [files, code] of cases) {
      const r = await postForm(s, token, { name: 'bad' }, files);
      expect([r.status, r.body.error.code]).toEqual([400, code]);
    }
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '50', kind: 'pack' });
    const paid = await postForm(s, token, { name: 'paid', modelId: 'ai-photos-train', approvedMc: '8000' }, [image('png'), Buffer.from('plain text, not an image')]);
    expect([paid.status, paid.body.error.code]).toEqual([400, 'training_image_unsupported']);
    expect(await store().list(`${accountId}/`, 100)).toEqual([]);
    expect((await wallet(token)).training).toMatchObject({ used: 0, left: 1 });
    expect(await wallet(token)).toMatchObject({ availableMc: 50_000, heldMc: 0 });
    expect(await allowanceEntries(s.database.db, accountId)).toEqual([]);
    expect((await s.as(token, 'GET', '/v1/trainings')).body.items).toEqual([]);
  });
});

describe('training from a form when the store is down', () => {
  let s: TestServer;
  beforeAll(async () => {
    const storage = new S3Store({ bucket: 'down', endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1, connectTimeoutMs: 1_000 });
    s = await startServer('pglite', { trainingSpeed: 1_000, storage });
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers 503 storage_unavailable with Retry-After and uses nothing, from a form or JSON', async () => {
    const { accountId, token } = await s.newAccount('pro');
    const r = await postForm(s, token, { name: 'nowhere' }, [image('png')]);
    expect([r.status, r.body.error.code, r.headers.get('retry-after')]).toEqual([503, 'storage_unavailable', '60']);
    const j = await s.as(token, 'POST', '/v1/trainings', { name: 'nowhere', images: [{ dataBase64: fakeImage('png') }] });
    expect([j.status, j.body.error.code]).toEqual([503, 'storage_unavailable']);
    expect(walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body).training).toMatchObject({ used: 0, left: 1 });
    expect(await allowanceEntries(s.database.db, accountId)).toEqual([]);
  });
});
