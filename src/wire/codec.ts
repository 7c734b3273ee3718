// Paxos header codec. Offsets and widths come only from PAXOS_FIELDS (src/wire/header.ts):
// src/wire/plan.ts compiles that table into accessors, so a layout change needs no edit here.
import { type DecodeResult, fail, ok, WireError } from "./errors.js";
import { MSG_TYPE_NAMES, type MsgType, PAXOS_HEADER_SIZE, PAXOS_VERSION, VALUE_SIZE } from "./header.js";
import type { PaxosMessage } from "./message.js";
import { firstMisfit, NUMERIC, readNumbers, VALUE_OFFSET, writeNumbers } from "./plan.js";

/** The shared empty value. Zero-length, so sharing it cannot leak writes. */
export const EMPTY_VALUE: Uint8Array = new Uint8Array(0);

/** Request id and value of a no-op: spread it into makeMessage to propose a no-op. */
export const NOOP: Readonly<Pick<PaxosMessage, "proposer" | "seq" | "vlen" | "value">> = Object.freeze({
  proposer: 0,
  seq: 0,
  vlen: 0,
  value: EMPTY_VALUE,
});

/** A no-op is a value with proposer 0, seq 0 and vlen 0 (docs/protocol.md §2). */
export function isNoop(msg: Pick<PaxosMessage, "proposer" | "seq" | "vlen">): boolean {
  return msg.proposer === 0 && msg.seq === 0 && msg.vlen === 0;
}

export function isKnownMsgType(code: number): code is MsgType {
  return MSG_TYPE_NAMES[code] !== undefined;
}

export function msgTypeName(code: number): string {
  return MSG_TYPE_NAMES[code] ?? `MSGTYPE(${code})`;
}

/**
 * Checks that `msg` can be encoded: every numeric field an integer within its width, the
 * value at most VALUE_SIZE bytes and `vlen === value.length`. Version and msgtype are only
 * width-checked, so tests can still build malformed packets on purpose.
 */
export function checkEncodable(msg: PaxosMessage): WireError | null {
  const misfit = firstMisfit(msg);
  if (misfit !== null) {
    const max = NUMERIC.find((s) => s.name === misfit)!.max;
    return new WireError("bad_field", `${misfit}=${String(msg[misfit])} is not an integer in 0..${max}`);
  }
  if (!(msg.value instanceof Uint8Array)) return new WireError("bad_field", "value is not a Uint8Array");
  if (msg.value.length > VALUE_SIZE) {
    return new WireError("bad_vlen", `value is ${msg.value.length} bytes; at most ${VALUE_SIZE} fit`);
  }
  if (msg.vlen !== msg.value.length) {
    return new WireError("bad_vlen", `vlen=${msg.vlen} but value is ${msg.value.length} bytes`);
  }
  return null;
}

/**
 * Builds a valid message: version PAXOS_VERSION, zeros, empty value, then `fields` on top;
 * `vlen` defaults to the value's length. Throws WireError if the result is not valid
 * (unknown msgtype, field out of range, value too long, vlen mismatch).
 */
export function makeMessage(fields: Partial<PaxosMessage> & { msgtype: MsgType }): PaxosMessage {
  const value = fields.value ?? EMPTY_VALUE;
  const msg: PaxosMessage = {
    version: PAXOS_VERSION,
    group: 0,
    instance: 0,
    round: 0,
    vround: 0,
    acceptor: 0,
    vlen: value.length,
    proposer: 0,
    seq: 0,
    aux: 0,
    ...fields,
    value,
  };
  const error = checkEncodable(msg);
  if (error) throw error;
  if (!isKnownMsgType(msg.msgtype)) throw new WireError("bad_msgtype", `unknown msgtype ${msg.msgtype}`);
  return msg;
}

/**
 * Writes the header for `msg` into buf[offset, offset + PAXOS_HEADER_SIZE), zero-padding the
 * value, and returns the offset just past it. Validates before writing, so a throw (WireError)
 * leaves `buf` untouched.
 */
