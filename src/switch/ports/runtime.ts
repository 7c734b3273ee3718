// Connects a data plane (a bare V1Switch, or a P4Runtime Device whose pipeline may change) to
// ports: frames arriving on a port are processed, outputs are sent out of the numbered ports;
// outputs to unknown ports are counted and dropped. Optional pcap capture writes one file per
// port (both directions) into a directory.

import { join } from "node:path";
import type { OutputPacket } from "../engine.js";
import { ImpairedPort, Impairer, type Impairments } from "./impair.js";
import { PcapWriter } from "./pcap.js";
import type { Port } from "./port.js";

export interface RuntimeStats {
  rxFrames: number;
  txFrames: number;
  /** Outputs addressed to a port number with nothing attached. */
  noPortDrops: number;
}

/** What a runtime feeds frames into. */
export interface DataPlane {
  /** Processes a frame that arrived on `port`; returns the frames to send and where. */
  process(port: number, frame: Uint8Array): OutputPacket[];
}

export class SwitchRuntime<D extends DataPlane = DataPlane> {
  private readonly ports = new Map<number, Port>();
  private readonly pcaps = new Map<number, PcapWriter>();
  private readonly impairers = new Map<number, Impairer>();
  readonly stats: RuntimeStats = { rxFrames: 0, txFrames: 0, noPortDrops: 0 };

  constructor(
    readonly sw: D,
    private readonly opts: { pcapDir?: string; clockUs?: () => number; cpuPort?: number } = {},
  ) {}

  /**
   * Attaches `port` as switch port `num`. With `impair`, frames the switch transmits on it go
   * through an Impairer (seeded with `seed`, default the port number) that `impairer(num)` returns
   * for changes at run time.
   */
  attach(num: number, port: Port, opts: { impair?: Impairments; seed?: number } = {}): void {
    if (!Number.isInteger(num) || num < 0 || num > 510) throw new RangeError(`bad port number ${num}`);
    if (num === this.opts.cpuPort) throw new RangeError(`port ${num} is the CPU port`);
    if (this.ports.has(num)) throw new Error(`port ${num} is already attached`);
    if (opts.impair) {
      const imp = new Impairer(opts.impair, opts.seed ?? num + 1);
      this.impairers.set(num, imp);
      port = new ImpairedPort(port, imp);
    }
    this.ports.set(num, port);
    if (this.opts.pcapDir)
      this.pcaps.set(num, new PcapWriter(join(this.opts.pcapDir, `port${num}.pcap`), this.opts.clockUs));
    port.onReceive((frame) => this.receive(num, frame));
  }

  port(num: number): Port | undefined {
    return this.ports.get(num);
  }

  impairer(num: number): Impairer | undefined {
    return this.impairers.get(num);
  }

  /** Feeds a frame into the switch as if it arrived on port `num`. */
  receive(num: number, frame: Uint8Array): void {
    this.stats.rxFrames += 1;
    this.pcaps.get(num)?.write(frame);
    this.transmit(this.sw.process(num, frame));
  }

  /** Port numbers attached, ascending. */
  numbers(): number[] {
    return [...this.ports.keys()].sort((a, b) => a - b);
  }

  /** Sends a data plane's outputs (also those it produces on its own, e.g. for a PacketOut). */
  transmit(outs: readonly OutputPacket[]): void {
    for (const o of outs) {
      const p = this.ports.get(o.port);
      if (!p) {
        this.stats.noPortDrops += 1;
        continue;
      }
      this.stats.txFrames += 1;
      this.pcaps.get(o.port)?.write(o.data);
      p.send(o.data);
    }
  }

  /** Closes every port, then flushes the captures (so no frame is written after its file closes). */
  async close(): Promise<void> {
    await Promise.all([...this.ports.values()].map((p) => p.close()));
    for (const w of this.pcaps.values()) w.close();
  }
}
