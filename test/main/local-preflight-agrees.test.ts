// The Generate page's instant pre-flight (renderer, shared rules) says what main's pre-flight gate says, for many random requests on the same catalog, wallet and settings.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultCatalog } from '../../shared/catalog/index';
import { CONNECTION_STATES, type CatalogView, type WalletView } from '../../shared/ipc/contract';
import type { RunRequest } from '../../shared/rules/pricing';
import type { SpendLimitState } from '../../shared/rules/spend-limits';
import { CatalogStore } from '../../main/core/catalog-store';
import { GenerationsCore } from '../../main/core/generations';
import { MemoryStore } from '../../main/core/stores';
import type { WalletSync } from '../../main/core/wallet-sync';
import { ephemeralCatalogKey, signCatalog } from '../../server/catalog/signing';
import { localPreflight } from '../../renderer/src/features/generate/local-preflight';
import { toRequest, type FormState } from '../../renderer/src/features/generate/model-options';

const SERVER = 'http://credits.test';
const NOW_MS = Date.UTC(2026, 10, 18, 15, 30);
const DAY_MS = 86_400_000;
const key = ephemeralCatalogKey();
const signature = signCatalog(key, defaultCatalog);

/** main's side: its catalog store (signed, pinned, with its fetch time), its settings, and a wallet sync showing `view` at NOW_MS */
function mainGate(catalog: typeof defaultCatalog | null, fetchedAtServerMs: number, view: WalletView, autoApproveMc: number) {
  const store = new MemoryStore();
  store.set('catalogKeyPin', { serverIdentity: SERVER, publicKey: key.publicKey });
  if (catalog) store.set('catalogCache', { version: 1, serverIdentity: SERVER, etag: 'e1', fetchedAtServerMs, doc: catalog, signature });
  store.set('settings', { autoApproveMc });
  const catalogStore = new CatalogStore(store, SERVER);
  const sync = { view, client: null, serverNow: () => NOW_MS + view.clockOffsetMs } as unknown as WalletSync;
  const gens = new GenerationsCore({ store, sync, catalog: catalogStore, outputUrl: (id, n) => `test://${id}/${n}`, now: () => NOW_MS });
  // what main sends the renderer (app-core's getCatalogView)
  const catalogView: CatalogView = { catalog: catalogStore.get(), planId: view.wallet?.planId ?? null, fetchedAtServerMs: catalogStore.fetchedAtServerMs, stale: catalogStore.isStale(NOW_MS + view.clockOffsetMs) };
  return { gens, catalogView };
}

const models = defaultCatalog.models;
const idsOf = (xs: readonly { id: string }[]) => xs.map((x) => x.id);
const allResolutions = [...new Set(models.flatMap((m) => (m.pricing.meter === 'image' ? idsOf(m.pricing.resolutions) : [])))];
const allModes = [...new Set(models.flatMap((m) => ('modes' in m.pricing ? idsOf(m.pricing.modes) : [])))];

/** A request as the form builds it (toRequest), or a raw one with any fields, in and out of range, some not in the catalog. */
const formRequest: fc.Arbitrary<RunRequest | null> = fc
  .record({
    target: fc.constantFrom(...models.map((m) => `model:${m.id}`), ...defaultCatalog.workflows.map((w) => `workflow:${w.id}`)),
    prompt: fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 400 }), fc.constant('word '.repeat(3_000))),
    count: fc.integer({ min: 1, max: 20 }),
    resolutionId: fc.constantFrom('', ...allResolutions),
    modeId: fc.constantFrom('', ...allModes),
    seconds: fc.integer({ min: 1, max: 30 }),
    maxOutputTokens: fc.integer({ min: 1, max: 200_000 }),
    trainingImages: fc.integer({ min: 1, max: 60 }),
  })
  .map((f: FormState) => toRequest(defaultCatalog, f));
const rawRequest: fc.Arbitrary<RunRequest> = fc.record(
  {
    modelId: fc.constantFrom(...idsOf(models), 'not-a-model'),
    prompt: fc.string({ maxLength: 40 }),
    count: fc.integer({ min: -1, max: 40 }),
    resolutionId: fc.constantFrom(...allResolutions, 'huge'),
    modeId: fc.constantFrom(...allModes, 'warp'),
    seconds: fc.integer({ min: 0, max: 4_000 }),
    maxOutputTokens: fc.integer({ min: 0, max: 2_000_000 }),
    trainingImages: fc.integer({ min: 0, max: 2_000 }),
    customModelId: fc.constantFrom('lora:trn_abc', 'nope'),
  },
  { requiredKeys: ['modelId'] },
);
const request = fc.oneof({ arbitrary: formRequest, weight: 3 }, { arbitrary: rawRequest, weight: 1 }).filter((r): r is RunRequest => r !== null);