export function encodePaxosInto(buf: Uint8Array, offset: number, msg: PaxosMessage): number {
  if (!Number.isInteger(offset) || offset < 0) throw new WireError("bad_offset", `bad offset ${offset}`);
  if (offset + PAXOS_HEADER_SIZE > buf.length) {
    throw new WireError(
      "no_room",
      `need ${PAXOS_HEADER_SIZE} bytes at offset ${offset}, buffer has ${buf.length - offset}`,
    );
  }
  const error = checkEncodable(msg);
  if (error) throw error;
  writeNumbers(buf, offset, msg);
  const valueStart = offset + VALUE_OFFSET;
  buf.set(msg.value, valueStart);
  // The buffer may be reused: clear the rest of the value field explicitly.
  buf.fill(0, valueStart + msg.value.length, valueStart + VALUE_SIZE);
  return offset + PAXOS_HEADER_SIZE;
}

/** Encodes `msg` as exactly PAXOS_HEADER_SIZE bytes. Throws WireError for an invalid message. */
export function encodePaxos(msg: PaxosMessage): Uint8Array {
  const buf = new Uint8Array(PAXOS_HEADER_SIZE);
  encodePaxosInto(buf, 0, msg);
  return buf;
}

export interface DecodePaxosOptions {
  /**
   * true (default): `value` is a copy, safe to keep after the input buffer is reused.
   * false: `value` is a view into `bytes` (no allocation); only for callers that consume
   * the message before the buffer changes.
   */
  copyValue?: boolean;
}

/**
 * Decodes the header at bytes[offset...]. Never throws and never reads past the end: a short
 * buffer, wrong version, unknown msgtype or vlen > VALUE_SIZE yields a typed error. Bytes past
 * the header are ignored.
 */
export function decodePaxos(
  bytes: Uint8Array,
  offset = 0,
  options?: DecodePaxosOptions,
): DecodeResult<PaxosMessage> {
  if (!Number.isInteger(offset) || offset < 0) return fail("bad_offset", `bad offset ${offset}`);
  const available = bytes.length - offset;
  if (available < PAXOS_HEADER_SIZE) {
    return fail("truncated", `Paxos header needs ${PAXOS_HEADER_SIZE} bytes, got ${Math.max(available, 0)}`);
  }
  // The value placeholder is replaced below once vlen is known to be sane.
  const msg = readNumbers(bytes, offset, EMPTY_VALUE);
  if (msg.version !== PAXOS_VERSION) {
    return fail("bad_version", `Paxos version ${msg.version}, expected ${PAXOS_VERSION}`);
  }
  if (!isKnownMsgType(msg.msgtype)) return fail("bad_msgtype", `unknown Paxos msgtype ${msg.msgtype}`);
  if (msg.vlen > VALUE_SIZE) return fail("bad_vlen", `vlen ${msg.vlen} exceeds VALUE_SIZE ${VALUE_SIZE}`);
  const valueStart = offset + VALUE_OFFSET;
  if (options?.copyValue === false) {
    msg.value = bytes.subarray(valueStart, valueStart + msg.vlen);
  } else {
    // Copy by hand: on a Node Buffer, slice() returns a view, not a copy.
    const value = new Uint8Array(msg.vlen);
    for (let k = 0; k < value.length; k++) value[k] = bytes[valueStart + k]!;
    msg.value = value;
  }
  return ok(msg);
}

/** Field-by-field equality, comparing the value bytes. */
export function messagesEqual(a: PaxosMessage, b: PaxosMessage): boolean {
  for (const { name } of NUMERIC) if (a[name] !== b[name]) return false;
  if (a.value.length !== b.value.length) return false;
  for (let i = 0; i < a.value.length; i++) if (a.value[i] !== b.value[i]) return false;
  return true;
}

function formatValue(value: Uint8Array): string {
  let printable = true;
  for (const b of value) {
    if (b < 0x20 || b > 0x7e) {
      printable = false;
      break;
    }
  }
  if (printable) return JSON.stringify(String.fromCharCode(...value));
  let hex = "0x";
  for (const b of value) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/**
 * One readable line, e.g. `P2A g=0 i=12 r=257 vr=0 acc=0 req=3:17 vlen=5 aux=0 value="hello"`.
 * Printable ASCII values are quoted, others shown as hex; a version other than 1 is appended.
 */
export function formatMessage(msg: PaxosMessage): string {
  const version = msg.version === PAXOS_VERSION ? "" : ` version=${msg.version}`;
  return (
    `${msgTypeName(msg.msgtype)} g=${msg.group} i=${msg.instance} r=${msg.round} vr=${msg.vround} ` +
    `acc=${msg.acceptor} req=${msg.proposer}:${msg.seq} vlen=${msg.vlen} aux=${msg.aux} ` +
    `value=${formatValue(msg.value)}${version}`
  );
}
