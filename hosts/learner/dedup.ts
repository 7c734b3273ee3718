// AtMostOnce (src/paxos/dedup.ts) with a table that can be saved in a snapshot. AtMostOnce keeps
// its memory private, so this mirrors it: the same verdicts, plus export and import. Import
// replays the saved request ids into a fresh AtMostOnce (cost: one check per applied request).
import type { Command } from "../../src/paxos/command.js";
import { AtMostOnce, type DedupVerdict } from "../../src/paxos/dedup.js";

const PLACEHOLDER = new Uint8Array(1);

export class DedupTable {
  private filter = new AtMostOnce();
  private readonly mirror = new Map<number, { contiguous: number; above: Set<number> }>();

  check(command: Command): DedupVerdict {
    const verdict = this.filter.check(command);
    if (verdict === "apply") this.record(command.proposer, command.seq);
    return verdict;
  }

  export(): [number, number, number[]][] {
    return [...this.mirror].map(([p, m]) => [p, m.contiguous, [...m.above].sort((a, b) => a - b)]);
  }

  import(rows: readonly [number, number, readonly number[]][]): void {
    this.filter = new AtMostOnce();
    this.mirror.clear();
    for (const [proposer, contiguous, above] of rows) {
      for (let seq = 1; seq <= contiguous; seq++) this.check({ proposer, seq, value: PLACEHOLDER });
      for (const seq of above) this.check({ proposer, seq, value: PLACEHOLDER });
    }
  }

  private record(proposer: number, seq: number): void {
    let m = this.mirror.get(proposer);
    if (!m) {
      m = { contiguous: 0, above: new Set() };
      this.mirror.set(proposer, m);
    }
    m.above.add(seq);
    while (m.above.delete(m.contiguous + 1)) m.contiguous++;
  }
}
