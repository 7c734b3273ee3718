// The per-packet state generated code works on, and the environment object (`E`) it calls into.

import {
  bigToBytes,
  bytesToBig,
  readBitsBig,
  readBitsNum,
  satSignedBig,
  satUnsignedBig,
  shlBig,
  shrBig,
  toBig,
  twoCompNum,
  type Value,
} from "../bits.js";
import { PacketError } from "../errors.js";
import type { CounterArray, MeterArray, RegisterArray } from "../stateful.js";
import type { EmitFn, ExtractFn } from "./headers.js";
import type { Layout } from "./layout.js";
import type { ValueSet } from "./vset.js";

/** One packet in flight: field slots, header validity, stack cursors, v1model side requests. */
export class PacketState {
  F: Value[];
  V: Uint8Array;
  /** Next index per header stack (number of elements pushed/extracted). */
  S: Int32Array;
  exit = false;
  /** Bytes of the packet as received (parser input). */
  buf: Uint8Array;
  /** Bytes consumed by the parser; the rest is payload. */
  off = 0;
  /** Length in bytes used by counters and meters (packet_length). */
  len: number;
  checksumError = false;
  parserError = 0;
  // v1model requests raised by primitives, consumed by the traffic manager.
  cloneSession = -1;
  cloneFieldList = 0;
  resubmitFieldList = -1;
  recirculateFieldList = -1;
  learnList = -1;
  truncateTo = 0;

  /** A fresh packet: zeroed fields, only metadata valid. `from` clones another packet's state instead. */
  constructor(layout: Layout, buf: Uint8Array, stackCount: number, from?: PacketState) {
    if (from) {
      this.F = from.F.slice();
      this.V = from.V.slice();
      this.S = from.S.slice();
      this.buf = from.buf;
      this.off = from.off;
      this.len = from.len;
      this.checksumError = from.checksumError;
      this.parserError = from.parserError;
      this.exit = from.exit;
      this.cloneSession = from.cloneSession;
      this.cloneFieldList = from.cloneFieldList;
      this.resubmitFieldList = from.resubmitFieldList;
      this.recirculateFieldList = from.recirculateFieldList;
      this.learnList = from.learnList;
      this.truncateTo = from.truncateTo;
      return;
    }
    this.F = layout.template.slice();
    this.V = layout.validTemplate.slice();
    this.S = new Int32Array(stackCount);
    this.buf = buf;
    this.len = buf.length;
  }

  clearRequests(): void {
    this.exit = false;
    this.cloneSession = -1;
    this.cloneFieldList = 0;
    this.resubmitFieldList = -1;
    this.recirculateFieldList = -1;
    this.learnList = -1;
    this.truncateTo = 0;
  }
}

/** Everything generated code reaches through `E`. */
export class Env {
  readonly bases: number[];
  readonly stackHeaders: number[][];
  readonly headerWidths: number[] = [];
  /** Byte size per header id. */
  readonly headerBytes: number[] = [];
  readonly extract: ExtractFn[] = [];
  readonly emit: EmitFn[] = [];
  registers: RegisterArray[] = [];
  counters: CounterArray[] = [];
  meters: MeterArray[] = [];
  calcs: Array<(P: PacketState) => Value> = [];
  valueSets: ValueSet[] = [];
  /** Constants hoisted out of generated code (shared, never mutated). */
  consts: Value[] = [];
  /** Field lists by JSON id: slots to preserve across clone/resubmit/recirculate. */
  fieldLists = new Map<number, number[]>();
  now: () => number = () => 0;
  rng: () => number = Math.random;
  readonly twoCompNum = twoCompNum;
  readonly satSignedBig = satSignedBig;
  readonly satUnsignedBig = satUnsignedBig;
  readonly shlBig = shlBig;
  readonly shrBig = shrBig;
  readonly PacketError = PacketError;
  readonly readBitsNum = readBitsNum;
  readonly readBitsBig = readBitsBig;
  readonly w2b = bytesToBig;
  readonly b2w = bigToBytes;
  /** Slots of standard_metadata.egress_spec and mcast_grp (mark_to_drop), -1 when absent. */
  egressSpecSlot = -1;
  mcastGrpSlot = -1;
  /** Per header id: the other members of its header union. */
  readonly siblings: number[][];
  private readonly layout: Layout;

  constructor(layout: Layout) {
    this.layout = layout;
    this.bases = layout.bases;
    this.siblings = layout.siblings;
    this.stackHeaders = layout.stacks.map((s) => s.headers);
    for (const h of layout.headers) {
      this.headerWidths[h.id] = h.type.fields.length;
      this.headerBytes[h.id] = Math.ceil(h.type.width / 8);
    }
  }