const spendLimit: fc.Arbitrary<SpendLimitState> = fc.record({
  window: fc.constantFrom('day' as const, 'week' as const, 'month' as const),
  scope: fc.oneof(fc.constant({ kind: 'all' as const }), fc.constantFrom(...idsOf(models)).map((modelId) => ({ kind: 'model' as const, modelId })), fc.constantFrom('image' as const, 'video' as const, 'text' as const).map((modality) => ({ kind: 'modality' as const, modality }))),
  limitMc: fc.integer({ min: 0, max: 20_000_000 }),
  setBy: fc.constantFrom('user' as const, 'operator' as const),
  spentMc: fc.integer({ min: 0, max: 10_000_000 }),
  heldMc: fc.integer({ min: 0, max: 2_000_000 }),
  // counted in this window, or in one that has ended since (then it starts from nothing)
  windowStartMs: fc.constantFrom(NOW_MS - DAY_MS / 2, NOW_MS - 40 * DAY_MS),
  resetsAtMs: fc.constantFrom(NOW_MS + DAY_MS / 2, NOW_MS - 10 * DAY_MS),
});

const walletView: fc.Arbitrary<WalletView> = fc.record({
  wallet: fc.option(
    fc.record({
      planId: fc.constantFrom(...idsOf(defaultCatalog.plans), 'retired-plan'),
      availableMc: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 50_000_000 })),
      spendLimits: fc.option(fc.array(spendLimit, { maxLength: 3 }), { nil: undefined }),
    }),
    { freq: 12 },
  ),
  connection: fc.constantFrom(...CONNECTION_STATES),
  notAnswering: fc.option(fc.boolean(), { nil: undefined }),
  clockOffsetMs: fc.integer({ min: -3_600_000, max: 3_600_000 }),
}).map(({ wallet, ...v }) => ({
  ...v,
  // the fields the pre-flight reads, in a wallet as the server sends it
  wallet: wallet && { accountId: 'acc_1', displayName: 'Ada', serverTimeMs: NOW_MS, heldMc: 0, grants: [], nextDailyResetMs: NOW_MS + DAY_MS, revision: 3, ...wallet },
  source: 'live' as const,
  asOfServerMs: NOW_MS,
  lastError: null,
  serverKind: 'embedded' as const,
}));

describe("the Generate page's instant pre-flight", () => {
  it("equals main's pre-flight for random requests on the same catalog, wallet and settings (estimate, refusal, auto-approve, staleness)", () => {
    const freshnessMs = defaultCatalog.policies.freshnessMs;
    const seen = new Set<string>();
    fc.assert(
      fc.property(request, walletView, fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 2 * freshnessMs }), fc.boolean(), (req, view, autoApproveMc, ageMs, hasCatalog) => {
        const { gens, catalogView } = mainGate(hasCatalog ? defaultCatalog : null, NOW_MS + view.clockOffsetMs - ageMs, view, autoApproveMc);
        const fromMain = gens.preflight(req);
        expect(localPreflight(req, catalogView, view, { autoApproveMc }, NOW_MS)).toEqual(fromMain);
        seen.add(fromMain.refusal?.code ?? (fromMain.autoApprove ? 'auto-approved' : 'asks approval'));
      }),
      { numRuns: 1_500, seed: 20261118 },
    );
    // the random requests reach every kind of answer the gate gives, not just one
    expect([...seen].sort()).toEqual(expect.arrayContaining(['asks approval', 'auto-approved', 'insufficient_credits', 'invalid_request', 'model_not_in_plan', 'no_catalog', 'no_wallet', 'offline', 'spend_limit_reached', 'unknown_model', 'unknown_plan']));
  });

  it('gives the estimate the page shows at once: Veo 3 for 5 seconds is 4,200 credits, over the 60 a new account has', () => {
    const view: WalletView = { wallet: { accountId: 'acc_1', displayName: 'Ada', planId: 'free', serverTimeMs: NOW_MS, availableMc: 60_000, heldMc: 0, grants: [], nextDailyResetMs: NOW_MS + DAY_MS, revision: 1 }, source: 'live', connection: 'online', asOfServerMs: NOW_MS, clockOffsetMs: 0, lastError: null, serverKind: 'embedded' };
    const { catalogView } = mainGate(defaultCatalog, NOW_MS - 1_000, view, 5_000);
    const local = localPreflight({ modelId: 'veo-3', prompt: 'a storm', seconds: 5, modeId: 'standard' }, catalogView, view, { autoApproveMc: 5_000 }, NOW_MS);
    expect(local).toMatchObject({ estimate: { maxMc: 4_200_000 }, stale: false, availableMc: 60_000, refusal: { code: 'insufficient_credits' } });
    // without the user's settings the page never claims a run starts without approval
    expect(localPreflight({ modelId: 'flux-schnell', prompt: 'a cat' }, catalogView, view, null, NOW_MS)).toMatchObject({ estimate: { maxMc: 1_000 }, autoApprove: false, refusal: null });
  });
});
