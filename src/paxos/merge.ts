// Deterministic merge of per-group logs into one global log (docs/protocol.md §10):
// round-robin by instance — (g0,1), (g1,1), …, (gN-1,1), (g0,2), …
import type { Command } from "./command.js";

export interface MergedEntry {
  group: number;
  instance: number;
  command: Command;
}

export class LogMerger {
  readonly groups: readonly number[];
  /** Per group: delivered-in-order commands not yet merged, and the instance of the first. */
  private readonly queues: Map<number, { base: number; items: Command[] }>;
  private instance = 1;
  private position = 0;

  constructor(groups: readonly number[]) {
    if (groups.length === 0) throw new RangeError("a merger needs at least one group");
    if (new Set(groups).size !== groups.length) throw new RangeError("duplicate group in merge order");
    this.groups = [...groups];
    this.queues = new Map(groups.map((g) => [g, { base: 1, items: [] }]));
  }

  /** The next (group, instance) the merged log waits for. */
  get waitingFor(): { group: number; instance: number } {
    return { group: this.groups[this.position]!, instance: this.instance };
  }

  /**
   * The command pushed for (`group`, `instance`) that still waits to be merged (its group is
   * ahead of another one in the order), or undefined: not pushed yet, or already merged.
   */
  waiting(group: number, instance: number): Command | undefined {
    const q = this.queues.get(group);
    if (!q) return undefined;
    const k = instance - q.base;
    return k >= 0 && k < q.items.length ? q.items[k] : undefined;
  }

  /** Adds the next in-order command of `group`; returns the entries that became mergeable. */
  push(group: number, command: Command): MergedEntry[] {
    const q = this.queues.get(group);
    if (!q) throw new RangeError(`group ${group} is not merged here`);
    q.items.push(command);
    return this.drain();
  }

  private drain(): MergedEntry[] {
    const out: MergedEntry[] = [];
    for (;;) {
      const group = this.groups[this.position]!;
      const q = this.queues.get(group)!;
      if (q.base !== this.instance || q.items.length === 0) return out;
      out.push({ group, instance: this.instance, command: q.items.shift()! });
      q.base++;
      this.position++;
      if (this.position === this.groups.length) {
        this.position = 0;
        this.instance++;
      }
    }
  }

  /**
   * How many instances `group` must have (counting `have`) so that every entry already
   * delivered in the other groups can be merged; `counts` are the other groups' highest
   * in-order instances. A group later in the order needs one less than an earlier one's count.
   */
  static needed(order: readonly number[], group: number, counts: ReadonlyMap<number, number>): number {
    const j = order.indexOf(group);
    let target = 0;
    order.forEach((h, k) => {
      if (h === group) return;
      const c = counts.get(h) ?? 0;
      target = Math.max(target, k < j ? c - 1 : c);
    });
    return target;
  }
}
