// The switch graph: cables between switches, shortest paths with a deterministic tie-break.
// Validation (fault and path checks) and the desired state both route with this one function.
import type { SwitchConfig } from "./types.js";

export interface Adjacent {
  /** Port on this switch. */
  port: number;
  peer: string;
  peerPort: number;
}

export class Topology {
  private readonly adj = new Map<string, Adjacent[]>();
  private readonly bfsCache = new Map<string, Map<string, number>>();

  /** Only cables described the same way at both ends become edges. */
  constructor(switches: readonly Pick<SwitchConfig, "name" | "ports">[]) {
    const byName = new Map(switches.map((s) => [s.name, s]));
    for (const s of switches) {
      const list: Adjacent[] = [];
      for (const p of s.ports) {
        if (p.peer.kind !== "switch" || p.peer.switch === s.name) continue;
        const { switch: peerName, port: peerPort } = p.peer;
        const back = byName.get(peerName)?.ports.find((q) => q.port === peerPort);
        if (back?.peer.kind === "switch" && back.peer.switch === s.name && back.peer.port === p.port) {
          list.push({ port: p.port, peer: peerName, peerPort });
        }
      }
      list.sort((a, b) => a.port - b.port);
      this.adj.set(s.name, list);
    }
  }

  get switchNames(): string[] {
    return [...this.adj.keys()];
  }

  neighbours(name: string): readonly Adjacent[] {
    return this.adj.get(name) ?? [];
  }

  /** Hop counts to `dest` from every switch reachable from it, avoiding `down` switches. */
  private distancesTo(dest: string, down: ReadonlySet<string>): Map<string, number> {
    const key = `${dest}|${[...down].sort().join(",")}`;
    const cached = this.bfsCache.get(key);
    if (cached) return cached;
    const dist = new Map<string, number>();
    if (this.adj.has(dest) && !down.has(dest)) {
      dist.set(dest, 0);
      const queue = [dest];
      for (let i = 0; i < queue.length; i++) {
        const cur = queue[i]!;
        for (const n of this.neighbours(cur)) {
          if (down.has(n.peer) || dist.has(n.peer)) continue;
          dist.set(n.peer, dist.get(cur)! + 1);
          queue.push(n.peer);
        }
      }
    }
    this.bfsCache.set(key, dist);
    return dist;
  }

  /**
   * The port `from` sends out of towards switch `to` on a shortest path: among the equally short
   * choices, the lowest port number. Undefined if `from` = `to` or `to` is unreachable.
   */
  nextHop(from: string, to: string, down: ReadonlySet<string> = new Set()): Adjacent | undefined {
    if (from === to || down.has(from)) return undefined;
    const dist = this.distancesTo(to, down);
    const d = dist.get(from);
    if (d === undefined) return undefined;
    return this.neighbours(from).find((n) => !down.has(n.peer) && dist.get(n.peer) === d - 1);
  }

  /** Switches on the chosen path from `from` to `to`, both included; undefined if unreachable. */
  path(from: string, to: string, down: ReadonlySet<string> = new Set()): string[] | undefined {
    if (down.has(from) || down.has(to) || !this.adj.has(from) || !this.adj.has(to)) return undefined;
    const out = [from];
    let cur = from;
    while (cur !== to) {
      const hop = this.nextHop(cur, to, down);
      if (!hop) return undefined;
      cur = hop.peer;
      out.push(cur);
    }
    return out;
  }

  reachable(from: string, to: string, down: ReadonlySet<string> = new Set()): boolean {
    return this.path(from, to, down) !== undefined;
  }

  /** Switches reachable from `from` (itself included) avoiding `down`. */
  component(from: string, down: ReadonlySet<string> = new Set()): Set<string> {
    return new Set(this.distancesTo(from, down).keys());
  }
}
