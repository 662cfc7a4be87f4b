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
/** the socket stays open but the app says nothing (hung, or its machine asleep) */
const APP_NOT_ANSWERING_MESSAGE = 'The app is not answering: this page reconnects when it does';
/** the page asks the app for a sign of life this often while the socket is open (any message from the app counts) */
const PING_INTERVAL_MS = 2_000;
/** a ping (or a socket's opening) unanswered this long and the page says the app is not answering */
const APP_SILENCE_LIMIT_MS = 10_000;
const PING_MESSAGE = JSON.stringify({ type: 'ping' });
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

/** What the page's socket to the app is doing, shared by createBridge and the socket watcher. */
interface Link {
  token: string;
  listeners: Listeners;
  pending: Pending;
  queue: string[];
  socket: WebSocket | null;
  attempt: number;
  /** why calls cannot work at all (no token, or a refused one): every call answers with it at once instead of waiting */
  problem: string | null;
  /** the socket has been open once: a close or a silence after that means the app stopped or hangs */
  opened: boolean;
  /** why calls are refused at once now (nothing would answer them), until a socket opens again; null while the app is there */
  stopped: string | null;
}

/** Tells the page whether the app is there, and refuses the calls in flight when it is not (with why). */
function setStopped(link: Link, message: string | null): void {
  if (link.stopped === message) return;
  link.stopped = message;
  if (message) refuseAll(link.pending, link.queue, 'app_stopped', message);
  const appLink: AppLink = { connected: message === null, message };
  for (const l of link.listeners.get('appLink') ?? []) l(appLink);
}

/**
 * Opens the socket to the app, and keeps it honest: pings every PING_INTERVAL_MS and, when a ping (or the opening) stays unanswered
 * for APP_SILENCE_LIMIT_MS (the app hung, or a socket never opens), says so and tries a new socket. A close says the app stopped; both retry
 * with backoff, and the first socket that opens makes the app there again.
 */
function connect(link: Link): void {
  if (link.problem) return;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BRIDGE_PATH}?token=${encodeURIComponent(link.token)}`);
  link.socket = ws;
  // since when an answer is awaited: the socket's opening, then each ping until the app says anything. Only an awaited answer's
  // silence counts, so a hidden tab whose timers the browser slows to one a minute never mistakes its own slowness for the app's.
  let awaitedSinceMs: number | null = performance.now();
  const retry = () => {
    window.clearInterval(watch);
    link.socket = null;
    window.setTimeout(() => connect(link), backoffDelayMs(link.attempt++, RECONNECT_BACKOFF));
  };
  const watch = window.setInterval(() => {
    if (awaitedSinceMs === null) {
      awaitedSinceMs = performance.now();
      ws.send(PING_MESSAGE);
      return;
    }
    if (performance.now() - awaitedSinceMs <= APP_SILENCE_LIMIT_MS) return;
    // silence: this socket is given up (its close would wait for the app too), and a new one tried
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.close();
    if (link.opened) setStopped(link, APP_NOT_ANSWERING_MESSAGE);
    retry();
  }, PING_INTERVAL_MS);
  ws.onopen = () => {
    awaitedSinceMs = null;
    link.attempt = 0;
    link.opened = true;
    setStopped(link, null);
    for (const m of link.queue.splice(0)) ws.send(m);
  };
  ws.onmessage = (ev) => {
    awaitedSinceMs = null;
    onHostMessage(ev.data, link.pending, link.listeners);
  };
  ws.onclose = (ev) => {
    if (ev.code === NOT_ALLOWED_CLOSE_CODE) {
      window.clearInterval(watch);
      link.problem = REFUSED_TOKEN_MESSAGE;
      sessionStorage.removeItem('credits.launchToken');
      refuseAll(link.pending, link.queue, 'no_launch_token', link.problem);
      return;
    }
    // told at once: the calls in flight will never be answered, and the page must not look connected
    if (link.opened) setStopped(link, APP_STOPPED_MESSAGE);
    retry();
  };
}

function createBridge(): CreditsBridge {
  const token = launchToken();
  const link: Link = { token, listeners: new Map(), pending: new Map(), queue: [], socket: null, attempt: 0, problem: token ? null : NO_TOKEN_MESSAGE, opened: false, stopped: null };
  const { listeners, pending, queue } = link;
  let nextId = 1;
  connect(link);

  const call = (method: string, input: unknown): Promise<IpcResult<unknown>> =>
    new Promise((resolve) => {
      if (link.problem) {
        resolve({ ok: false, error: { code: 'no_launch_token', message: link.problem } });
        return;
      }
      if (link.stopped) {
        resolve({ ok: false, error: { code: 'app_stopped', message: link.stopped } });
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
      if (link.socket && link.socket.readyState === WebSocket.OPEN) link.socket.send(text);
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
