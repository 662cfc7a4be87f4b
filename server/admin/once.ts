// The operator's idempotent POST: the key's first answer is stored with the change (or what may be stored of it) and replayed after.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Tx } from '../db/open';
import type { ServerContext } from '../http/context';
import { idempotencyKeyOf, idempotent } from '../http/idempotency';

export type Answer = { status: number; body: unknown };
export type Once = (req: FastifyRequest, reply: FastifyReply, scope: string, fn: (tx: Tx, key: string) => Promise<Answer>, replayAs?: (first: Answer) => Answer) => Promise<FastifyReply>;

export function operatorOnce(ctx: ServerContext): Once {
  return async (req, reply, scope, fn, replayAs) => {
    const key = idempotencyKeyOf(req);
    const answer = await idempotent(ctx.db, `admin:${scope}`, key, { url: req.url, body: req.body ?? null }, ctx.clock.now(), (tx) => fn(tx, key), replayAs);
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(answer.status).send(answer.body);
  };
}
