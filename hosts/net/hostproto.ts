// The host protocol: small datagrams between host agents that the Paxos header has no type for
// (delivery and decision notifications to proposers, learner catch-up, gap reports). They share the agents'
// UDP ports with Paxos messages and are told apart by the first byte: a Paxos header starts with
// its version (1), a host message with the magic "PH". All integers big-endian. Decoding never
// throws: a short or inconsistent datagram is a typed error, counted by the receiver.
import { VALUE_SIZE } from "../../src/wire/header.js";

export const HOST_MAGIC_0 = 0x50; // 'P'
export const HOST_MAGIC_1 = 0x48; // 'H'

export const HostType = {
  /** proposer → learner: send me NOTIFYs for request ids of `proposer` (refreshed while in use). */
  SUBSCRIBE: 1,
  /** learner → proposer: request (proposer, seq) was delivered at (group, instance). */
  NOTIFY: 2,
  /** learner → learners: my highest in-order instance per group. */
  STATUS: 3,
  /** learner → learner: send me decided entries of `group` from `from`, at most `count`. */
  FETCH: 4,
  /** learner → learner: decided entries of `group` at consecutive instances from `first`. */
  ENTRIES: 5,
  /** learner → recovery agent: instances [lo, hi] of `group` need recovery (protocol §6). */
  GAP: 6,
  /**
   * learner → proposer: request (proposer, seq) was decided at (group, instance), in order within
   * its group, but the merged log holds it back: stop retransmitting, NOTIFY follows.
   */
  DECIDED: 7,
} as const;
export type HostType = (typeof HostType)[keyof typeof HostType];

/** Entries per ENTRIES datagram: 11 + 16 × 73 bytes at most stays under a 1500-byte MTU. */
export const MAX_ENTRIES_PER_DATAGRAM = 16;

export interface LogEntryWire {
  proposer: number;
  seq: number;
  value: Uint8Array;
}

export type HostMessage =
  | { type: typeof HostType.SUBSCRIBE; proposer: number }
  | {
      type: typeof HostType.NOTIFY;
      proposer: number;
      seq: number;
      group: number;
      instance: number;
      /** false: the request id had already taken effect (a retry decided twice). */
      applied: boolean;
    }
  | { type: typeof HostType.STATUS; learner: number; positions: { group: number; delivered: number }[] }
  | { type: typeof HostType.FETCH; group: number; from: number; count: number }
  | { type: typeof HostType.ENTRIES; group: number; first: number; entries: LogEntryWire[] }
  | { type: typeof HostType.GAP; group: number; lo: number; hi: number }
  | { type: typeof HostType.DECIDED; proposer: number; seq: number; group: number; instance: number };

export type HostDecode = { ok: true; value: HostMessage } | { ok: false; error: string };

/** Whether a datagram is a host message (rather than a Paxos header). */
export function isHostDatagram(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === HOST_MAGIC_0 && bytes[1] === HOST_MAGIC_1;
}

