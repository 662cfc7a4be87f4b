// Auto top-up routes: the user opts in with a pack, a threshold and a monthly cap (only with a saved card), turns it off, and resumes it after a pause.
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { autoTopUpSettingsSchema, autoTopUpViewSchema, emptyBodySchema, type AutoTopUpView } from '../../shared/api/index';
import { lockAccount } from '../accounts/service';
import { accountAuth } from '../accounts/auth';
import type { Tx } from '../db/open';
import { accounts } from '../db/schema';
import type { ServerContext } from '../http/context';
import { DomainError } from '../errors';
import { checkCountry } from './service';

const viewOf = (w: { autoTopUp?: AutoTopUpView | undefined }): AutoTopUpView => autoTopUpViewSchema.parse(w.autoTopUp ?? { settings: null, card: null, paused: null, month: { count: 0, amountMinor: 0, capReached: false } });

export function autoTopUpRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  const { catalog } = ctx;
  /** a change under the account's lock, then the wallet (which carries auto top-up) read and published to every stream */
  const change = async (accountId: string, fn: (tx: Tx, account: Awaited<ReturnType<typeof lockAccount>>) => Promise<void>): Promise<AutoTopUpView> => {
    await ctx.accountTurns.run(accountId, () => ctx.db.transaction(async (tx) => fn(tx, await lockAccount(tx, accountId))));
    const wallet = await ctx.wallet(accountId);
    ctx.publishWallet(accountId, wallet);
    return viewOf(wallet);
  };
  return async (app) => {
    app.addHook('onRequest', accountAuth(ctx.db, ctx.clock));
    app.get('/v1/auto-top-up', async (req) => viewOf(await ctx.wallet(req.accountId)));

    // opt-in only, with a required cap; a purchase never turns it on (saving a card at a checkout only keeps the card)
    app.put('/v1/auto-top-up', { schema: { body: autoTopUpSettingsSchema } }, async (req) => {
      const s = req.body;
      const pack = catalog.packs.find((p) => p.id === s.packId);
      if (!pack) throw new DomainError('invalid', 'unknown_pack', `there is no pack ${s.packId}`);
      checkCountry(catalog, s.country);
      if (s.cap.kind === 'amount' && s.cap.currency !== catalog.currency) throw new DomainError('invalid', 'cap_currency', `packs are sold in ${catalog.currency}: give the cap in ${catalog.currency}`);
      if (s.cap.kind === 'amount' && s.cap.amountMinor < pack.priceMinor) throw new DomainError('invalid', 'cap_below_pack', `a cap of ${s.cap.amountMinor} ${catalog.currency} minor units buys not one ${pack.name} (${pack.priceMinor})`);
      return change(req.accountId, async (tx, account) => {
        if (s.enabled && !account.savedMethod) throw new DomainError('conflict', 'no_saved_card', 'auto top-up pays with a saved card: buy a pack and choose to save the card for auto top-up first');
        const rec = account.autoTopUp;
        await tx.update(accounts).set({ autoTopUp: { settings: s, paused: rec?.paused ?? null, capToldMonth: rec?.capToldMonth ?? null } }).where(eq(accounts.id, account.id));
      });
    });

    app.post('/v1/auto-top-up/resume', { schema: { body: emptyBodySchema } }, async (req) =>
      change(req.accountId, async (tx, account) => {
        if (!account.autoTopUp?.paused) throw new DomainError('conflict', 'not_paused', 'auto top-up is not paused');
        await tx.update(accounts).set({ autoTopUp: { ...account.autoTopUp, paused: null } }).where(eq(accounts.id, account.id));
      }),
    );
  };
}
