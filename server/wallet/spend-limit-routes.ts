// Spend-limit routes: the user reads and sets their own limits; the operator sets an account's (which the user cannot change).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accountIdParamsSchema, setSpendLimitsBodySchema, spendLimitsAnswerSchema, type SpendLimitsAnswer } from '../../shared/api/index';
import type { SpendLimit } from '../../shared/rules/spend-limits';
import { lockAccount } from '../accounts/service';
import type { ServerContext } from '../http/context';
import { DomainError } from '../errors';
import { setSpendLimits } from './spend-limits';

type LimitInput = Omit<SpendLimit, 'setBy'>;

/** The limits of one side replaced under the account's lock, then the wallet (which carries them) read and published to every stream. */
export async function replaceSpendLimits(ctx: ServerContext, accountId: string, setBy: SpendLimit['setBy'], limits: LimitInput[]): Promise<SpendLimitsAnswer> {
  for (const { scope } of limits) {
    if (scope.kind === 'model' && !ctx.catalog.models.some((m) => m.id === scope.modelId)) throw new DomainError('invalid', 'unknown_model', `the price catalog has no model ${scope.modelId}`);
  }
  await ctx.accountTurns.run(accountId, () =>
    ctx.db.transaction(async (tx) => {
      const account = await lockAccount(tx, accountId);
      await setSpendLimits(tx, accountId, account.spendLimits, setBy, limits);
    }),
  );
  const wallet = await ctx.wallet(accountId);
  ctx.publishWallet(accountId, wallet);
  return spendLimitsAnswerSchema.parse({ limits: wallet.spendLimits ?? [], serverTimeMs: wallet.serverTimeMs });
}

export function spendLimitRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/spend-limits', async (req) => {
      const wallet = await ctx.wallet(req.accountId);
      return spendLimitsAnswerSchema.parse({ limits: wallet.spendLimits ?? [], serverTimeMs: wallet.serverTimeMs });
    });
    app.put('/v1/spend-limits', { schema: { body: setSpendLimitsBodySchema } }, async (req) => replaceSpendLimits(ctx, req.accountId, 'user', req.body.limits));
  };
}

export function adminSpendLimitRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.put('/admin/accounts/:id/spend-limits', { schema: { params: accountIdParamsSchema, body: setSpendLimitsBodySchema } }, async (req) => replaceSpendLimits(ctx, req.params.id, 'operator', req.body.limits));
  };
}
