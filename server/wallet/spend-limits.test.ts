// Spend limits on PGlite and PostgreSQL: set by the user and the operator, counted at hold time, given back on settle and void, refused with their words, reset with their window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateAnswerSchema, spendLimitsAnswerSchema, walletSchema } from '../../shared/api/index';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import { SLOW, SlowWhenAsked } from '../../test/server/slow-engine';

const DAY_MS = 86_400_000;


describe.each(DRIVERS)('spend limits on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver, { clockMs: Date.parse('2026-11-25T10:00:00Z'), engines: new SlowWhenAsked() }); // a Wednesday
  });
  afterAll(async () => {
    await s.close();
  });

  async function account(credits = '100'): Promise<string> {
    const a = await s.newAccount('pro');
    await s.admin('POST', `/admin/accounts/${a.accountId}/grants`, { credits });
    return a.token;
  }
  const limits = async (token: string, body: unknown) => s.as(token, 'PUT', '/v1/spend-limits', body);
  const run = (token: string, prompt = 'a lighthouse', count = 1) => {
    const request = { modelId: 'flux-schnell', prompt, count };
    return s.as(token, 'POST', '/v1/generations', { request, approvedMc: 1_000 * count });
  };

  it('counts a hold when it is taken and what the settle charged after, and refuses the run that would pass the limit, naming it', async () => {
    const token = await account();
    const set = await limits(token, { limits: [{ window: 'day', limitMc: 2_500 }] });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(spendLimitsAnswerSchema.parse(set.body).limits).toEqual([
      { window: 'day', scope: { kind: 'all' }, limitMc: 2_500, setBy: 'user', spentMc: 0, heldMc: 0, windowStartMs: Date.parse('2026-11-25T00:00:00Z'), resetsAtMs: Date.parse('2026-11-26T00:00:00Z') },
    ]);
    const slow = await run(token, `${SLOW} one`, 2);
    expect(slow.status).toBe(201);
    const held = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body).spendLimits![0]!;
    expect(held).toMatchObject({ spentMc: 0, heldMc: 2_000 });
    // 2 held + 1 more would pass 2.5: refused before anything is held
    const refused = await run(token, 'two');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'spend_limit_reached', details: { window: 'day', setBy: 'user', limitMc: 2_500, spentMc: 0, heldMc: 2_000, neededMc: 1_000, leftMc: 500, resetsAtMs: Date.parse('2026-11-26T00:00:00Z') } });
    expect(refused.body.error.message).toBe('this run could cost up to 1 credit, more than the 0.5 credits left of your daily spend limit of 2.5 credits (0 credits spent and 2 credits held); it resets 2026-11-26 00:00 UTC');
    const e = estimateAnswerSchema.parse((await s.as(token, 'POST', '/v1/estimates', { request: { modelId: 'flux-schnell', prompt: 'two' } })).body);
    expect(e.refusal).toMatchObject({ status: 403, code: 'spend_limit_reached', message: refused.body.error.message });
    // the canceled run gives its hold back; a run that completes counts what it was charged
    expect((await s.as(token, 'POST', `/v1/generations/${slow.body.id}/cancel`, {})).status).toBe(200);
    expect((await run(token, 'three', 2)).status).toBe(201);
    await s.credits.runner.idle();
    const settled = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body).spendLimits![0]!;
    expect(settled).toMatchObject({ spentMc: 2_000, heldMc: 0 });
  });

  it('a failed run gives its hold back: it counts nothing', async () => {
    const token = await account();
    await limits(token, { limits: [{ window: 'week', limitMc: 1_000 }] });
    expect((await run(token, 'a cat [fail]')).status).toBe(201);
    await s.credits.runner.idle();
    expect(walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body).spendLimits![0]).toMatchObject({ window: 'week', spentMc: 0, heldMc: 0, windowStartMs: Date.parse('2026-11-23T00:00:00Z') });
    expect((await run(token, 'a cat')).status).toBe(201);
  });

  it('a limit for one model or one modality binds only its runs; the tightest of several binds', async () => {
    const token = await account();
    await limits(token, { limits: [{ window: 'month', scope: { kind: 'model', modelId: 'flux-schnell' }, limitMc: 1_000 }, { window: 'day', scope: { kind: 'modality', modality: 'video' }, limitMc: 1 }] });
    expect((await run(token, 'first')).status).toBe(201);
    const second = await run(token, 'second');
    expect(second.body.error).toMatchObject({ code: 'spend_limit_reached', details: { window: 'month', scope: { kind: 'model', modelId: 'flux-schnell' } } });
    expect(second.body.error.message).toContain('your monthly spend limit for FLUX.1 Schnell of 1 credit');
    const text = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'gpt-4o', prompt: 'hi', maxOutputTokens: 100 }, approvedMc: 7_000 });
    expect(text.status, JSON.stringify(text.body)).toBe(201);
    const video = await s.as(token, 'POST', '/v1/estimates', { request: { modelId: 'veo-3', seconds: 4 } });
    expect(video.body.refusal).toMatchObject({ code: 'spend_limit_reached', details: { scope: { kind: 'modality', modality: 'video' } } });
  });

  it('the operator\'s limits stay when the user sets theirs, and the user cannot remove them', async () => {
    const a = await s.newAccount('pro');
    await s.admin('POST', `/admin/accounts/${a.accountId}/grants`, { credits: '100' });
    const op = await s.admin('PUT', `/admin/accounts/${a.accountId}/spend-limits`, { limits: [{ window: 'day', limitMc: 1_500 }] });
    expect(op.status, JSON.stringify(op.body)).toBe(200);
    const mine = spendLimitsAnswerSchema.parse((await limits(a.token, { limits: [{ window: 'day', limitMc: 50_000 }] })).body);
    expect(mine.limits.map((l) => [l.setBy, l.limitMc])).toEqual([['operator', 1_500], ['user', 50_000]]);
    expect(spendLimitsAnswerSchema.parse((await limits(a.token, { limits: [] })).body).limits.map((l) => l.setBy)).toEqual(['operator']);
    expect((await run(a.token, 'one')).status).toBe(201);
    expect((await run(a.token, 'two')).body.error).toMatchObject({ code: 'spend_limit_reached', details: { setBy: 'operator' } });
    expect((await run(a.token, 'two')).body.error.message).toContain("your operator's daily spend limit");
  });

  it('a lowered limit refuses new holds only, and a new window starts from nothing', async () => {
    const token = await account();
    await limits(token, { limits: [{ window: 'day', limitMc: 5_000 }] });
    expect((await run(token, 'a', 3)).status).toBe(201);
    await limits(token, { limits: [{ window: 'day', limitMc: 1_000 }] });
    const w = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
    expect(w.heldMc + w.spendLimits![0]!.spentMc).toBe(3_000); // nothing held is taken back
    expect((await run(token, 'b')).status).toBe(403);
    await s.credits.runner.idle();
    await s.admin('POST', '/admin/clock', { advanceMs: DAY_MS });
    const next = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body).spendLimits![0]!;
    expect(next).toMatchObject({ spentMc: 0, heldMc: 0, windowStartMs: Date.parse('2026-11-26T00:00:00Z') });
    expect((await run(token, 'c')).status).toBe(201);
  });

  it('refuses bad limits with a clear error and changes nothing', async () => {
    const token = await account();
    await limits(token, { limits: [{ window: 'day', limitMc: 9_000 }] });
    const bad: [unknown, number, RegExp][] = [
      [{ limits: [{ window: 'day', limitMc: 0 }] }, 400, /limitMc/],
      [{ limits: [{ window: 'hour', limitMc: 10 }] }, 400, /window/],
      [{ limits: [{ window: 'day', limitMc: 10 }, { window: 'day', limitMc: 20 }] }, 400, /one limit per window and scope/],
      [{ limits: [{ window: 'day', scope: { kind: 'model', modelId: 'no-such-model' }, limitMc: 10 }] }, 400, /no model no-such-model/],
      [{ limits: Array.from({ length: 21 }, (_, i) => ({ window: 'day', scope: { kind: 'model', modelId: `m${i}` }, limitMc: 10 })) }, 400, /limits/],
    ];
    for (const [body, status, message] of bad) {
      const r = await limits(token, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(JSON.stringify(r.body.error)).toMatch(message);
    }
    expect(spendLimitsAnswerSchema.parse((await s.as(token, 'GET', '/v1/spend-limits')).body).limits.map((l) => l.limitMc)).toEqual([9_000]);
  });
});
