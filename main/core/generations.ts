// The pre-flight gate and the runs this app started: estimates from the cached catalog and wallet, refusals the user can act on,
// idempotency keys written before sending, and recovery of runs left in flight by a crash.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { stableJson } from '../../shared/api/canonical-json';
import { FINISHED_STATUSES, type Generation } from '../../shared/api/index';
import { isSameOrNewerGeneration } from '../../shared/api/generation-order';
import { creditsText as credits } from '../../shared/rules/money';
import { runRequestSchema, type RunRequest } from '../../shared/rules/pricing';
import { preflightOf } from '../../shared/rules/preflight';
import { readAlertSettings } from '../../shared/rules/alerts';
import type { GenerationView, PreflightResult, Settings } from '../../shared/ipc/contract';
import { ApiClientError, type CreditsApiClient } from './api-client';
import type { CatalogStore } from './catalog-store';
import { UserFacingError } from './ipc-dispatch';
import type { KeyValueStore } from './stores';
import type { WalletSync } from './wallet-sync';

export const MAX_PENDING = 100;
export const MAX_RECENT = 50;
/** runs read from the server on every connection, to show the latest ones */
export const RECENT_ON_CONNECT = 20;
export const DEFAULT_AUTO_APPROVE_MC = 5_000;
/** the same request started again within this window is a double click, not a second run */
export const DUPLICATE_START_WINDOW_MS = 1_500;
const MAX_RECENT_STARTS = 100;

