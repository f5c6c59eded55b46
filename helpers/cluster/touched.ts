// What a ClusterHandle read or wrote, for failure evidence (helpers/check/failure-evidence.ts).
// A bounded ring: a worker's handle lives for the whole run and would otherwise keep every ref of
// every check. Marks are a monotonic count of refs ever recorded, so a mark taken before a check stays
// valid however much the ring wraps; only refs older than the newest `cap` are forgotten.
import type { ObjectRef } from './objects.js';

export const DEFAULT_TOUCHED_CAP = 500;

export class TouchedLog {
  private readonly ring: ObjectRef[] = [];
  private total = 0;
  /** the count at the newest mark taken: a repeat is dropped only within one check, never across */
  private markedAt = 0;

  constructor(readonly cap = DEFAULT_TOUCHED_CAP) {
    if (!Number.isInteger(cap) || cap < 1)
      throw new Error(`TouchedLog cap: expected an integer >= 1, got ${cap}`);
  }

  /** Monotonic: how many refs were ever recorded. Take it as a mark before a check. */
  get mark(): number {
    this.markedAt = this.total;
    return this.total;
  }

  /** How many refs are held now (at most `cap`). */
  get size(): number {
    return this.ring.length;
  }

  /**
   * Appends a ref; a repeat of the previous ref (polling the same object) is not recorded again,
   * unless a mark was taken since: the next check's failure evidence must see what it read.
   */
  record(ref: ObjectRef): void {
    const last = this.total > this.markedAt ? this.ring[(this.total - 1) % this.cap] : undefined;
    if (
      last &&
      last.kind === ref.kind &&
      last.name === ref.name &&
      last.namespace === ref.namespace &&
      last.apiVersion === ref.apiVersion
    )
      return;
    this.ring[this.total % this.cap] = ref;
    this.total++;
  }

  /**
   * Refs recorded at or after `mark`, oldest first. If more than `cap` were recorded since, the
   * oldest of them are gone: `dropped` says how many.
   */
  since(mark: number): { refs: ObjectRef[]; dropped: number } {
    const from = Math.max(0, Math.min(mark, this.total));
    const oldestHeld = this.total - this.ring.length;
    const start = Math.max(from, oldestHeld);
    const refs: ObjectRef[] = [];
    for (let i = start; i < this.total; i++) refs.push(this.ring[i % this.cap]!);
    return { refs, dropped: start - from };
  }

  /** Every ref held, oldest first. */
  held(): ObjectRef[] {
    return this.since(0).refs;
  }
}
