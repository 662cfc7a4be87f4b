// Main starts a training job as a multipart form, against a real credits server (behind a recording proxy): the job starts and its images are stored, a bad image is refused with its words, a retry goes with the same key, and the wire really is a form with the fields first.
import { afterEach, describe, expect, it } from 'vitest';
import { CreditsApiClient } from '../../main/core/api-client';
import { CatalogStore } from '../../main/core/catalog-store';
import { MemoryStore } from '../../main/core/stores';
import { TrainingsCore } from '../../main/core/trainings';
import { trainingFormOf } from '../../main/core/training-form';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import { TRAINING_UPLOAD_FILE_FIELD, trainingSchema, type CreateTrainingBody } from '../../shared/api/index';
import { TRAINING_MAX_IMAGES } from '../../shared/rules/training';
import { FolderStore } from '../../server/storage/folder-store';
import { S3Store } from '../../server/storage/s3-store';
import { startServer, type StartOptions, type TestServer } from '../server/helpers';
import { fakeImage } from '../server/training-images';
import { formPartsOf, recordingProxy, type RecordingProxy } from './recording-proxy';

const servers: TestServer[] = [];
const proxies: RecordingProxy[] = [];
const syncs: WalletSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) s.stop();
  for (const p of proxies.splice(0)) await p.close().catch(() => {});
  for (const s of servers.splice(0)) await s.close().catch(() => {});
});

/** An account's TrainingsCore, talking to a real server through the recording proxy (or straight to it). */
async function setup(planId = 'pro', opts: StartOptions = {}, viaProxy = true) {
  const s = await startServer('pglite', { trainingSpeed: 1, ...opts });
  servers.push(s);
  const proxy = await recordingProxy(s.url);
  proxies.push(proxy);
  const url = viaProxy ? proxy.url : s.url;
  const { accountId, token } = await s.newAccount(planId);
  const store = new MemoryStore();
  const sync = new WalletSync({ serverIdentity: url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 60_000 });
  syncs.push(sync);
  const catalog = new CatalogStore(store, url);
  catalog.pin(s.credits.catalogKey.publicKey);
  const client = new CreditsApiClient(url, token);
  await sync.useClient(client);
  await catalog.sync(client, Date.now() + sync.view.clockOffsetMs);
  return { s, proxy, accountId, token, client, trainings: new TrainingsCore({ store, sync, catalog }) };
}

/** the same job each time (the same images): a retry of it is the same start */
const jobImages = [{ fileName: 'face.png', dataBase64: fakeImage('png') }, { fileName: 'side.jpg', dataBase64: fakeImage('jpeg') }, { dataBase64: fakeImage('webp') }];
const job = (): CreateTrainingBody => ({ name: 'Portraits', images: jobImages.map((i) => ({ ...i })) });

