// Stateful externs: register arrays, counter arrays (packets and bytes) and two-rate three-color
// meters (RFC 2698, colour-blind), as simple_switch implements them for v1model.

import { toBig, toWidth, type Value, zeroOf } from "./bits.js";
import { ControlError } from "./errors.js";

export class RegisterArray {
  readonly cells: Value[];
  constructor(
    readonly name: string,
    readonly size: number,
    readonly width: number,
  ) {
    this.cells = new Array<Value>(size).fill(zeroOf(width));
  }
  /** Data-plane accesses with an index out of range (v1model: reads give 0, writes do nothing). */
  outOfRange = 0;

  read(index: number): Value {
    if (index >= 0 && index < this.size) return this.cells[index]!;
    this.outOfRange += 1;
    return zeroOf(this.width);
  }
  write(index: number, value: Value): void {
    if (index >= 0 && index < this.size) this.cells[index] = value;
    else this.outOfRange += 1;
  }
  /** Control-plane access, with range checks that raise ControlError. */
  get(index: number): bigint {
    this.check(index);
    return toBig(this.cells[index]!);
  }
  set(index: number, value: bigint): void {
    this.check(index);
    this.cells[index] = toWidth(value, this.width);
  }
  reset(): void {
    this.cells.fill(zeroOf(this.width));
  }
  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new ControlError(`register ${this.name}: index ${index} out of range 0..${this.size - 1}`);
  }
}

export interface CounterValue {
  packets: number;
  bytes: number;
}

export class CounterArray {
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
  constructor(
    readonly name: string,
    readonly size: number,
    readonly direct: boolean,
    readonly binding?: string,
  ) {
    this.packets = new Float64Array(size);
    this.bytes = new Float64Array(size);
  }
  /** count() calls with an index out of range: v1model leaves every counter unchanged. */
  outOfRange = 0;

  count(index: number, bytes: number): void {
    if (!(index >= 0 && index < this.size)) {
      this.outOfRange += 1;
      return;
    }
    this.packets[index]! += 1;
    this.bytes[index]! += bytes;
  }
  read(index: number): CounterValue {
    this.check(index);
    return { packets: this.packets[index]!, bytes: this.bytes[index]! };
  }
  write(index: number, value: CounterValue): void {
    this.check(index);
    this.packets[index] = value.packets;
    this.bytes[index] = value.bytes;
  }
  reset(): void {
    this.packets.fill(0);
    this.bytes.fill(0);
  }
  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new ControlError(`counter ${this.name}: index ${index} out of range 0..${this.size - 1}`);
  }
}

export const METER_GREEN = 0;
export const METER_YELLOW = 1;
export const METER_RED = 2;

/** Rates in units (packets or bytes) per second; bursts in units. */
export interface MeterConfig {
  cir: number;
  cburst: number;
  pir: number;
  pburst: number;
}

/** One trTCM instance; an unconfigured meter marks everything green, as simple_switch does. */
export class Meter {
  config: MeterConfig | undefined;
  private tc = 0;
  private tp = 0;
  private last = 0;

  configure(config: MeterConfig | undefined, nowUs: number): void {
    if (config) {
      for (const [k, v] of Object.entries(config))
        if (!(Number.isFinite(v) && v >= 0))
          throw new ControlError(`meter ${k} must be a non-negative number`);
      if (config.pir < config.cir) throw new ControlError("meter pir must be >= cir");
    }
    this.config = config;
    this.tc = config?.cburst ?? 0;
    this.tp = config?.pburst ?? 0;
    this.last = nowUs;
  }

  execute(units: number, nowUs: number): number {
    const c = this.config;
    if (!c) return METER_GREEN;
    const dt = Math.max(0, nowUs - this.last) / 1e6;
    this.last = nowUs;
    this.tc = Math.min(c.cburst, this.tc + c.cir * dt);
    this.tp = Math.min(c.pburst, this.tp + c.pir * dt);
    if (this.tp < units) return METER_RED;
    if (this.tc < units) {
      this.tp -= units;
      return METER_YELLOW;
    }
    this.tp -= units;
    this.tc -= units;
    return METER_GREEN;
  }
}

export class MeterArray {
  readonly meters: Meter[];
  constructor(
    readonly name: string,
    readonly size: number,
    readonly unit: "packets" | "bytes",
    readonly direct: boolean,
    readonly binding?: string,
  ) {
    this.meters = Array.from({ length: size }, () => new Meter());
  }
  /** execute() calls with an index out of range (result unspecified in v1model; we give GREEN). */
  outOfRange = 0;

  execute(index: number, packetBytes: number, nowUs: number): number {
    const m = index >= 0 && index < this.size ? this.meters[index] : undefined;
    if (!m) {
      this.outOfRange += 1;
      return METER_GREEN;
    }
    return m.execute(this.unit === "packets" ? 1 : packetBytes, nowUs);
  }
  configure(index: number, config: MeterConfig | undefined, nowUs: number): void {
    const m = this.meters[index];
    if (!m) throw new ControlError(`meter ${this.name}: index ${index} out of range 0..${this.size - 1}`);
    m.configure(config, nowUs);
  }
  read(index: number): MeterConfig | undefined {
    const m = this.meters[index];
    if (!m) throw new ControlError(`meter ${this.name}: index ${index} out of range 0..${this.size - 1}`);
    return m.config;
  }
}
