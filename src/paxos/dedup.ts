// At-most-once filter for applications (docs/protocol.md §6): a retried request can be decided
// at two instances; only its first delivery takes effect. Memory per proposer is its highest
// contiguous seq plus the seqs seen above it (bounded by the proposer's window).
import type { Command } from "./command.js";
import { isNoopCommand } from "./command.js";

export type DedupVerdict = "apply" | "duplicate" | "noop";

export class AtMostOnce {
  private readonly seen = new Map<number, { contiguous: number; above: Set<number> }>();

  /** Whether `command` should take effect now. Records it, so a second call says "duplicate". */
  check(command: Command): DedupVerdict {
    if (isNoopCommand(command)) return "noop";
    let p = this.seen.get(command.proposer);
    if (!p) {
      p = { contiguous: 0, above: new Set() };
      this.seen.set(command.proposer, p);
    }
    if (command.seq <= p.contiguous || p.above.has(command.seq)) return "duplicate";
    p.above.add(command.seq);
    while (p.above.delete(p.contiguous + 1)) p.contiguous++;
    return "apply";
  }
}
