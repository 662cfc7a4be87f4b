// Training uploads are read within a memory budget: the largest two bodies at once, one per account; past it a request is refused (429 for the account's share, 503 for the instance's) before its body is read, and a client that goes gives its room back.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../test/server/helpers';
import { TRAINING_BODY_LIMIT_BYTES } from './routes';
import { images } from '../../test/server/training-images';
import { UploadBudget } from './upload-budget';

describe('the upload budget', () => {
  it('takes what fits, in all and per account, and gives it back once', () => {
    const b = new UploadBudget(100, 60);
    const a1 = b.take('a', 60)!;
    expect(b.take('a', 1)).toBeNull(); // the account's share is used
    const b1 = b.take('b', 40)!;
    expect(b.take('c', 1)).toBeNull(); // the whole is used
    a1();
    a1(); // twice gives back once
    expect(b.inUseBytes).toBe(40);
    expect(b.take('c', 60)).not.toBeNull();
    b1();
    expect(b.inUseBytes).toBe(60);
  });
});

/** An upload whose body is announced at the largest size and left unfinished: the server has read its headers, not its body. */
function openUpload(s: TestServer, token: string): { req: http.ClientRequest; answer: Promise<number> } {
  const url = new URL('/v1/trainings', s.url);
  const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `big-${Math.random()}`, 'content-length': String(TRAINING_BODY_LIMIT_BYTES) } });
  const answer = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
  });
  req.write('{"name":"big","images":[');
  return { req, answer };
}

/** Resolves once `check` holds, looking again after each turn of the event loop (no fixed wait). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200_000; i++) {
    if (check()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error(`never: ${what}`);
}

describe('training uploads on one server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite', { trainingSpeed: 1_000 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('two large bodies are read at once, one per account; the same account waits with 429, a third with 503, both with Retry-After; a client that goes frees its room', async () => {
    const a = await s.newAccount('max');
    const b = await s.newAccount('max');
    const c = await s.newAccount('max');
    const budget = s.credits.uploads;
    const first = openUpload(s, a.token);
    await until(() => budget.inUseBytes === TRAINING_BODY_LIMIT_BYTES, "the first upload's room");
    // the same account again: refused before its body is read (the account's share: 429)
    const again = await s.as(a.token, 'POST', '/v1/trainings', { name: 'small', images: images(1) });
    expect([again.status, again.body.error.code, again.headers.get('retry-after')]).toEqual([429, 'too_many_uploads', '5']);
    // another account: room for a second large body
    const second = openUpload(s, b.token);
    await until(() => budget.inUseBytes === 2 * TRAINING_BODY_LIMIT_BYTES, "the second upload's room");
    // a third account: the instance's whole is used (503)
    const third = await s.as(c.token, 'POST', '/v1/trainings', { name: 'small', images: images(1) });
    expect([third.status, third.body.error.code, third.headers.get('retry-after')]).toEqual([503, 'busy', '5']);
    // the first client goes mid-body: its room comes back, and the third account's upload is read and started
    first.req.destroy();
    await first.answer;
    await until(() => budget.inUseBytes === TRAINING_BODY_LIMIT_BYTES, 'the room of the upload whose client went');
    const retried = await s.as(c.token, 'POST', '/v1/trainings', { name: 'small', images: images(1) });
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    second.req.destroy();
    await second.answer;
    await until(() => budget.inUseBytes === 0, 'every room back');
    await s.credits.trainer.idle();
  });
});
