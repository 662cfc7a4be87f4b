// Alerts in main against a real server: settings saved before alerts load with defaults; the spend-limit, low-balance and expiry alerts
// fire once (an 'alert' for the page and a 'notify' for Electron), a restart of main over the same store fires none again, a new
// window re-arms the spend-limit alert; an auto top-up alerts once per purchase id, across restarts too, whether main hears of it
// on the live stream or from the history it reads when it starts (an app closed while a run elsewhere crossed the threshold),
// and not one that ended more than a day ago (a new install reading an old history).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { dispatch } from '../../main/core/ipc-dispatch';
import type { KeyValueStore } from '../../main/core/stores';
import type { AlertEvent, GenerationView, WalletView } from '../../shared/ipc/contract';
import { startServer, type TestServer } from '../server/helpers';
import { MemoryTokenStore } from './memory-tokens';
import { until } from './until';

const DAY = 86_400_000;
const openStore = (dir: string) => new Conf<Record<string, unknown>>({ cwd: dir, configName: 'wallet-cache', projectName: 'credits-alerts-test', clearInvalidConfig: true }) as unknown as KeyValueStore;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** An app core over `dir`'s store, recording every alert and notification it gives. */
function app(dir: string, server: { url: string; token: string | null }) {
  const core = new AppCore({ dataDir: dir, store: openStore(dir), tokenStore: new MemoryTokenStore(server.token), server: { kind: 'remote', url: server.url }, outputUrl: () => '' });
  const alerts: AlertEvent[] = [];
  const notes: { title: string; body: string }[] = [];
  const runs: GenerationView[] = [];
  core.on('alert', (a: AlertEvent) => alerts.push(a));
  core.on('generation', (g: GenerationView) => runs.push(g));
  core.on('notify', (n: { title: string; body: string }) => notes.push(n));
  let stopped = false;
  const stop = async () => {
    if (!stopped) await core.stop();
    stopped = true;
  };
  closers.push(stop);
  return { core, alerts, notes, runs, stop };
}

/** The first wallet read live from the server: by then main has evaluated it (app-core listens first). */
const live = (core: AppCore) => until(core.sync, 'view', () => core.sync.view.source === 'live' && core.sync.view.connection === 'online', 'a live wallet');

async function call(core: AppCore, method: Parameters<typeof dispatch>[1], input?: unknown) {
  const r = await dispatch(core.handlers, method, input);
  if (!r.ok) throw new Error(`${String(method)}: ${r.error.message}`);
  return r.value as any;
}

