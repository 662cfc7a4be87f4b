// The Generate page shows the estimate from its own pre-flight before main answers, and main's answer in its place once it is about the request shown.
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import type { CatalogView, PreflightResult, WalletView } from '../../shared/ipc/contract';
import type { RunRequest } from '../../shared/rules/pricing';
import { shownPreflight, type Asked } from '../../renderer/src/features/generate/use-run';

const NOW_MS = Date.now();
const catalogView: CatalogView = { catalog: defaultCatalog, planId: 'free', fetchedAtServerMs: NOW_MS - 60_000, stale: false };
const walletView: WalletView = {
  wallet: { accountId: 'acc_1', displayName: 'Ada', planId: 'free', serverTimeMs: NOW_MS, availableMc: 60_000, heldMc: 0, grants: [], nextDailyResetMs: NOW_MS + 86_400_000, revision: 1 },
  source: 'live',
  connection: 'online',
  asOfServerMs: NOW_MS,
  clockOffsetMs: 0,
  lastError: null,
  serverKind: 'embedded',
};
const appState = { catalogView, settings: { autoApproveMc: 5_000 }, runs: [], warnings: { lowBalance: null, expiring: null, spendLimits: [], autoTopUp: null } };

// the stores as main fed them (zustand's server snapshot would be their empty initial state)
vi.mock('../../renderer/src/stores/app-store', () => ({ useAppStore: (select: (s: typeof appState) => unknown) => select(appState) }));
vi.mock('../../renderer/src/stores/wallet-store', () => ({ useWalletStore: (select: (s: { view: WalletView }) => unknown) => select({ view: walletView }) }));

/** main, asked for a pre-flight, never answers */
const preflight = vi.fn(() => new Promise<never>(() => {}));

beforeAll(() => {
  (globalThis as { window?: unknown }).window = { credits: { preflight }, addEventListener: () => {}, removeEventListener: () => {} };
});

describe('the estimate before main answers', () => {
  it("is on the page's first render, from the shared rules, with main not asked yet", async () => {
    const { GeneratePage } = await import('../../renderer/src/features/generate/GeneratePage');
    const html = renderToString(createElement(GeneratePage));
    // the form starts on Flux Schnell: 1 credit an image
    expect(html).toMatch(/data-testid="estimate-range">1 credit</);
    expect(html).toContain('Generate, up to 1 credit');
    expect(html).not.toContain('No estimate yet');
    expect(preflight).not.toHaveBeenCalled();
  });
});

describe('which pre-flight is shown', () => {
  const a: RunRequest = { modelId: 'veo-3', prompt: 'a storm', seconds: 5 };
  const b: RunRequest = { modelId: 'veo-3', prompt: 'a storm', seconds: 6 };
  const local = (maxMc: number): PreflightResult => ({ estimate: { maxMc, typicalMc: maxMc, lines: [] }, stale: false, availableMc: 60_000, autoApprove: false, refusal: null });
  // main counts a run still being sent: its answer differs from the page's own, and wins
  const fromMain: PreflightResult = { ...local(4_200_000), availableMc: 0, refusal: { code: 'insufficient_credits', message: 'after the runs in progress' } };
  const askedA: Asked = { request: a, walletView, catalogView };

  it("shows the page's own while main's answer is about an earlier request, wallet or catalog", () => {
    expect(shownPreflight(null, { request: b, walletView, catalogView }, local(5_040_000))).toEqual(local(5_040_000));
    expect(shownPreflight({ asked: askedA, result: fromMain }, { request: b, walletView, catalogView }, local(5_040_000))).toEqual(local(5_040_000));
    expect(shownPreflight({ asked: askedA, result: fromMain }, { request: a, walletView: { ...walletView }, catalogView }, local(4_200_000))).toEqual(local(4_200_000));
    expect(shownPreflight({ asked: askedA, result: fromMain }, { request: a, walletView, catalogView: { ...catalogView } }, local(4_200_000))).toEqual(local(4_200_000));
  });

  it("shows main's answer in its place once it is about what the page shows, and nothing without a request", () => {
    expect(shownPreflight({ asked: askedA, result: fromMain }, askedA, local(4_200_000))).toBe(fromMain);
    expect(shownPreflight({ asked: askedA, result: fromMain }, { request: null, walletView, catalogView }, null)).toBeNull();
  });
});
