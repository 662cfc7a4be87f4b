// A prompt kept in the ledger is cut to its length limit without splitting a character: a run whose prompt has an emoji across the cut is accepted, settled and listed, on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryText, generationSchema, ledgerPageSchema } from '../../shared/api/index';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

describe.each(DRIVERS)('prompts in the ledger on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver);
  });
  afterAll(async () => {
    await s.close();
  });

  it('a prompt whose 200th character is half of an emoji: the run is held, settled and its ledger entries readable', async () => {
    const { token } = await s.newAccount('free');
    const prompt = `${'a'.repeat(199)}😀 and a lighthouse`; // the emoji's two UTF-16 units are the 200th and 201st
    const r = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt }, approvedMc: 1_000 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await s.credits.runner.idle();
    const g = generationSchema.parse((await s.as(token, 'GET', `/v1/generations/${r.body.id}`)).body);
    expect(g.status).toBe('succeeded');
    const ledger = ledgerPageSchema.parse((await s.as(token, 'GET', '/v1/ledger?limit=100')).body);
    const prompts = ledger.items.map(entryText).filter((t) => t.generationId === g.id).map((t) => t.prompt);
    expect(prompts.length).toBeGreaterThan(0);
    for (const p of prompts) expect(p).toBe('a'.repeat(199)); // cut before the emoji, never through it
  });
});