/** Saves a card at a paid checkout of the 200-credit pack (the test provider's 4242) and turns auto top-up on just under the balance. */
async function autoTopUpOn(s: TestServer, token: string): Promise<void> {
  const p = await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US', saveCard: true });
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  const paid = await fetch(`${s.url}/checkout/test/${p.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'pay' }) });
  expect(paid.status).toBe(200);
  const w = (await s.as(token, 'GET', '/v1/wallet')).body as { availableMc: number };
  const on = await s.as(token, 'PUT', '/v1/auto-top-up', { enabled: true, packId: 'pack-200', thresholdMc: w.availableMc - 500, cap: { kind: 'count', count: 3 }, country: 'US' });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
}

/** A run made elsewhere (another device, the API) that crosses the threshold; answers the auto top-up's purchase once it is paid. */
async function crossElsewhere(s: TestServer, token: string): Promise<string> {
  const r = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt: 'a lighthouse from another device' }, approvedMc: 1_000 });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  await s.credits.runner.idle();
  for (let i = 0; i < 2_000; i++) {
    const items = (await s.as(token, 'GET', '/v1/purchases')).body.items as { id: string; reason: string; status: string }[];
    const topUp = items.find((p) => p.reason === 'auto_top_up');
    if (topUp && topUp.status === 'paid') return topUp.id;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('no auto top-up was paid');
}

describe('alerts in main', () => {
  it('fire once each; a restart remembers them; a new window re-arms the spend-limit alert', async () => {
    const s: TestServer = await startServer('pglite');
    closers.push(() => s.close().catch(() => {}));
    const { accountId, token } = await s.newAccount('free');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '12', kind: 'pack', expiresAtMs: s.clock.now() + 2 * DAY });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-alerts-'));
    openStore(dir).set('settings', { autoApproveMc: 5_000, lowBalanceThresholdMc: null }); // saved before alerts existed

    const first = app(dir, { url: s.url, token });
    first.core.start();
    await live(first.core);
    expect(await call(first.core, 'getSettings')).toMatchObject({ lowBalanceAlert: true, spendLimitAlert: false, spendLimitAlertPercent: 80, expiryAlert: true, expiryAlertDays: 3, autoTopUpAlert: true, notifications: 'main' });
    expect(first.alerts.map((a) => a.kind)).toEqual(['expiring']); // the pack expires within 3 days: on by default
    expect(first.notes[0]).toEqual({ title: 'Credits expiring soon', body: expect.stringMatching(/^12 credits will expire unused within 3 days: 12 credits on 2026-11-24 12:00 UTC\./) });

    const available = (first.core.sync.view as WalletView).wallet!.availableMc;
    await call(first.core, 'updateSettings', { spendLimitAlert: true, lowBalanceThresholdMc: available - 500 });
    await call(first.core, 'setSpendLimits', { limits: [{ window: 'day', limitMc: 1_200 }] });
    await call(first.core, 'startGeneration', { request: { modelId: 'flux-schnell', prompt: 'a lighthouse' }, approvedMc: 1_000 });
    const kinds = () => first.alerts.map((a) => a.kind).sort();
    await until(first.core, 'alert', () => kinds().join() === 'expiring,low_balance,spend_limit', 'the spend-limit and low-balance alerts');
    const spend = first.alerts.find((a) => a.kind === 'spend_limit')!;
    expect(spend.body).toBe('83% of your daily spend limit of 1.2 credits is used (1 credit spent and held); it resets 2026-11-23 00:00 UTC.');
    expect(first.notes.map((n) => n.title).sort()).toEqual(['Credits expiring soon', 'Low credit balance', 'Spend limit alert']);
    // the run ends (its charge moves the wallet again): nothing fires twice
    await until(first.core, 'generation', () => first.runs.some((g) => g.status === 'succeeded'), 'the run to end');
    await until(first.core.sync, 'view', () => first.core.warnings.current.spendLimits[0]?.usedMc === 1_000 && first.core.sync.view.wallet!.spendLimits![0]!.heldMc === 0, 'the charge');
    expect(kinds()).toEqual(['expiring', 'low_balance', 'spend_limit']);
    expect(first.core.warnings.current.spendLimits).toMatchObject([{ name: 'your daily spend limit', percent: 83, limitMc: 1_200 }]);
    await first.stop();

    const second = app(dir, { url: s.url, token });
    second.core.start();
    await live(second.core);
    expect(second.alerts).toEqual([]); // remembered across the restart: the banners still show, nothing notifies again
    expect(second.core.warnings.current.spendLimits).toHaveLength(1);
    expect(second.core.warnings.current.expiring).not.toBeNull();

    s.clock.set(Date.parse('2026-11-23T06:00:00Z')); // the next UTC day: a new window
    await call(second.core, 'refreshWallet');
    expect(second.core.warnings.current.spendLimits).toEqual([]);
    await call(second.core, 'startGeneration', { request: { modelId: 'flux-schnell', prompt: 'another lighthouse' }, approvedMc: 1_000 });
    await until(second.core, 'alert', () => second.alerts.some((a) => a.kind === 'spend_limit'), 'the spend-limit alert of the new window');
    expect(second.alerts.find((a) => a.kind === 'spend_limit')!.body).toMatch(/; it resets 2026-11-24 00:00 UTC\.$/);
    expect(second.alerts.filter((a) => a.kind === 'spend_limit' || a.kind === 'expiring').map((a) => a.kind)).toEqual(['spend_limit']);
  });

  it('alerts an auto top-up made while the app was closed once it reads its history, and not one that ended more than a day ago', async () => {
    const s: TestServer = await startServer('pglite');
    closers.push(() => s.close().catch(() => {}));
    const { token } = await s.newAccount('free');
    await autoTopUpOn(s, token);
    const topUpId = await crossElsewhere(s, token);
    const isTopUp = (a: AlertEvent) => a.kind === 'auto_top_up';

    const opened = app(mkdtempSync(path.join(os.tmpdir(), 'credits-alerts-')), { url: s.url, token });
    opened.core.start();
    await until(opened.core, 'alert', () => opened.alerts.some(isTopUp), 'the auto top-up alert');
    expect(opened.alerts.filter(isTopUp)).toEqual([{ key: `auto_top_up:${topUpId}`, kind: 'auto_top_up', title: 'Auto top-up', body: 'Auto top-up: bought 200 credits ($1.99)' }]);
    expect(opened.core.history.all().some((e) => e.kind === 'purchase' && e.details.purchaseId === topUpId)).toBe(true);

    // two days on, a new install reads the same history: the top-up is in it, and long past alerting
    s.clock.set(s.clock.now() + 2 * DAY);
    const later = app(mkdtempSync(path.join(os.tmpdir(), 'credits-alerts-')), { url: s.url, token });
    const read = new Promise<void>((resolve) => later.core.purchases.on('seen', (p: { id: string }) => p.id === topUpId && resolve()));
    later.core.start();
    await read; // main has read the top-up's purchase (and judged it) by now: it listens before this test does
    expect(later.alerts.filter(isTopUp)).toEqual([]);
    expect(later.core.warnings.current.autoTopUp).toBeNull();
  });

  it('alerts an auto top-up once per purchase, bought or failed, across restarts, and not a purchase the user made', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-alerts-'));
    const unreachable = { url: 'http://127.0.0.1:9', token: null }; // never started: the purchases main reads are all this needs
    const base = { kind: 'pack', packId: 'pack-200', planId: null, period: null, name: '200 credits', creditsMc: 200_000, priceMinor: 199, currency: 'USD', country: 'US', checkoutUrl: 'https://pay.example/c', createdAtMs: Date.now(), paidAtMs: null, grantId: null, takenBackMc: 0, failure: null };
    const first = app(dir, unreachable);
    first.core.purchases.emit('seen', { ...base, id: 'pur_bought', status: 'paid', reason: 'auto_top_up' });
    first.core.purchases.emit('seen', { ...base, id: 'pur_bought', status: 'paid', reason: 'auto_top_up' });
    first.core.purchases.emit('seen', { ...base, id: 'pur_mine', status: 'paid' });
    expect(first.notes).toEqual([{ title: 'Auto top-up', body: 'Auto top-up: bought 200 credits ($1.99)' }]);
    expect(first.alerts).toEqual([{ key: 'auto_top_up:pur_bought', kind: 'auto_top_up', title: 'Auto top-up', body: 'Auto top-up: bought 200 credits ($1.99)' }]);
    expect(first.core.warnings.current.autoTopUp).toEqual({ key: 'auto_top_up:pur_bought', ok: true, text: 'Auto top-up: bought 200 credits ($1.99)' });
    await first.stop();

    const second = app(dir, unreachable);
    second.core.purchases.emit('seen', { ...base, id: 'pur_bought', status: 'refunded', reason: 'auto_top_up' });
    second.core.purchases.emit('seen', { ...base, id: 'pur_bought', status: 'paid', reason: 'auto_top_up' });
    expect(second.alerts).toEqual([]);
    const declined = { ...base, id: 'pur_declined', status: 'failed', reason: 'auto_top_up', failure: { code: 'card_declined', message: 'Your card was declined.' } };
    second.core.purchases.emit('seen', declined);
    second.core.purchases.emit('seen', declined);
    expect(second.notes).toEqual([{ title: 'Auto top-up failed', body: 'Auto top-up failed: Your card was declined — open the Store to fix it' }]);
    expect(second.core.warnings.current.autoTopUp).toMatchObject({ ok: false });
    await call(second.core, 'updateSettings', { autoTopUpAlert: false });
    second.core.purchases.emit('seen', { ...base, id: 'pur_off', status: 'paid', reason: 'auto_top_up' });
    expect(second.notes).toHaveLength(1);
  });
});
