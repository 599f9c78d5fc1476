/**
 * The deliveries one connection pushed ahead of their commit (spec/relay.md
 * §2.3), until each commit ends, and the acks waiting for those commits. An
 * ack of such an eid reaches the store only once the envelope is stored under
 * it — so the delete follows the insert — and never if it was not: the eid of
 * a commit that failed may later name another envelope (on PostgreSQL another
 * node may assign it), which that ack must not delete.
 */
type Waiting = Array<(stored: boolean) => void>;

export class PushedAhead {
  private readonly waiting = new Map<number, Waiting | undefined>();

  add(eid: number): void {
    this.waiting.set(eid, undefined);
  }

  /** The commit of `eid` ended; false when `eid` was not pushed ahead here (or settled already). */
  settle(eid: number, stored: boolean): boolean {
    if (!this.waiting.has(eid)) return false;
    const acks = this.waiting.get(eid);
    this.waiting.delete(eid);
    if (acks !== undefined) for (const resolve of acks) resolve(stored);
    return true;
  }

  /** The acked eids the store may delete: `eids` at once when none is awaiting its commit, else once they all are settled. */
  storedOf(eids: readonly number[]): readonly number[] | Promise<readonly number[]> {
    if (this.waiting.size === 0 || !eids.some((eid) => this.waiting.has(eid))) return eids;
    const stored = eids.map((eid) => (this.waiting.has(eid) ? this.afterCommit(eid) : true));
    return Promise.all(stored).then((s) => eids.filter((_, i) => s[i]));
  }

  private afterCommit(eid: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const acks = this.waiting.get(eid);
      if (acks === undefined) this.waiting.set(eid, [resolve]);
      else acks.push(resolve);
    });
  }
}
