// KV commands in the 64-byte Paxos value (docs/hosts.md, "KV command encoding"):
//   put  'P' klen key value            2 + |key| + |value|             ≤ 64
//   get  'G' klen key                  2 + |key|
//   del  'D' klen key                  2 + |key|
//   cas  'C' klen key elen exp new     3 + |key| + |exp| + |new|; elen 0xFF: "expect absent", no exp
// Keys are 1–61 bytes; values are raw bytes. A get is a command too: ordering it in the log makes
// the read linearizable.
import { VALUE_SIZE } from "../../src/wire/header.js";

export const OP = { PUT: 0x50, GET: 0x47, DEL: 0x44, CAS: 0x43 } as const;
export const EXPECT_ABSENT = 0xff;

export type KvCommand =
  | { op: "put"; key: Uint8Array; value: Uint8Array }
  | { op: "get"; key: Uint8Array }
  | { op: "del"; key: Uint8Array }
  /** expected null: succeed only if the key is absent. */
  | { op: "cas"; key: Uint8Array; expected: Uint8Array | null; value: Uint8Array };

export type KvEncodeErrorKind = "empty_key" | "too_large";

export class KvEncodeError extends Error {
  override readonly name = "KvEncodeError";
  constructor(
    readonly kind: KvEncodeErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes a command needs in the value field. */
export function encodedSize(c: KvCommand): number {
  switch (c.op) {
    case "put":
      return 2 + c.key.length + c.value.length;
    case "get":
    case "del":
      return 2 + c.key.length;
    case "cas":
      return 3 + c.key.length + (c.expected?.length ?? 0) + c.value.length;
  }
}

/** Encodes a command; throws KvEncodeError (empty key, or more than 64 bytes in all). */
export function encodeKv(c: KvCommand): Uint8Array {
  if (c.key.length === 0) throw new KvEncodeError("empty_key", "the key must not be empty");
  const size = encodedSize(c);
  if (
    size > VALUE_SIZE ||
    c.key.length > VALUE_SIZE - 3 ||
    (c.op === "cas" && (c.expected?.length ?? 0) >= EXPECT_ABSENT)
  ) {
    throw new KvEncodeError(
      "too_large",
      `${c.op} command needs ${size} bytes; at most ${VALUE_SIZE} fit in a Paxos value ` +
        `(${c.op === "cas" ? "3 + key + expected + new value" : c.op === "put" ? "2 + key + value" : "2 + key"})`,
    );
  }
  const out = new Uint8Array(size);
  out[1] = c.key.length;
  out.set(c.key, 2);
  let pos = 2 + c.key.length;
  switch (c.op) {
    case "put":
      out[0] = OP.PUT;
      out.set(c.value, pos);
      break;
    case "get":
      out[0] = OP.GET;
      break;
    case "del":
      out[0] = OP.DEL;
      break;
    case "cas":
      out[0] = OP.CAS;
      if (c.expected === null) out[pos++] = EXPECT_ABSENT;
      else {
        out[pos++] = c.expected.length;
        out.set(c.expected, pos);
        pos += c.expected.length;
      }
      out.set(c.value, pos);
      break;
  }
  return out;
}

export type KvDecode = { ok: true; command: KvCommand } | { ok: false; error: string };

/** Decodes a value from the log. Never throws: anything else (another application's value) is an error. */
export function decodeKv(bytes: Uint8Array): KvDecode {
  if (bytes.length < 3) return { ok: false, error: "too short for a KV command" };
  const klen = bytes[1]!;
  if (klen === 0 || 2 + klen > bytes.length) return { ok: false, error: "bad key length" };
  const key = bytes.slice(2, 2 + klen);
  const rest = 2 + klen;
  switch (bytes[0]) {
    case OP.PUT:
      return { ok: true, command: { op: "put", key, value: bytes.slice(rest) } };
    case OP.GET:
    case OP.DEL:
      if (rest !== bytes.length) return { ok: false, error: "trailing bytes after the key" };
      return { ok: true, command: { op: bytes[0] === OP.GET ? "get" : "del", key } };
    case OP.CAS: {
      if (rest >= bytes.length) return { ok: false, error: "cas without expected length" };
      const elen = bytes[rest]!;
      if (elen === EXPECT_ABSENT) {
        return { ok: true, command: { op: "cas", key, expected: null, value: bytes.slice(rest + 1) } };
      }
      if (rest + 1 + elen > bytes.length) return { ok: false, error: "cas expected value truncated" };
      return {
        ok: true,
        command: {
          op: "cas",
          key,
          expected: bytes.slice(rest + 1, rest + 1 + elen),
          value: bytes.slice(rest + 1 + elen),
        },
      };
    }
    default:
      return { ok: false, error: `unknown KV op 0x${bytes[0]!.toString(16)}` };
  }
}
