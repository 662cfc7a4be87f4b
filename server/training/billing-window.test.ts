// The training allowance follows the subscription's billing period (docs/credit-rules.md §7), on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

describe.each(DRIVERS)('allowance window from the subscription on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver);
  });
  afterAll(async () => {
    await s.close();
  });

  const subscription = async (token: string) => (await s.as(token, 'GET', '/v1/subscription')).body as { period: string | null; currentPeriodEndMs: number | null };
  const training = async (token: string) => (await s.as(token, 'GET', '/v1/wallet')).body.training as { period: string | null; allowance: number; renewsAtMs: number | null };

  it('a yearly Pro subscription counts 12 a subscription year, renewing when the paid year ends', async () => {
    const { accountId, token } = await s.newAccount();
    expect((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'pro', period: 'yearly' })).status).toBe(200);
    const sub = await subscription(token);
    expect(sub.period).toBe('yearly');
    expect(await training(token)).toMatchObject({ period: 'yearly', allowance: 12, renewsAtMs: sub.currentPeriodEndMs });
  });

  it('a weekly Pro subscription counts 1 a paid week, renewing with it', async () => {
    const { accountId, token } = await s.newAccount();
    expect((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'pro', period: 'weekly' })).status).toBe(200);
    const sub = await subscription(token);
    expect(await training(token)).toMatchObject({ period: 'weekly', allowance: 1, renewsAtMs: sub.currentPeriodEndMs });
  });

  it('Free has none', async () => {
    const { token } = await s.newAccount();
    expect(await training(token)).toMatchObject({ period: null, allowance: 0 });
  });
});
