// The catalog view's staleness follows server time: after the server's clock jumps past the freshness window, main fetches the catalog again by itself.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { MemoryStore } from '../../main/core/stores';
import { defaultCatalog } from '../../shared/catalog/index';
import type { CatalogView } from '../../shared/ipc/contract';
import { startServer, type TestServer } from '../server/helpers';
import { MemoryTokenStore } from './memory-tokens';
import { until } from './until';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('catalog staleness', () => {
  it('goes away by itself when the server clock jumps past the freshness window: main fetches the catalog again and sends the view', async () => {
    const s: TestServer = await startServer('pglite');
    closers.push(() => s.close());
    const { token } = await s.newAccount();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-catalog-fresh-'));
    const core = new AppCore({ dataDir: dir, store: new MemoryStore(), tokenStore: new MemoryTokenStore(token), server: { kind: 'remote', url: s.url }, outputUrl: () => '', catalogKey: s.credits.catalogKey.publicKey });
    closers.push(() => core.stop());
    const views: CatalogView[] = [];
    core.on('catalogView', (v: CatalogView) => views.push(v));
    core.start();
    await until(core, 'catalogView', () => views.some((v) => v.catalog !== null && !v.stale), 'the first fresh catalog view', 15_000);
    const fetchedBefore = core.catalog.fetchedAtServerMs!;
    const offsetBefore = core.sync.view.clockOffsetMs;

    // two freshness windows later, in server time only
    const jumpMs = 2 * defaultCatalog.policies.freshnessMs;
    const jumpedAt = Date.now();
    expect((await s.admin('POST', '/admin/clock', { advanceMs: jumpMs })).status).toBe(200);
    await until(core.sync, 'view', () => core.sync.view.clockOffsetMs - offsetBefore > jumpMs - 5_000, 'the measured clock offset to jump', 15_000);
    await until(core, 'catalogView', () => views.at(-1)!.fetchedAtServerMs! >= fetchedBefore + jumpMs, 'a catalog view fetched after the jump', 15_000);
    process.stdout.write(`catalog fetched again ${Date.now() - jumpedAt} ms after the clock jump\n`);
    expect(views.at(-1)).toMatchObject({ stale: false });
    expect((await core.handlers.getCatalogView(undefined)).stale).toBe(false);
    expect(core.generations.preflight({ modelId: 'flux-schnell', prompt: 'a cat' }).stale).toBe(false);
  });
});
