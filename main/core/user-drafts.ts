// What the user typed and main keeps for them in its store (electron-store / conf): the Generate drafts and the Plan lines, read back validated.
import { draftsSchema, planLinesSchema, type Drafts, type PlanLines } from '../../shared/ipc/drafts-contract';
import type { KeyValueStore } from './stores';

const DRAFTS_KEY = 'generateDrafts';
const PLAN_LINES_KEY = 'planLines';

export class UserDraftsStore {
  constructor(private readonly store: KeyValueStore) {}

  /** the drafts as last saved; null when none were ever saved (or what is stored is damaged: read as none, never an error) */
  drafts(): Drafts | null {
    return this.read(DRAFTS_KEY, (v) => draftsSchema.safeParse(v));
  }

  /** `drafts` has passed the IPC contract's validation (bounded, nothing unknown) before it reaches here */
  saveDrafts(drafts: Drafts): Drafts {
    this.store.set(DRAFTS_KEY, drafts);
    return drafts;
  }

  planLines(): PlanLines | null {
    return this.read(PLAN_LINES_KEY, (v) => planLinesSchema.safeParse(v));
  }

  savePlanLines(plan: PlanLines): PlanLines {
    this.store.set(PLAN_LINES_KEY, plan);
    return plan;
  }

  private read<T>(key: string, parse: (v: unknown) => { success: true; data: T } | { success: false }): T | null {
    let raw: unknown;
    try {
      raw = this.store.get(key);
    } catch {
      return null;
    }
    if (raw === undefined || raw === null) return null;
    const parsed = parse(raw);
    return parsed.success ? parsed.data : null;
  }
}
