// IPC dispatch: bad input from the renderer is refused with a clear error, handler failures never leak internals.
import { describe, expect, it } from 'vitest';
import { dispatch, UserFacingError, type CoreHandlers } from '../../main/core/ipc-dispatch';
import type { WalletView } from '../../shared/ipc/contract';
import { DEFAULT_ALERT_SETTINGS } from '../../shared/rules/alerts';

const view: WalletView = { wallet: null, source: 'none', connection: 'offline', asOfServerMs: null, clockOffsetMs: 0, lastError: null, serverKind: 'embedded' };
const alerts = { ...DEFAULT_ALERT_SETTINGS, notifications: 'main' as const };
const settings = { autoApproveMc: 0, lowBalanceThresholdMc: null, ...alerts, tokenStorage: 'encrypted' as const };
const notUsed = () => {
  throw new Error('not used');
};
const handlers: CoreHandlers = {
  getWalletView: () => view,
  refreshWallet: async () => view,
  getCatalogView: () => ({ catalog: null, planId: null, fetchedAtServerMs: null, stale: true }),
  preflight: notUsed,
  startGeneration: notUsed,
  cancelGeneration: notUsed,
  replayGenerations: () => ({ count: 0 }),
  getSettings: () => settings,
  updateSettings: (p) => ({ ...settings, ...p }),
  queryHistory: notUsed,
  historyEntries: notUsed,
  exportHistoryCsv: notUsed,
  getReceipt: notUsed,
  saveReceipt: notUsed,
  getSpendChart: () => [],
  getWarnings: () => ({ lowBalance: null, expiring: null, spendLimits: [], autoTopUp: null }),
  getStoreState: notUsed,
  setCountry: notUsed,
  buyPack: notUsed,
  subscribe: notUsed,
  changeSubscription: notUsed,
  cancelSubscription: notUsed,
  resumeSubscription: notUsed,
  getPurchase: notUsed,
  setSpendLimits: notUsed,
  setAutoTopUp: notUsed,
  resumeAutoTopUp: notUsed,
  planCosts: () => ({ result: null, sentences: [], source: 'none', connection: 'offline', walletAsOfServerMs: null, catalogFetchedAtServerMs: null, catalogStale: false, refusal: null }),
  listTrainings: () => ({ items: [], source: 'cache' as const }),
  startTraining: () => { throw new Error('not in this test'); },
  cancelTraining: () => { throw new Error('not in this test'); },
  getDrafts: () => null,
  saveDrafts: (d) => d,
  getPlanLines: () => null,
  savePlanLines: (p) => p,
};

describe('dispatch', () => {
  it('calls a known method with valid input and validates its output', async () => {
    expect(await dispatch(handlers, 'getWalletView', undefined)).toEqual({ ok: true, value: view });
  });
  it.each([
    ['constructor', undefined, 'unknown_method'],
    ['__proto__', undefined, 'unknown_method'],
    [42, undefined, 'unknown_method'],
    ['getWalletView', { sneaky: true }, 'invalid_input'],
  ])('refuses %j', async (method, input, code) => {
    const r = await dispatch(handlers, method, input);
    expect(r).toMatchObject({ ok: false, error: { code } });
  });
  it('passes user-facing errors through and hides internal ones', async () => {
    const bad: CoreHandlers = { ...handlers, getWalletView: () => { throw new UserFacingError('offline', 'The server is down'); }, refreshWallet: () => { throw new Error('secret stack'); } };
    expect(await dispatch(bad, 'getWalletView', undefined)).toEqual({ ok: false, error: { code: 'offline', message: 'The server is down' } });
    const r = await dispatch(bad, 'refreshWallet', undefined);
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(r)).not.toContain('secret');
  });
  it('validates inputs of methods that take them', async () => {
    expect(await dispatch(handlers, 'updateSettings', { autoApproveMc: -5 })).toMatchObject({ ok: false, error: { code: 'invalid_input', message: 'The auto-approve limit must be from 0 to 1,000,000 credits.' } });
    // out of range is refused in words and credits (not clamped, no internal names or millicredits)
    const big = await dispatch(handlers, 'updateSettings', { autoApproveMc: 2_000, lowBalanceThresholdMc: 2_000_000_000 });
    expect(big).toEqual({ ok: false, error: { code: 'invalid_input', message: 'The low-balance warning level must be from 0 to 1,000,000 credits.' } });
    expect(JSON.stringify(big)).not.toMatch(/Mc|millicredit/);
    expect(await dispatch(handlers, 'updateSettings', { autoApproveMc: 2_000, extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await dispatch(handlers, 'startGeneration', { request: { modelId: 'x', prompt: 'y'.repeat(100_001) }, approvedMc: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await dispatch(handlers, 'updateSettings', { autoApproveMc: 2_000 })).toEqual({ ok: true, value: { autoApproveMc: 2_000, lowBalanceThresholdMc: null, ...alerts, tokenStorage: 'encrypted' } });
    // the alerts' levels: out of range or not whole is refused with the range, in words
    for (const spendLimitAlertPercent of [0, 101, 85.5]) {
      expect(await dispatch(handlers, 'updateSettings', { spendLimitAlertPercent })).toEqual({ ok: false, error: { code: 'invalid_input', message: 'The spend-limit alert level must be a whole percentage from 1 to 100.' } });
    }
    for (const expiryAlertDays of [0, 31, 2.5]) {
      expect(await dispatch(handlers, 'updateSettings', { expiryAlertDays })).toEqual({ ok: false, error: { code: 'invalid_input', message: 'The days before expiry must be a whole number from 1 to 30.' } });
    }
    expect(await dispatch(handlers, 'updateSettings', { spendLimitAlert: true, spendLimitAlertPercent: 50 })).toMatchObject({ ok: true, value: { spendLimitAlert: true, spendLimitAlertPercent: 50 } });
    // where the token is kept is reported by main, never set by the renderer
    expect(await dispatch(handlers, 'updateSettings', { tokenStorage: 'user-file' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('refuses a handler result that breaks the contract', async () => {
    const broken = { ...handlers, getWalletView: () => ({ ...view, connection: 'weird' }) as unknown as WalletView };
    expect(await dispatch(broken, 'getWalletView', undefined)).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});
