// Runs in the browser page in browser mode (a classic script in <head>, before the page's modules): it stands in for the Electron preload, building window.credits (one named function per
// IPC method, from the contract) over the host's token-guarded WebSocket. It may import only shared/: no Node, no Electron, no axios.
import { IPC_EVENT_NAMES, IPC_METHOD_NAMES, eventListenerName } from '../shared/ipc/names';
import type { AppLink, CreditsBridge, IpcResult } from '../shared/ipc/contract';
import { BRIDGE_PATH, type HostMessage } from '../shared/ipc/bridge-protocol';
import { backoffDelayMs, type BackoffPolicy } from '../shared/rules/backoff';

const CALL_TIMEOUT_MS = 30_000;
/** reconnecting to the host (it is on this machine: start soon, never wait long) */
const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 5_000 };
const MAX_PENDING_CALLS = 1_000;
/** what the page's first render waits for (the balance, the theme): asked as the bridge starts, without input */
const EARLY_CALLS = ['getWalletView', 'getTheme'] as const;
/** how long such an early answer may stand in for the page's first call (the page asks within ~200 ms) */
const EARLY_ANSWER_FRESH_MS = 2_000;
/** the host's close code for a socket without this launch's token */
const NOT_ALLOWED_CLOSE_CODE = 4401;
const NO_TOKEN_MESSAGE =
  'This page was opened without its launch token, so it cannot reach Credits Desk. Open the full address browser mode printed when it started (it ends in #token=…), or start it again (npm start, or node out/web/host.cjs) for a new one.';
/** the socket to the app closed after it had been open: the app stopped (or went away), and no call can be answered until it is back */
const APP_STOPPED_MESSAGE = 'The app stopped: start it again and reload';
const REFUSED_TOKEN_MESSAGE =
  "This page's launch token was refused (it belongs to an earlier start of browser mode). Open the address browser mode printed when it last started (it ends in #token=…).";

function launchToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('credits.launchToken', fromHash);
    history.replaceState(null, '', location.pathname + location.search); // keep the token out of the visible address
    return fromHash;
  }
  return sessionStorage.getItem('credits.launchToken') ?? '';
}

type Listeners = Map<string, Set<(p: unknown) => void>>;
type Pending = Map<number, { resolve: (r: IpcResult<unknown>) => void; timer: number }>;

/** Answers every call in flight (and drops those not yet sent) with one error: nothing will answer them. */
function refuseAll(pending: Pending, queue: string[], code: string, message: string): void {
  queue.length = 0;
  for (const [id, p] of pending) {
    pending.delete(id);
    clearTimeout(p.timer);
    p.resolve({ ok: false, error: { code, message } });
  }
}

/** One message from the host: the result of a call in flight, or an event for its listeners. */
function onHostMessage(data: unknown, pending: Pending, listeners: Listeners): void {
  let msg: HostMessage;
  try {
    msg = JSON.parse(String(data)) as HostMessage;
  } catch {
    return;
  }
  if (msg.type === 'result') {
    const p = pending.get(msg.id);
    if (p) {
      pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg.result as IpcResult<unknown>);
    }
  } else if (msg.type === 'event') {
    for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
  }
}

function createBridge(): CreditsBridge {
  const token = launchToken();
  const listeners: Listeners = new Map();
  const pending: Pending = new Map();
  const queue: string[] = [];
  let socket: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;
  // why calls cannot work at all (no token, or a refused one): every call answers with it at once instead of waiting
  let problem: string | null = token ? null : NO_TOKEN_MESSAGE;
  // the socket was open and closed: the app stopped. Calls are refused at once (nothing would answer them) until it opens again.
  let opened = false;
  let stopped = false;

  const setStopped = (now: boolean) => {
    if (stopped === now) return;
    stopped = now;
    if (now) refuseAll(pending, queue, 'app_stopped', APP_STOPPED_MESSAGE);
    const link: AppLink = { connected: !now, message: now ? APP_STOPPED_MESSAGE : null };
    for (const l of listeners.get('appLink') ?? []) l(link);
  };

  const connect = () => {
    if (problem) return;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      opened = true;
      setStopped(false);
      for (const m of queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => onHostMessage(ev.data, pending, listeners);
    ws.onclose = (ev) => {
      socket = null;
      if (ev.code === NOT_ALLOWED_CLOSE_CODE) {
        problem = REFUSED_TOKEN_MESSAGE;
        sessionStorage.removeItem('credits.launchToken');
        refuseAll(pending, queue, 'no_launch_token', problem);
        return;
      }
      // told at once: the calls in flight will never be answered, and the page must not look connected
      if (opened) setStopped(true);
      setTimeout(connect, backoffDelayMs(attempt++, RECONNECT_BACKOFF));
    };
  };
  connect();

  const call = (method: string, input: unknown): Promise<IpcResult<unknown>> =>
    new Promise((resolve) => {
      if (problem) {
        resolve({ ok: false, error: { code: 'no_launch_token', message: problem } });
        return;
      }
      if (stopped) {
        resolve({ ok: false, error: { code: 'app_stopped', message: APP_STOPPED_MESSAGE } });
        return;
      }
      if (pending.size >= MAX_PENDING_CALLS) {
        resolve({ ok: false, error: { code: 'busy', message: 'too many requests in flight' } });
        return;
      }
      const id = nextId++;
      const timer = window.setTimeout(() => {
        pending.delete(id);
        resolve({ ok: false, error: { code: 'timeout', message: 'the app did not answer in time' } });
      }, CALL_TIMEOUT_MS);
      pending.set(id, { resolve, timer });
      const text = JSON.stringify({ type: 'call', id, method, input });
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    });

  const bridge: Record<string, unknown> = {};
  for (const m of IPC_METHOD_NAMES) bridge[m] = (input?: unknown) => call(m, input);
  for (const m of EARLY_CALLS) bridge[m] = earlyAnswer(() => call(m, undefined));
  addListenerFunctions(bridge, listeners);
  return Object.freeze(bridge) as CreditsBridge;
}

/**
 * A call the page makes before its first render (EARLY_CALLS), asked once as soon as this script runs (as Electron's preload would be
 * there first): the socket opens and main answers while the page's own scripts still load, so the page's first call finds the answer
 * waiting. Only that first call takes it, and only while it is fresh; every other call asks main.
 */
function earlyAnswer(ask: () => Promise<IpcResult<unknown>>): () => Promise<IpcResult<unknown>> {
  let early: Promise<IpcResult<unknown>> | null = ask();
  const askedAtMs = performance.now();
  return () => {
    const answer = early;
    early = null;
    return answer && performance.now() - askedAtMs <= EARLY_ANSWER_FRESH_MS ? answer : ask();
  };
}

/** window.credits.onX(listener) for every event: registers the listener and returns its removal. */
function addListenerFunctions(bridge: Record<string, unknown>, listeners: Listeners): void {
  for (const e of IPC_EVENT_NAMES) {
    bridge[eventListenerName(e)] = (listener: (p: unknown) => void) => {
      let set = listeners.get(e);
      if (!set) listeners.set(e, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    };
  }
}

window.credits = createBridge();
