// Per-port impairments applied to frames on their way through a port: loss, delay, duplication
// and reordering, from a seeded PRNG so runs are reproducible. Settings can change at run time.

import { seededRng } from "../engine.js";
import type { FrameHandler, Port } from "./port.js";

export interface Impairments {
  /** Probability (0..1) that a frame is dropped. */
  drop?: number;
  /** Fixed delay in milliseconds. */
  delayMs?: number;
  /** Probability that a frame is sent twice. */
  duplicate?: number;
  /** Probability that a frame is held back by `reorderDelayMs` extra, letting later frames pass it. */
  reorder?: number;
  reorderDelayMs?: number;
}

export interface ImpairmentStats {
  passed: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

export type Scheduler = (fn: () => void, ms: number) => void;

const check = (i: Impairments): Impairments => {
  for (const k of ["drop", "duplicate", "reorder"] as const) {
    const v = i[k];
    if (v !== undefined && !(v >= 0 && v <= 1))
      throw new RangeError(`impairment ${k} must be in [0, 1], got ${v}`);
  }
  for (const k of ["delayMs", "reorderDelayMs"] as const) {
    const v = i[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new RangeError(`impairment ${k} must be >= 0, got ${v}`);
  }
  return { ...i };
};

/** Decides the fate of each frame and schedules its delivery. */
export class Impairer {
  private cfg: Impairments;
  private readonly rng: () => number;
  readonly stats: ImpairmentStats = { passed: 0, dropped: 0, duplicated: 0, reordered: 0 };

  constructor(
    cfg: Impairments = {},
    seed = 1,
    private readonly schedule: Scheduler = (fn, ms) => {
      setTimeout(fn, ms).unref?.();
    },
  ) {
    this.cfg = check(cfg);
    this.rng = seededRng(seed);
  }

  set(cfg: Impairments): void {
    this.cfg = check(cfg);
  }

  get(): Impairments {
    return { ...this.cfg };
  }

  /** Passes `frame` to `deliver` zero, one or two times, now or later. */
  apply(frame: Uint8Array, deliver: FrameHandler): void {
    const c = this.cfg;
    if (c.drop && this.rng() < c.drop) {
      this.stats.dropped += 1;
      return;
    }
    let delay = c.delayMs ?? 0;
    if (c.reorder && this.rng() < c.reorder) {
      delay += c.reorderDelayMs ?? 1;
      this.stats.reordered += 1;
    }
    const copies = c.duplicate && this.rng() < c.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated += 1;
    this.stats.passed += 1;
    for (let i = 0; i < copies; i++) {
      if (delay > 0) this.schedule(() => deliver(frame), delay);
      else deliver(frame);
    }
  }
}

/** Wraps a port so frames it transmits and/or receives go through an Impairer. */
export class ImpairedPort implements Port {
  readonly name: string;
  constructor(
    private readonly inner: Port,
    readonly tx: Impairer,
    readonly rx?: Impairer,
  ) {
    this.name = `${inner.name}+impair`;
  }
  send(frame: Uint8Array): void {
    this.tx.apply(frame, (f) => this.inner.send(f));
  }
  onReceive(handler: FrameHandler): void {
    const rx = this.rx;
    this.inner.onReceive(rx ? (f) => rx.apply(f, handler) : handler);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