/** A refusal that says when to try again (a limit of runs at once, a busy server) says it in the message too, in seconds or minutes. */
export function withRetryHint(message: string, details: unknown): string {
  const ms = (details as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return message;
  const s = Math.max(1, Math.ceil(ms / 1000));
  const when = s < 90 ? `${s} s` : `${Math.ceil(s / 60)} min`;
  return `${message.replace(/[.\s]+$/, '')} (about ${when}).`;
}

const pendingSchema = z.array(
  z.object({
    key: z.string(),
    request: runRequestSchema,
    approvedMc: z.int().min(0),
    createdAtMs: z.int(),
    generationId: z.string().nullable(),
  }),
);
type Pending = z.infer<typeof pendingSchema>[number];

export interface GenerationsOptions {
  store: KeyValueStore;
  sync: WalletSync;
  catalog: CatalogStore;
  /** where the renderer loads an output from (a custom protocol in Electron, a host route in browser mode) */
  outputUrl(generationId: string, name: string): string;
  now?: () => number;
}

/** Emits 'generation' (GenerationView: every accepted update of a run, from publish() only) and 'notice' ({level, message}). */
export class GenerationsCore extends EventEmitter {
  private readonly recent = new Map<string, Generation>();
  private pending: Pending[];
  /** when each request (stable JSON) was last started: main's own double-click gate, whatever the renderer does */
  private readonly recentStarts = new Map<string, number>();

  constructor(private readonly opts: GenerationsOptions) {
    super();
    const parsed = pendingSchema.safeParse(opts.store.get('pendingRuns'));
    this.pending = parsed.success ? parsed.data.slice(-MAX_PENDING) : [];
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  settings(): Settings {
    const raw = this.opts.store.get('settings') as Partial<Settings> | undefined;
    const auto = raw?.autoApproveMc;
    const low = raw?.lowBalanceThresholdMc;
    return {
      autoApproveMc: typeof auto === 'number' && Number.isSafeInteger(auto) && auto >= 0 ? auto : DEFAULT_AUTO_APPROVE_MC,
      lowBalanceThresholdMc: typeof low === 'number' && Number.isSafeInteger(low) && low >= 0 ? low : null,
      // settings saved before alerts existed load with each alert's default
      ...readAlertSettings(raw),
    };
  }

  updateSettings(patch: Partial<Settings>): Settings {
    const next = { ...this.settings(), ...patch };
    this.opts.store.set('settings', next);
    return next;
  }

  private savePending(): void {
    this.opts.store.set('pendingRuns', this.pending.slice(-MAX_PENDING));
  }

  /** Credits approved for runs this app sent whose hold the wallet may not show yet. */
  inFlightMc(): number {
    return this.pending.filter((p) => p.generationId === null).reduce((s, p) => s + p.approvedMc, 0);
  }

  view(g: Generation): GenerationView {
    return { ...g, outputUrls: Object.fromEntries(g.outputs.map((o) => [o.name, this.opts.outputUrl(g.id, o.name)])) };
  }

  /** Estimates a run and says whether it may run now, from the cache alone: works offline (the renderer shows the same rules' answer at once). */
  preflight(raw: RunRequest): PreflightResult {
    const wv = this.opts.sync.view;
    const serverNowMs = this.opts.sync.serverNow();
    return preflightOf(raw, {
      catalog: this.opts.catalog.get(),
      stale: this.opts.catalog.isStale(serverNowMs),
      wallet: wv.wallet,
      connection: wv.connection,
      notAnswering: wv.notAnswering,
      inFlightMc: this.inFlightMc(),
      autoApproveMc: this.settings().autoApproveMc,
      serverNowMs,
    });
  }

  private client(): CreditsApiClient {
    const c = this.opts.sync.client;
    if (!c || this.opts.sync.view.connection !== 'online') throw new UserFacingError('offline', "You're offline. Running needs the credits server.");
    return c;
  }

  /** Sends a run the user approved, after the gate. The key is saved before sending, so a crash or retry never charges twice. */
  async start(request: RunRequest, approvedMc: number): Promise<GenerationView> {
    const check = this.preflight(request);
    if (check.refusal) throw new UserFacingError(check.refusal.code, check.refusal.message);
    if (approvedMc < check.estimate!.maxMc) {
      throw new UserFacingError('approval_too_low', `This run can cost up to ${credits(check.estimate!.maxMc)}; approve that amount to run it.`, { estimateMaxMc: check.estimate!.maxMc });
    }
    const client = this.client();
    this.refuseDuplicate(request);
    if (this.pending.length >= MAX_PENDING) throw new UserFacingError('too_many_pending', 'Too many runs are waiting to be confirmed; try again in a moment.');
    const entry: Pending = { key: `run-${randomUUID()}`, request: runRequestSchema.parse(request), approvedMc, createdAtMs: this.now(), generationId: null };
    this.pending.push(entry);
    this.savePending();
    try {
      const g = await client.createGeneration({ request, approvedMc }, entry.key);
      entry.generationId = g.id;
      this.savePending();
      this.track(g);
      return this.view(g);
    } catch (e) {
      // a server that says it is busy refused the run before taking it: nothing to look up later
      const refusedBusy = e instanceof ApiClientError && e.serverCode === 'busy';
      if (e instanceof ApiClientError && !refusedBusy && (e.code === 'offline' || e.code === 'timeout' || e.code === 'server_error')) {
        // We cannot know whether the server took it: keep the key and look it up later rather than resend.
        if (e.code === 'timeout') throw new UserFacingError('unconfirmed', "The credits server is not answering, so we couldn't confirm the run reached it. It will be checked when the server answers again; you will not be charged twice.");
        throw new UserFacingError('unconfirmed', "We couldn't confirm the run reached the server. It will be checked when the connection is back; you will not be charged twice.");
      }
      this.pending = this.pending.filter((p) => p.key !== entry.key);
      this.savePending();
      if (e instanceof ApiClientError && e.serverCode === 'price_changed') {
        const d = (e.details ?? {}) as { estimateMaxMc?: number };
        void this.refreshCatalog();
        throw new UserFacingError('price_changed', `The price changed: this run now costs up to ${credits(d.estimateMaxMc ?? 0)}. Please approve the new amount.`, { estimateMaxMc: d.estimateMaxMc ?? null });
      }
      if (e instanceof ApiClientError) throw new UserFacingError(e.serverCode ?? e.code, withRetryHint(e.message, e.details), (e.details ?? undefined) as Record<string, unknown> | undefined);
      throw e;
    }
  }

  /** One click starts one run: the same request started again while the first is being sent, or just after, is refused. */
  private refuseDuplicate(request: RunRequest): void {
    const key = stableJson(runRequestSchema.parse(request));
    const now = this.now();
    const sending = this.pending.some((p) => p.generationId === null && stableJson(p.request) === key);
    const last = this.recentStarts.get(key);
    if (sending || (last !== undefined && now - last < DUPLICATE_START_WINDOW_MS)) {
      throw new UserFacingError('duplicate_start', 'This run was just started; one click starts one run. Change the prompt or wait a moment to run it again.');
    }
    this.recentStarts.delete(key);
    this.recentStarts.set(key, now);
    for (const [k, at] of this.recentStarts) if (now - at >= DUPLICATE_START_WINDOW_MS || this.recentStarts.size > MAX_RECENT_STARTS) this.recentStarts.delete(k);
  }

  async cancel(id: string): Promise<GenerationView> {
    const g = await this.client().cancelGeneration(id, `cancel-${id}`);
    this.track(g);
    return this.view(g);
  }

  async refreshCatalog(): Promise<void> {
    const c = this.opts.sync.client;
    if (!c) return;
    try {
      await this.opts.catalog.sync(c, this.opts.sync.serverNow());
    } catch (e) {
      // keep the cached catalog (staleness is shown with every estimate); a refused signature is worth telling
      if ((e as { code?: string }).code === 'bad_signature') this.emit('notice', { level: 'error', message: (e as Error).message });
    }
  }

  /** Called whenever the server is reachable again: loads recent runs and settles the fate of runs left in flight. */
  async onConnected(client: CreditsApiClient): Promise<void> {
    await this.refreshCatalog();
    try {
      const page = await client.generations(RECENT_ON_CONNECT);
      for (const g of [...page.items].reverse()) this.track(g);
    } catch {
      // history is a convenience here; the next connection tries again
    }
    for (const p of [...this.pending]) {
      try {
        const g = p.generationId ? await client.generation(p.generationId) : await client.generationByKey(p.key);
        if (g) {
          p.generationId = g.id;
          this.track(g);
        } else {
          this.pending = this.pending.filter((x) => x.key !== p.key);
          this.emit('notice', { level: 'info', message: 'A run you started before the connection dropped never reached the server. Nothing was charged.' });
        }
      } catch {
        // still unreachable: try again on the next connection
      }
    }
    this.savePending();
  }

  /**
   * Records an update of a run, from wherever it came (the event stream, the answer to a start or cancel, the list read on
   * connecting), and publishes it, unless it is behind the update already held: a run only moves forward.
   */
  track(g: Generation): void {
    const held = this.recent.get(g.id);
    if (held && !isSameOrNewerGeneration(g, held)) return;
    // the engine's finish estimate comes on the stream only: an answer or a list read of the same running run keeps it
    if (held?.expectedFinishMs !== undefined && g.expectedFinishMs === undefined && g.status === 'running') g = { ...g, expectedFinishMs: held.expectedFinishMs };
    this.recent.delete(g.id);
    this.recent.set(g.id, g);
    while (this.recent.size > MAX_RECENT) this.recent.delete(this.recent.keys().next().value!);
    if ((FINISHED_STATUSES as readonly string[]).includes(g.status)) {
      const before = this.pending.length;
      this.pending = this.pending.filter((p) => p.generationId !== g.id);
      if (this.pending.length !== before) this.savePending();
    }
    this.publish(g);
  }

  /** Publishes every recent run again, least recently updated first: a window that just loaded asks for this. */
  replay(): number {
    for (const g of this.recent.values()) this.publish(g);
    return this.recent.size;
  }

  /** The one place a run is sent towards the renderer. */
  private publish(g: Generation): void {
    this.emit('generation', this.view(g));
  }

  /** Recent runs, most recently updated first. */
  recentViews(): GenerationView[] {
    return [...this.recent.values()].reverse().map((g) => this.view(g));
  }
}
