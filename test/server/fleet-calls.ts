// What the fleet tests do to a running server instance over HTTP: a JSON call as an account, and its event stream read raw (every event kept in order, and a wait for the next that matches).
import { idemKey } from './helpers';

export interface SseEvent {
  event: string;
  id: number | null;
  data: any;
}

/** A call as `token` to the server at `url`; a POST carries a new Idempotency-Key. The body is parsed JSON, or null. */
export async function callAs(url: string, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['idempotency-key'] = idemKey();
  const res = await fetch(`${url}${route}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** One SSE frame's event, or null for a comment (a heartbeat). */
function parseFrame(frame: string): SseEvent | null {
  const lines = frame.split('\n');
  const data = lines.find((l) => l.startsWith('data: '));
  if (!data) return null;
  const id = lines.find((l) => l.startsWith('id: '));
  return { event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message', id: id ? Number(id.slice(4)) : null, data: JSON.parse(data.slice(6)) };
}

/**
 * The account's event stream on the server at `url`, read in the background: `seen` holds every event in order; `until` waits
 * for the next event (after the one the last `until` returned) that matches, and fails after timeoutMs naming what it saw.
 */
export async function openEventStream(url: string, token: string) {
  const ctrl = new AbortController();
  const res = await fetch(`${url}/v1/wallet/events`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
  if (!/text\/event-stream/.test(res.headers.get('content-type') ?? '')) throw new Error(`not an event stream: ${res.status} ${res.headers.get('content-type')}`);
  const seen: SseEvent[] = [];
  const waiting: { wake: (() => void) | null } = { wake: null };
  let ended = false;
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body!) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const e = parseFrame(buf.slice(0, i));
        buf = buf.slice(i + 2);
        if (e) seen.push(e);
      }
      waiting.wake?.();
    }
  })()
    .catch(() => undefined)
    .finally(() => {
      ended = true;
      waiting.wake?.();
    });
  let cursor = 0;
  const until = async (match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (; cursor < seen.length; cursor++) if (match(seen[cursor]!)) return seen[cursor++]!;
      const leftMs = deadline - Date.now();
      if (ended || leftMs <= 0) throw new Error(`no matching event in ${timeoutMs} ms${ended ? ' (the stream ended)' : ''}; saw ${JSON.stringify(seen.map((e) => e.event))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, leftMs);
        waiting.wake = () => {
          clearTimeout(timer);
          waiting.wake = null;
          resolve();
        };
      });
    }
  };
  return { seen, until, close: () => ctrl.abort() };
}
