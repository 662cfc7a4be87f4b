// Main's pre-flight for training jobs, against a real server: what the plan does not include is refused before anything is sent.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CreditsApiClient } from '../../main/core/api-client';
import { CatalogStore } from '../../main/core/catalog-store';
import { MemoryStore } from '../../main/core/stores';
import { TrainingsCore } from '../../main/core/trainings';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import { startServer, type TestServer } from '../server/helpers';

const servers: TestServer[] = [];
const syncs: WalletSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) s.stop();
  for (const s of servers.splice(0)) await s.close().catch(() => {});
});

const image = () => ({ fileName: 'face.png', dataBase64: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]).toString('base64') });

async function setup(planId: string) {
  const s = await startServer('pglite', { trainingSpeed: 1 });
  servers.push(s);
  const { token } = await s.newAccount(planId);
  const store = new MemoryStore();
  const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 60_000 });
  syncs.push(sync);
  const catalog = new CatalogStore(store, s.url);
  catalog.pin(s.credits.catalogKey.publicKey);
  const client = new CreditsApiClient(s.url, token);
  await sync.useClient(client);
  await catalog.sync(client, Date.now() + sync.view.clockOffsetMs);
  const sent = vi.spyOn(client, 'startTraining');
  return { trainings: new TrainingsCore({ store, sync, catalog }), sent, client };
}

describe('training pre-flight', () => {
  it('on Free, refuses a job for credits and one from an allowance before sending, saying which plans include it', async () => {
    const { trainings, sent, client } = await setup('free');
    await expect(trainings.start({ name: 'Me', images: [image()], modelId: 'ai-photos-train', approvedMc: 4_000 })).rejects.toMatchObject({
      code: 'model_not_in_plan',
      message: 'AI Photos Train Model is not included in the Free plan. Starter, Pro, Ultra and Max include it.',
    });
    await expect(trainings.start({ name: 'Me', images: [image()] })).rejects.toMatchObject({
      code: 'training_not_in_plan',
      message: 'Custom model training is not included in the Free plan. Starter, Pro, Ultra and Max include a training allowance.',
    });
    expect(sent).not.toHaveBeenCalled();
    expect((await client.trainings()).items).toEqual([]);
  });

  it('on Pro, sends the job', async () => {
    const { trainings, sent } = await setup('pro');
    const t = await trainings.start({ name: 'Me', images: [image()] });
    expect(t).toMatchObject({ name: 'Me', funding: 'allowance', status: 'queued' });
    expect(sent).toHaveBeenCalledTimes(1);
  });
});
