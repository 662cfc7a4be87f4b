// The engine interface: runs a priced request with progress and cancellation and reports what it actually used and delivered.
import type { GenerationOutput } from '../../shared/api/index';
import type { ResolvedRun, Usage } from '../../shared/rules/pricing';

export interface EngineJob {
  generationId: string;
  /** one run, or one per workflow block */
  runs: ResolvedRun[];
  /** deterministic seed for engines that can use one */
  seed: number;
  /** the directory the engine writes its output files into (exists, empty) */
  outputDir: string;
  signal: AbortSignal;
  onProgress(pct: number): void;
}

export interface EngineResult {
  /** what was used; for a workflow, `blocks` holds one usage per block */
  usage: Usage;
  outputs: GenerationOutput[];
  /** units (images, seconds, blocks…) asked for but not delivered: a partly failed batch */
  undelivered: number;
  /** why some units were not delivered */
  partialReason?: string;
}

export type EngineErrorCode = 'engine_failed' | 'provider_error' | 'timeout' | 'canceled' | 'unsupported' | 'bad_provider_response';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface Engine {
  readonly name: string;
  run(job: EngineJob): Promise<EngineResult>;
  /** how long a run should take, when the engine can tell (null: it cannot, the app then says "working") */
  expectedDurationMs?(runs: readonly ResolvedRun[]): number | null;
}

/** Waits `ms`, or rejects with a canceled EngineError when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new EngineError('canceled', 'the run was canceled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new EngineError('canceled', 'the run was canceled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** How many runs an engine takes at once, and how many it may start per minute. */
export interface EngineLimits {
  /** runs on this engine at once */
  concurrency: number;
  /** runs started on this engine in any 60 s; null = no such limit */
  perMinute: number | null;
  /** the limits bind the whole fleet (a provider's, counted in the database); absent or false: each instance (the local engine's cores) */
  fleetWide?: boolean;
  /** the window perMinute counts over, 60 s; tests may shorten it rather than wait a minute */
  windowMs?: number;
}
