// The simulated network's fault model: per-link loss, duplication, delay with jitter (which
// reorders), partitions, and message filters (e.g. "lose every 2B of instance 7").
import type { PaxosMessage } from "../../wire/message.js";
import type { Prng } from "./prng.js";

export interface LinkFaults {
  /** Probability a copy is lost. */
  loss: number;
  /** Probability a copy is delivered twice. */
  dup: number;
  /** Delay range in ms; a wide range reorders. */
  delayMin: number;
  delayMax: number;
}

export const CLEAN_LINK: LinkFaults = { loss: 0, dup: 0, delayMin: 0.5, delayMax: 1.5 };

/** Returns true to drop the copy from `from` to `to`. */
export type MessageFilter = (from: string, to: string, msg: PaxosMessage) => boolean;

export class FaultModel {
  private defaults: LinkFaults = { ...CLEAN_LINK };
  private readonly links = new Map<string, LinkFaults>();
  /** Unordered node pairs that cannot talk. */
  private readonly cuts = new Set<string>();
  private readonly filters = new Map<string, MessageFilter>();

  setDefault(faults: LinkFaults): void {
    this.defaults = { ...faults };
  }

  /** Faults of the directed link from → to. */
  setLink(from: string, to: string, faults: LinkFaults): void {
    this.links.set(`${from}>${to}`, { ...faults });
  }

  clearLinks(): void {
    this.links.clear();
  }

  /** Cuts every link between a node of `a` and a node of `b`, both ways. */
  partition(a: readonly string[], b: readonly string[]): void {
    for (const x of a) for (const y of b) this.cuts.add(pairKey(x, y));
  }

  healPartitions(): void {
    this.cuts.clear();
  }

  addFilter(name: string, filter: MessageFilter): void {
    this.filters.set(name, filter);
  }

  removeFilter(name: string): void {
    this.filters.delete(name);
  }

  /** Delays (ms) of the copies of `msg` that reach `to`: empty if lost, two if duplicated. */
  copies(from: string, to: string, msg: PaxosMessage, rng: Prng): number[] {
    if (this.cuts.has(pairKey(from, to))) return [];
    for (const f of this.filters.values()) if (f(from, to, msg)) return [];
    const link = this.links.get(`${from}>${to}`) ?? this.defaults;
    if (rng.chance(link.loss)) return [];
    const n = rng.chance(link.dup) ? 2 : 1;
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(rng.range(link.delayMin, link.delayMax));
    return out;
  }

  /** Whether from and to are on different sides of a partition. */
  isCut(from: string, to: string): boolean {
    return this.cuts.has(pairKey(from, to));
  }

  /** The largest delay any link can add: messages older than this have drained. */
  maxDelay(): number {
    let m = this.defaults.delayMax;
    for (const l of this.links.values()) m = Math.max(m, l.delayMax);
    return m;
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
