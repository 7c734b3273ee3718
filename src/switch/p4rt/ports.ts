// Connects a Device to numbered data-plane ports (like ports/runtime.ts does for a bare engine,
// but the device may have no pipeline yet and may change it at run time): frames arriving on a
// port go through the committed pipeline, outputs leave through their ports, and with a pcap
// directory every port's traffic (both directions) is captured to portN.pcap.
import { join } from "node:path";
import type { OutputPacket } from "../engine.js";
import { PcapWriter } from "../ports/pcap.js";
import type { Port } from "../ports/port.js";
import type { Device } from "./device.js";

export interface PortStats {
  rxFrames: number;
  txFrames: number;
  /** Outputs to a port number with nothing attached. */
  noPortDrops: number;
}

export class DevicePorts {
  private readonly ports = new Map<number, Port>();
  private readonly pcaps = new Map<number, PcapWriter>();
  readonly stats: PortStats = { rxFrames: 0, txFrames: 0, noPortDrops: 0 };

  constructor(
    readonly device: Device,
    private readonly opts: { pcapDir?: string } = {},
  ) {
    device.hooks.transmit = (outs) => this.transmit(outs);
  }

  attach(num: number, port: Port): void {
    if (!Number.isInteger(num) || num < 0 || num > 510) throw new RangeError(`bad port number ${num}`);
    if (num === this.device.cpuPort) throw new RangeError(`port ${num} is the CPU port`);
    if (this.ports.has(num)) throw new RangeError(`port ${num} is already attached`);
    this.ports.set(num, port);
    if (this.opts.pcapDir) this.pcaps.set(num, new PcapWriter(join(this.opts.pcapDir, `port${num}.pcap`)));
    port.onReceive((frame) => {
      this.stats.rxFrames += 1;
      this.pcaps.get(num)?.write(frame);
      this.device.receive(num, frame);
    });
  }

  port(num: number): Port | undefined {
    return this.ports.get(num);
  }

  numbers(): number[] {
    return [...this.ports.keys()].sort((a, b) => a - b);
  }

  private transmit(outs: OutputPacket[]): void {
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

  /** Closes every port and flushes the captures. */
  async close(): Promise<void> {
    this.device.hooks.transmit = () => {};
    await Promise.all([...this.ports.values()].map((p) => p.close()));
    for (const w of this.pcaps.values()) w.close();
  }
}