describe('starting a training from main as a multipart form', () => {
  it('sends a form the server accepts: the job starts and its images are stored by type', async () => {
    const { s, accountId, trainings, client } = await setup();
    const t = await trainings.start(job());
    expect(t).toMatchObject({ name: 'Portraits', status: 'queued', funding: 'allowance', imageCount: 3 });
    const stored = await new FolderStore(`${s.outputsDir}-trainings`).list(`${accountId}/${t.id}/images/`, 100);
    expect(stored.map((o) => o.key.split('/').pop())).toEqual(['01.png', '02.jpg', '03.webp']);
    expect((await client.trainings()).items.map((x) => x.id)).toEqual([t.id]);
    expect(trainings.list().map((x) => x.id)).toEqual([t.id]);
  });

  it('puts the fields before the files on the wire, each image a file with its name and type, and no base64 JSON', async () => {
    const { s, proxy, accountId, trainings } = await setup();
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '50', kind: 'pack' });
    const body = { ...job(), modelId: 'ai-photos-train', approvedMc: 12_000 };
    expect(await trainings.start(body)).toMatchObject({ funding: 'credits', imageCount: 3 });
    const [sent] = proxy.trainingStarts;
    expect(sent).toBeDefined();
    const contentType = String(sent!.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(Number(sent!.headers['content-length'])).toBe(sent!.body.length);
    expect(sent!.headers['idempotency-key']).toMatch(/^trn-[0-9a-f-]{36}$/);
    const parts = formPartsOf(contentType, sent!.body);
    expect(parts.map((p) => [p.name, p.fileName, p.contentType])).toEqual([
      ['name', null, null],
      ['modelId', null, null],
      ['approvedMc', null, null],
      [TRAINING_UPLOAD_FILE_FIELD, 'face.png', 'image/png'],
      [TRAINING_UPLOAD_FILE_FIELD, 'side.jpg', 'image/jpeg'],
      [TRAINING_UPLOAD_FILE_FIELD, 'image-3.webp', 'image/webp'],
    ]);
    expect(parts.slice(0, 3).map((p) => p.data.toString())).toEqual(['Portraits', 'ai-photos-train', '12000']);
    parts.slice(3).forEach((p, i) => expect(p.data.equals(Buffer.from(body.images[i]!.dataBase64, 'base64'))).toBe(true));
    const text = sent!.body.toString('latin1');
    expect(text).not.toContain('dataBase64');
    expect(text).not.toContain(body.images[0]!.dataBase64.slice(0, 40));
    expect(contentType).not.toContain('application/json');
  });

  it('refuses a bad image with its code and words, keeps nothing and uses no allowance', async () => {
    const { s, accountId, trainings, client } = await setup();
    const bad = { ...job(), images: [...job().images, { fileName: 'notes.png', dataBase64: Buffer.from('plain text, not an image at all').toString('base64') }] };
    await expect(trainings.start(bad)).rejects.toMatchObject({
      code: 'training_image_unsupported',
      message: 'image 4 (notes.png) is not a JPEG, PNG or WebP image (checked by its content)',
      details: { index: 3 },
    });
    await expect(trainings.start({ ...job(), images: [{ fileName: 'x.png', dataBase64: 'not base64!' }] })).rejects.toMatchObject({ code: 'training_image_invalid', message: 'image 1 (x.png) is not valid base64' });
    expect(await new FolderStore(`${s.outputsDir}-trainings`).list(`${accountId}/`, 100)).toEqual([]);
    expect((await client.trainings()).items).toEqual([]);
    expect((await client.wallet()).wallet.training).toMatchObject({ used: 0, left: 1 });
  });

  it('a retry of a start whose answer was lost goes with the same key and gets the same job; once answered, a new start is a new key', async () => {
    const { proxy, trainings, client } = await setup();
    proxy.dropNextStartAnswer();
    await expect(trainings.start(job())).rejects.toMatchObject({ code: 'offline', message: expect.stringContaining('the same job is sent with the same key') });
    const [taken] = (await client.trainings()).items;
    expect(taken).toMatchObject({ name: 'Portraits', imageCount: 3 }); // the server took it; the app never heard
    const again = await trainings.start(job());
    expect(again.id).toBe(taken!.id);
    const keys = proxy.trainingStarts.map((r) => r.headers['idempotency-key']);
    expect(keys[1]).toBe(keys[0]);
    expect((await client.trainings()).items).toHaveLength(1);
    // answered: the same job started again is a new one (here refused, the week's allowance being used), under a new key
    await expect(trainings.start(job())).rejects.toMatchObject({ code: 'training_allowance_exhausted' });
    expect(proxy.trainingStarts[2]!.headers['idempotency-key']).not.toBe(keys[0]);
  });

  it('says when to try again: too many uploads (429, Retry-After) and a busy server (503), keeping the key for the retry', async () => {
    const { proxy, trainings } = await setup();
    proxy.answerNextStart({ status: 429, headers: { 'retry-after': '5' }, body: { error: { code: 'too_many_uploads', message: 'your account is already uploading as many training images as it may at once' } } });
    await expect(trainings.start(job())).rejects.toMatchObject({
      code: 'too_many_uploads',
      message: 'Your account is already uploading as many training images as it may at once. Nothing was charged; try again shortly (about 5 s).',
      details: { retryAfterMs: 5_000 },
    });
    proxy.answerNextStart({ status: 503, headers: { 'retry-after': '5' }, body: { error: { code: 'busy', message: 'this server is reading as many training images as it can hold at once', details: { retryAfterMs: 5_000 } } } });
    await expect(trainings.start(job())).rejects.toMatchObject({ code: 'busy', message: 'The credits server is too busy to take this training now. Nothing was charged; try again shortly (about 5 s).' });
    const t = await trainings.start(job());
    expect(trainingSchema.parse(t).status).toBe('queued');
    expect(new Set(proxy.trainingStarts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });
});

describe('a large job straight to the server', () => {
  it('a replayed key is answered with the same job, and a refusal before the images are read comes in its words, while the form is still being sent', async () => {
    const { client, trainings } = await setup('pro', {}, false);
    const large: CreateTrainingBody = { name: 'Large', images: Array.from({ length: TRAINING_MAX_IMAGES }, (_, i) => ({ dataBase64: fakeImage((['png', 'jpeg', 'webp'] as const)[i % 3]!, 500_000) })) };
    const key = 'trn-replayed-key-1';
    const first = await client.startTraining(trainingFormOf(large).form, key);
    expect(first).toMatchObject({ imageCount: TRAINING_MAX_IMAGES, status: 'queued' });
    expect((await client.startTraining(trainingFormOf(large).form, key)).id).toBe(first.id);
    await expect(trainings.start({ ...large, name: 'Large again' })).rejects.toMatchObject({ code: 'training_allowance_exhausted', message: expect.stringMatching(/^you have used your 1 training this week/) });
    expect((await client.trainings()).items.map((t) => t.id)).toEqual([first.id]);
  });
});

describe('starting a training when the server cannot store the images', () => {
  it('answers storage_unavailable (503) in words, with the wait, and uses nothing', async () => {
    const storage = new S3Store({ bucket: 'down', endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1, connectTimeoutMs: 1_000 });
    const { trainings, client } = await setup('pro', { storage });
    await expect(trainings.start(job())).rejects.toMatchObject({
      code: 'storage_unavailable',
      message: "The credits server's file storage is not answering, so no image was kept and nothing was charged. Try again shortly (about 60 s).",
    });
    expect((await client.wallet()).wallet.training).toMatchObject({ used: 0, left: 1 });
  });
});
