// Whether an update of a run may replace the one already shown: runs only move forward (queued → running → finished, progress up).
import type { GenerationStatus } from './index';

/** The fields of a run that order its updates (a Generation has them all). */
export interface GenerationStamp {
  id: string;
  status: GenerationStatus;
  progressPct: number;
  finishedAtMs: number | null;
}

const STAGE: Record<GenerationStatus, number> = { queued: 0, running: 1, succeeded: 2, partial: 2, failed: 2, expired: 2, canceled: 2 };

/**
 * True when `candidate` may replace `current`, an earlier-received update of the same run: it is at the same point or further
 * along (stage, then progress, then finish time). An update that is behind — a late HTTP answer after a streamed event, a list
 * read before the run finished — is dropped. Equal updates replace (they may carry the same state read again), so applying one
 * twice is harmless. Updates of different runs are not ordered: false.
 */
export function isSameOrNewerGeneration(candidate: GenerationStamp, current: GenerationStamp): boolean {
  if (candidate.id !== current.id) return false;
  const stage = STAGE[candidate.status] - STAGE[current.status];
  if (stage !== 0) return stage > 0;
  if (candidate.progressPct !== current.progressPct) return candidate.progressPct > current.progressPct;
  return (candidate.finishedAtMs ?? 0) >= (current.finishedAtMs ?? 0);
}
