// The account's live event stream (SSE): ledger entries by id (resumable with Last-Event-ID), wallet and generation events.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_STREAM_HEARTBEAT_MS, STREAM_HEARTBEAT_HEADER } from '../../shared/api/index';
import type { ServerContext } from '../http/context';
import { DomainError } from '../errors';
import type { StreamEvent } from './events';
import { latestLedgerId, ledgerAfter } from './ledger';

/**
 * The heartbeat (a comment line, a few bytes) on every open stream. Short, so a client tells a hung server within seconds: main
 * counts a stream silent for two heartbeats and a margin as not answering. Each stream's answer says it (STREAM_HEARTBEAT_HEADER).
 */
export const SSE_HEARTBEAT_MS = DEFAULT_STREAM_HEARTBEAT_MS;
export const SSE_RETRY_MS = 2_000;
export const SSE_REPLAY_BATCH = 500;
/** at most this many batches are replayed to one reconnecting stream; a client further behind syncs its history by page */
export const SSE_MAX_REPLAY_BATCHES = 20;

/** The streams open on this server, so that shutdown can end them and tests can cut them. */
export class OpenStreams {
  readonly ends = new Set<() => void>();
  readonly drops = new Set<() => void>();
  endAll(): void {
    for (const end of this.ends) end();
  }
  /** cuts every open stream without a goodbye, as a flaky network would (for tests of resumption) */
  dropAll(): void {
    for (const drop of this.drops) drop();
  }
}

function resumePoint(req: FastifyRequest): number | null {
  const h = req.headers['last-event-id'];
  return typeof h === 'string' && /^\d{1,16}$/.test(h) ? Number(h) : null;
}

/**
 * Serves one stream. Ledger entries carry their id as the SSE id: a client that reconnects with Last-Event-ID gets exactly
 * the entries after it, in order, each once. Wallet and generation events carry no id.
 */
export async function serveStream(ctx: ServerContext, streams: OpenStreams, req: FastifyRequest, reply: FastifyReply, heartbeatMs = SSE_HEARTBEAT_MS): Promise<void> {
  const { db, events } = ctx;
  const accountId = req.accountId;
  const first = await ctx.wallet(accountId);
  const res = reply.raw;
  let closed = false;
  // A fresh stream starts after the newest entry; a resumed one after the one the client saw last.
  let lastSent = resumePoint(req) ?? (await latestLedgerId(db, accountId));
  const write = (text: string) => {
    if (!closed) res.write(text);
  };
  let flushing = Promise.resolve();
  const flushLedger = () =>
    (flushing = flushing
      .then(async () => {
        for (let batch = 0; batch < SSE_MAX_REPLAY_BATCHES && !closed; batch++) {
          const page = await ledgerAfter(db, accountId, lastSent, SSE_REPLAY_BATCH);
          for (const entry of page.items) {
            write(`id: ${entry.id}\nevent: ledger\ndata: ${JSON.stringify({ type: 'ledger', entry })}\n\n`);
            lastSent = entry.id;
          }
          if (!page.hasMore) break;
        }
      })
      .catch((e: unknown) => req.log.error({ err: e }, 'ledger replay failed')));
  const send = (e: StreamEvent) => {
    // ledger entries first, so a client never sees a balance without the entries that explain it
    if (e.type === 'wallet') void flushLedger().then(() => write(`event: wallet\ndata: ${JSON.stringify(e)}\n\n`));
    else write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  };
  const unsubscribe = events.subscribe(accountId, send);
  if (!unsubscribe) throw new DomainError('too_many', 'too_many_streams', 'too many open event streams for this account');
  reply.hijack();
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', [STREAM_HEARTBEAT_HEADER]: String(heartbeatMs) });
  res.write(`retry: ${SSE_RETRY_MS}\n\n`);
  send({ type: 'wallet', wallet: first });
  const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
  const end = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    streams.ends.delete(end);
    res.end();
  };
  streams.ends.add(end);
  const drop = () => {
    closed = true;
    res.destroy();
  };
  streams.drops.add(drop);
  req.raw.on('close', () => {
    streams.drops.delete(drop);
    end();
  });
  res.on('error', end);
}