class Writer {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this {
    this.room(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class Reader {
  private pos = 3;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  has(n: number): boolean {
    return this.pos + n <= this.bytes.length;
  }
  u8(): number {
    const v = this.view.getUint8(this.pos);
    this.pos += 1;
    return v;
  }
  u16(): number {
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  take(n: number): Uint8Array {
    const v = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  get rest(): number {
    return this.bytes.length - this.pos;
  }
}

function u32ok(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}
function u16ok(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff;
}

export class HostProtoError extends Error {
  override readonly name = "HostProtoError";
}

/** Encodes a host message. Throws HostProtoError for out-of-range fields (a caller bug). */
export function encodeHost(m: HostMessage): Uint8Array {
  const w = new Writer().u8(HOST_MAGIC_0).u8(HOST_MAGIC_1).u8(m.type);
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new HostProtoError(`host message ${m.type}: ${what} out of range`);
  };
  switch (m.type) {
    case HostType.SUBSCRIBE:
      check(u32ok(m.proposer), "proposer");
      w.u32(m.proposer);
      break;
    case HostType.NOTIFY:
      check(u32ok(m.proposer) && u32ok(m.seq) && u16ok(m.group) && u32ok(m.instance), "field");
      w.u32(m.proposer)
        .u32(m.seq)
        .u16(m.group)
        .u32(m.instance)
        .u8(m.applied ? 1 : 0);
      break;
    case HostType.STATUS:
      check(u16ok(m.learner) && m.positions.length <= 0xffff, "learner or positions");
      w.u16(m.learner).u16(m.positions.length);
      for (const p of m.positions) {
        check(u16ok(p.group) && u32ok(p.delivered), "position");
        w.u16(p.group).u32(p.delivered);
      }
      break;
    case HostType.FETCH:
      check(u16ok(m.group) && u32ok(m.from) && u16ok(m.count), "field");
      w.u16(m.group).u32(m.from).u16(m.count);
      break;
    case HostType.ENTRIES:
      check(u16ok(m.group) && u32ok(m.first) && m.entries.length <= MAX_ENTRIES_PER_DATAGRAM, "field");
      w.u16(m.group).u32(m.first).u16(m.entries.length);
      for (const e of m.entries) {
        check(u32ok(e.proposer) && u32ok(e.seq) && e.value.length <= VALUE_SIZE, "entry");
        w.u32(e.proposer).u32(e.seq).u8(e.value.length).bytes(e.value);
      }
      break;
    case HostType.GAP:
      check(u16ok(m.group) && u32ok(m.lo) && u32ok(m.hi), "field");
      w.u16(m.group).u32(m.lo).u32(m.hi);
      break;
    case HostType.DECIDED:
      check(u32ok(m.proposer) && u32ok(m.seq) && u16ok(m.group) && u32ok(m.instance), "field");
      w.u32(m.proposer).u32(m.seq).u16(m.group).u32(m.instance);
      break;
  }
  return w.done();
}

const FIXED: Record<number, number> = {
  [HostType.SUBSCRIBE]: 4,
  [HostType.NOTIFY]: 15,
  [HostType.STATUS]: 4,
  [HostType.FETCH]: 8,
  [HostType.ENTRIES]: 8,
  [HostType.GAP]: 10,
  [HostType.DECIDED]: 14,
};

/** Decodes a host message. Never throws, never reads past the end. */
export function decodeHost(bytes: Uint8Array): HostDecode {
  if (!isHostDatagram(bytes)) return { ok: false, error: "not a host message (bad magic or too short)" };
  const type = bytes[2]!;
  const fixed = FIXED[type];
  if (fixed === undefined) return { ok: false, error: `unknown host message type ${type}` };
  const r = new Reader(bytes);
  if (!r.has(fixed)) return { ok: false, error: `host message type ${type} truncated` };
  switch (type) {
    case HostType.SUBSCRIBE:
      return { ok: true, value: { type, proposer: r.u32() } };
    case HostType.NOTIFY:
      return {
        ok: true,
        value: {
          type,
          proposer: r.u32(),
          seq: r.u32(),
          group: r.u16(),
          instance: r.u32(),
          applied: r.u8() === 1,
        },
      };
    case HostType.STATUS: {
      const learner = r.u16();
      const n = r.u16();
      if (r.rest !== n * 6) return { ok: false, error: "STATUS length does not match its count" };
      const positions = [];
      for (let k = 0; k < n; k++) positions.push({ group: r.u16(), delivered: r.u32() });
      return { ok: true, value: { type, learner, positions } };
    }
    case HostType.FETCH:
      return { ok: true, value: { type, group: r.u16(), from: r.u32(), count: r.u16() } };
    case HostType.DECIDED:
      return {
        ok: true,
        value: { type, proposer: r.u32(), seq: r.u32(), group: r.u16(), instance: r.u32() },
      };
    case HostType.ENTRIES: {
      const group = r.u16();
      const first = r.u32();
      const n = r.u16();
      if (n > MAX_ENTRIES_PER_DATAGRAM) return { ok: false, error: `ENTRIES with ${n} entries` };
      const entries: LogEntryWire[] = [];
      for (let k = 0; k < n; k++) {
        if (!r.has(9)) return { ok: false, error: "ENTRIES truncated" };
        const proposer = r.u32();
        const seq = r.u32();
        const vlen = r.u8();
        if (vlen > VALUE_SIZE || !r.has(vlen))
          return { ok: false, error: "ENTRIES value truncated or too long" };
        entries.push({ proposer, seq, value: r.take(vlen) });
      }
      if (r.rest !== 0) return { ok: false, error: "ENTRIES has trailing bytes" };
      if (first === 0 || first + n - 1 > 0xffff_ffff)
        return { ok: false, error: "ENTRIES bad first instance" };
      return { ok: true, value: { type, group, first, entries } };
    }
    default: {
      const group = r.u16();
      const lo = r.u32();
      const hi = r.u32();
      if (lo === 0 || hi < lo) return { ok: false, error: `GAP with bad range [${lo}, ${hi}]` };
      return { ok: true, value: { type: HostType.GAP, group, lo, hi } };
    }
  }
}
