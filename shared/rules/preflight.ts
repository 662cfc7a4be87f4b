// The pre-flight of a run from what is known locally (catalog, wallet, connection): its estimate and why it may not run now. Main's gate, and the renderer's instant display of the same answer.
import { z } from 'zod';
import { findPlan, type Catalog } from '../catalog/schema';
import { checkEntitlements, EntitlementError } from './entitlements';
import { issuesText } from './issues';
import { creditsText as credits } from './money';
import { estimate, expandRequest, PricingError, runRequestSchema, type Estimate, type RunRequest } from './pricing';
import { bindingLimit, runScopeOf, spendLimitRefusal, type SpendLimitState } from './spend-limits';

/** What the pre-flight is worked out from: everything cached, nothing asked of the server. */
export interface PreflightInput {
  catalog: Catalog | null;
  /** the catalog is older than its freshness window (catalogIsStale) */
  stale: boolean;
  wallet: { planId: string; availableMc: number; spendLimits?: readonly SpendLimitState[] | undefined } | null;
  connection: string;
  /** the server was reached but stopped answering */
  notAnswering?: boolean | undefined;
  /** credits approved for runs being sent whose holds the wallet does not show yet */
  inFlightMc: number;
  /** the user's auto-approve limit; null when not known (then every run asks for approval) */
  autoApproveMc: number | null;
  serverNowMs: number;
}

/** The pre-flight's answer (the IPC contract's PreflightResult has this shape). */
export interface PreflightAnswer {
  estimate: Estimate | null;
  stale: boolean;
  availableMc: number | null;
  autoApprove: boolean;
  refusal: { code: string; message: string } | null;
}

/** A catalog fetched at `fetchedAtServerMs` is stale once older than its own freshness window, in server time (none is stale too). */
export function catalogIsStale(catalog: Catalog | null, fetchedAtServerMs: number | null, serverNowMs: number): boolean {
  if (!catalog || fetchedAtServerMs === null) return true;
  return serverNowMs - fetchedAtServerMs > catalog.policies.freshnessMs;
}

/** Estimates a run and says whether it may run now, from `input` alone: works offline. */
export function preflightOf(raw: RunRequest, input: PreflightInput): PreflightAnswer {
  const { catalog, wallet, stale } = input;
  const base: PreflightAnswer = { estimate: null, stale, availableMc: null, autoApprove: false, refusal: null };
  if (!catalog) return { ...base, refusal: { code: 'no_catalog', message: "Prices haven't been downloaded yet. Connect to the credits server once to get the price list." } };
  if (!wallet) return { ...base, refusal: { code: 'no_wallet', message: 'Your balance has not been loaded yet. Connect to the credits server once.' } };
  const plan = findPlan(catalog, wallet.planId);
  if (!plan) return { ...base, refusal: { code: 'unknown_plan', message: `Your plan (${wallet.planId}) is not in the price list; update the app.` } };
  let est;
  try {
    const request = runRequestSchema.parse(raw);
    const runs = expandRequest(request, catalog);
    est = estimate(request, catalog, plan.id);
    checkEntitlements(plan, runs);
  } catch (e) {
    if (e instanceof PricingError) return { ...base, refusal: { code: e.code, message: e.message } };
    if (e instanceof EntitlementError) return { ...base, estimate: est ?? null, refusal: { code: e.code, message: e.message } };
    if (e instanceof z.ZodError) return { ...base, refusal: { code: 'invalid_request', message: issuesText(e.issues, { root: 'request' }) } };
    throw e;
  }
  const availableMc = wallet.availableMc - input.inFlightMc;
  const autoApprove = input.autoApproveMc !== null && est.maxMc <= input.autoApproveMc;
  const result: PreflightAnswer = { estimate: est, stale, availableMc, autoApprove, refusal: null };
  const overLimit = overSpendLimit(catalog, raw, wallet.spendLimits ?? [], est.maxMc, input);
  if (overLimit) return { ...result, refusal: overLimit };
  if (availableMc < est.maxMc) {
    return { ...result, refusal: { code: 'insufficient_credits', message: `This run can cost up to ${credits(est.maxMc)}; you have ${credits(Math.max(0, availableMc))} available${input.inFlightMc > 0 ? ' after the runs in progress' : ''}.` } };
  }
  if (input.connection !== 'online') {
    const why = input.notAnswering ? 'The credits server is not answering.' : "You're offline.";
    return { ...result, refusal: { code: 'offline', message: `${why} The estimate is from your saved price list; running needs the credits server.` } };
  }
  return result;
}

/**
 * The spend limit a run would pass, from the synced limits (works offline: a window that ended since starts from nothing), in the
 * server's words; runs being sent count as held under every limit until the wallet shows them.
 */
function overSpendLimit(catalog: Catalog, raw: RunRequest, limits: readonly SpendLimitState[], amountMc: number, input: PreflightInput): PreflightAnswer['refusal'] {
  const held = limits.map((l) => ({ ...l, heldMc: l.heldMc + input.inFlightMc }));
  const binding = bindingLimit(held, runScopeOf(catalog, raw.modelId, raw.workflowId), amountMc, input.serverNowMs);
  if (!binding) return null;
  const r = spendLimitRefusal(binding, amountMc, (id) => catalog.models.find((m) => m.id === id)?.name);
  return { code: r.code, message: `${r.message.charAt(0).toUpperCase()}${r.message.slice(1)}.` };
}