  idx(v: bigint): number {
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PacketError(`index ${v} out of range`);
    return Number(v);
  }

  stackHdr(stack: number, i: number): number {
    const hs = this.stackHeaders[stack]!;
    if (!(i >= 0 && i < hs.length)) throw new PacketError(`header stack index ${i} out of bounds`);
    return hs[i]!;
  }

  lastHdr(P: PacketState, stack: number): number {
    const n = P.S[stack]!;
    if (n <= 0) throw new PacketError("header stack has no valid element");
    return this.stackHeaders[stack]![n - 1]!;
  }

  zeroHeader(P: PacketState, hid: number): void {
    const base = this.bases[hid]!;
    const n = this.headerWidths[hid]!;
    const t = this.layout.template;
    for (let i = 0; i < n; i++) P.F[base + i] = t[base + i]!;
  }

  /** `add_header` / setValid: an invalid header becomes valid with zeroed fields. */
  addHeader(P: PacketState, hid: number): void {
    if (P.V[hid] !== 1) {
      this.zeroHeader(P, hid);
      P.V[hid] = 1;
      this.invalidateSiblings(P, hid);
    }
  }

  /** A header union holds at most one valid member: validating one invalidates the others. */
  invalidateSiblings(P: PacketState, hid: number): void {
    const sib = this.siblings[hid]!;
    for (let i = 0; i < sib.length; i++) P.V[sib[i]!] = 0;
  }

  copyUnion(P: PacketState, dst: number[], src: number[]): void {
    for (let i = 0; i < dst.length; i++) {
      P.V[dst[i]!] = 0;
      if (P.V[src[i]!] === 1) this.copyHeader(P, dst[i]!, src[i]!);
    }
  }

  copyHeader(P: PacketState, dst: number, src: number): void {
    P.V[dst] = P.V[src]!;
    if (P.V[dst] === 1) this.invalidateSiblings(P, dst);
    const n = this.headerWidths[src]!;
    const sb = this.bases[src]!;
    const db = this.bases[dst]!;
    for (let i = 0; i < n; i++) P.F[db + i] = P.F[sb + i]!;
  }

  /** push_front: elements move up by `count`; the first `count` become invalid. */
  push(P: PacketState, stack: number, count: number): void {
    const hs = this.stackHeaders[stack]!;
    for (let i = hs.length - 1; i >= 0; i--) {
      if (i >= count) this.copyHeader(P, hs[i]!, hs[i - count]!);
      else P.V[hs[i]!] = 0;
    }
    P.S[stack] = Math.min(hs.length, P.S[stack]! + count);
  }

  /** pop_front: elements move down by `count`; the last `count` become invalid. */
  pop(P: PacketState, stack: number, count: number): void {
    const hs = this.stackHeaders[stack]!;
    for (let i = 0; i < hs.length; i++) {
      if (i + count < hs.length) this.copyHeader(P, hs[i]!, hs[i + count]!);
      else P.V[hs[i]!] = 0;
    }
    P.S[stack] = Math.max(0, P.S[stack]! - count);
  }

  copyStack(P: PacketState, dst: number, src: number): void {
    const d = this.stackHeaders[dst]!;
    const s = this.stackHeaders[src]!;
    for (let i = 0; i < d.length; i++) this.copyHeader(P, d[i]!, s[i]!);
    P.S[dst] = P.S[src]!;
  }

  markToDrop(P: PacketState): void {
    if (this.egressSpecSlot >= 0) P.F[this.egressSpecSlot] = 511;
    if (this.mcastGrpSlot >= 0) P.F[this.mcastGrpSlot] = 0;
  }

  /** `modify_field_with_hash_based_offset`: base + hash mod size (size 0 means no modulo). */
  hashOffset(P: PacketState, calc: number, base: bigint, size: bigint): bigint {
    const h = toBig(this.calcs[calc]!(P));
    return base + (size === 0n ? h : h % size);
  }

  /** Records a parser error and stops the parser (simple_switch then continues into ingress). */
  perr(P: PacketState, code: number): number {
    P.parserError = code;
    return -2;
  }

  rngUniform(a: bigint, b: bigint): bigint {
    if (b <= a) return a;
    const span = b - a + 1n;
    // Two 26-bit draws are plenty for field widths used with random().
    const r = BigInt(Math.floor(this.rng() * 2 ** 26)) * 2n ** 26n + BigInt(Math.floor(this.rng() * 2 ** 26));
    return a + (r % span);
  }
}
