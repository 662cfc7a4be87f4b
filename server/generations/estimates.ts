// Estimates: what a generation with this body would cost now, and whether it would be accepted or which refusal it would get.
import { findPlan, type Catalog, type Plan } from '../../shared/catalog/schema';
import type { CreateEstimateBody, EstimateAnswer } from '../../shared/api/index';
import { checkEntitlements, EntitlementError } from '../../shared/rules/entitlements';
import { estimate, expandRequest, PricingError, runRequestSchema, type Estimate } from '../../shared/rules/pricing';
import { creditsText } from '../../shared/rules/money';
import type { Db } from '../db/open';
import { DomainError } from '../errors';
import { getAccount } from '../accounts/service';
import type { SpendLimit } from '../../shared/rules/spend-limits';
import { runScopeOf } from '../../shared/rules/spend-limits';
import { refuseOverSpendLimit } from '../wallet/spend-limits';
import { pricingRefusal, refuseApprovalOverLimit, refuseOverInFlightLimit, runsToday } from './service';

export interface EstimateContext {
  catalog: Catalog;
  now: () => number;
  retryAfterMs(accountId: string): number;
  /** the account's available credits now, as the wallet reads them (resets and expiries materialised) */
  availableMc(accountId: string): Promise<number>;
  /** whether the account owns a finished trained model (the check the generation route makes); absent = none are owned */
  customModelOwned?: (db: Db, accountId: string, customModelId: string) => Promise<boolean>;
}

/** The estimate's answer, with the refusal a generation would get as the error it would throw (the route says its status). */
export type EstimateOutcome = Omit<EstimateAnswer, 'refusal'> & { refusal: DomainError | null };

/**
 * Prices a request the way `POST /v1/generations` would, without holding anything: a request that cannot be priced
 * (unknown model, bad parameters) is refused as the generation route refuses it; one that can be priced answers 200 with
 * the range and, when a generation would be refused (plan, daily limits, approval, credits), the refusal it would get.
 */
export async function estimateGeneration(db: Db, ctx: EstimateContext, accountId: string, body: CreateEstimateBody): Promise<EstimateOutcome> {
  const { catalog } = ctx;
  refuseApprovalOverLimit(body.approvedMc);
  const account = await getAccount(db, accountId);
  const plan = findPlan(catalog, account.planId);
  if (!plan) throw new DomainError('conflict', 'unknown_plan', `your plan ${account.planId} is not in the price catalog`);
  const request = runRequestSchema.parse(body.request);
  let est: Estimate;
  try {
    est = estimate(request, catalog, plan.id);
  } catch (e) {
    if (e instanceof PricingError) throw pricingRefusal(e);
    throw e;
  }
  const availableMc = await ctx.availableMc(accountId);
  const refusal = await refusalFor(db, ctx, { accountId, plan, request, est, availableMc, approvedMc: body.approvedMc, spendLimits: account.spendLimits });
  return {
    typicalMc: est.typicalMc,
    maxMc: est.maxMc,
    lines: est.lines.map((l) => ({ modelId: l.modelId, label: l.label, typicalMc: l.typicalMc, maxMc: l.maxMc, unlimited: l.unlimited })),
    catalogVersion: catalog.version,
    planId: plan.id,
    availableMc,
    allowed: refusal === null,
    refusal,
  };
}

interface RefusalInput {
  accountId: string;
  plan: Plan;
  request: ReturnType<typeof runRequestSchema.parse>;
  est: Estimate;
  availableMc: number;
  approvedMc: number | undefined;
  spendLimits: SpendLimit[];
}

/** The first refusal `POST /v1/generations` would answer, in the order it checks: plan, runs in flight, trained model, approval, spend limits, credits. */
async function refusalFor(db: Db, ctx: EstimateContext, r: RefusalInput): Promise<DomainError | null> {
  const counts = await runsToday(db, r.accountId, ctx.now());
  try {
    checkEntitlements(r.plan, expandRequest(r.request, ctx.catalog), counts);
    refuseOverInFlightLimit(r.plan, counts.inFlight, ctx.retryAfterMs(r.accountId));
  } catch (e) {
    if (e instanceof EntitlementError) return new DomainError('not_allowed', e.code, e.message);
    if (e instanceof DomainError) return e;
    throw e;
  }
  if (r.request.customModelId && !(await ctx.customModelOwned?.(db, r.accountId, r.request.customModelId))) {
    return new DomainError('not_found', 'unknown_custom_model', `you have no trained model ${r.request.customModelId}`);
  }
  if (r.approvedMc !== undefined && r.est.maxMc > r.approvedMc) {
    return new DomainError('conflict', 'price_changed', 'the price changed since you approved it; please approve the new estimate', { estimateMaxMc: r.est.maxMc, estimateTypicalMc: r.est.typicalMc, approvedMc: r.approvedMc });
  }
  try {
    await refuseOverSpendLimit(db, ctx.catalog, r.accountId, r.spendLimits, runScopeOf(ctx.catalog, r.request.modelId ?? null, r.request.workflowId ?? null), r.est.maxMc, ctx.now());
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  if (r.est.maxMc > r.availableMc) {
    return new DomainError('insufficient_credits', 'insufficient_credits', `this run needs up to ${creditsText(r.est.maxMc)}; you have ${creditsText(r.availableMc)} available`, { neededMc: r.est.maxMc, availableMc: r.availableMc });
  }
  return null;
}
