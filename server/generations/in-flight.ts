// The runs each account has in flight through this instance (accepted here and not seen finished, or running here): a lower bound kept in memory so that a flood at the limit is refused before any lock.
import { inArray } from 'drizzle-orm';
import { FINISHED_STATUSES } from '../../shared/api/index';
import type { Db } from '../db/open';
import { generations } from '../db/schema';

/** runs remembered per instance at most (the oldest accounts are forgotten first: the count is a lower bound either way) */
export const MAX_TRACKED_RUNS = 20_000;
/** ids checked against the database by one statement */
const CHECK_BATCH = 500;

export class InFlightHere {
  private readonly byAccount = new Map<string, Set<string>>();
  private tracked = 0;

  constructor(private readonly onLeave: (accountId: string) => void) {}

  count(accountId: string): number {
    return this.byAccount.get(accountId)?.size ?? 0;
  }

  add(accountId: string, id: string): void {
    let set = this.byAccount.get(accountId);
    if (!set) this.byAccount.set(accountId, (set = new Set()));
    if (set.has(id)) return;
    set.add(id);
    this.tracked++;
    while (this.tracked > MAX_TRACKED_RUNS) this.forget(this.byAccount.keys().next().value!);
  }

  /** The run ended or left (canceled, finished here); unknown ids are ignored. */
  remove(accountId: string, id: string): void {
    const set = this.byAccount.get(accountId);
    if (!set?.delete(id)) return;
    this.tracked--;
    if (set.size === 0) this.byAccount.delete(accountId);
    this.onLeave(accountId);
  }

  private forget(accountId: string): void {
    const set = this.byAccount.get(accountId);
    this.byAccount.delete(accountId);
    this.tracked -= set?.size ?? 0;
    this.onLeave(accountId);
  }

  /** Drops the runs of these accounts (all when absent; a bounded number) that finished on another instance, read by primary key (no lock, no transaction). */
  async confirm(db: Db, accountIds?: string[]): Promise<void> {
    const owners = new Map<string, string>();
    for (const accountId of accountIds ?? [...this.byAccount.keys()]) {
      for (const id of this.byAccount.get(accountId) ?? []) {
        if (owners.size >= CHECK_BATCH) break;
        owners.set(id, accountId);
      }
    }
    if (owners.size === 0) return;
    const rows = await db.select({ id: generations.id, status: generations.status }).from(generations).where(inArray(generations.id, [...owners.keys()]));
    const live = new Set(rows.filter((r) => !(FINISHED_STATUSES as readonly string[]).includes(r.status)).map((r) => r.id));
    for (const [id, accountId] of owners) if (!live.has(id)) this.remove(accountId, id);
  }
}
