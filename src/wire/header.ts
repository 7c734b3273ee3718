// The Paxos header, defined once as data. Everything else derives from this table:
// the TS codec (src/wire/codec.ts), the field table in docs/protocol.md, and the P4
// header in p4/include/headers.p4 — tests hold the last two to this file.

/** Protocol version carried in every message; anything else is dropped and counted. */
export const PAXOS_VERSION = 1;

/** UDP destination port that marks a datagram as Paxos (parsers select on it). */
export const PAXOS_UDP_PORT = 0x8888;

/** Fixed size of the value field in bytes. `vlen` says how many of them are used. */
export const VALUE_SIZE = 64;

/** Message types. NACK reasons are separate types so a switch can match on one field. */
export const MsgType = {
  /** proposer → coordinator: a command to order. */
  REQUEST: 1,
  /** recovery coordinator → acceptors: prepare `instance` in `round`; aux bit 0 = fence the group. */
  P1A: 2,
  /** acceptor → 1A sender: promise, with the slot's vote (if any); aux = highest instance voted. */
  P1B: 3,
  /** coordinator → acceptors: accept `value` for `instance` in `round`. */
  P2A: 4,
  /** acceptor → learners: voted for `value` in `instance`, `round`. */
  P2B: 5,
  /** coordinator → proposer: ring full (instance would pass trim watermark + ring size); aux = watermark. */
  NACK_FULL: 6,
  /** acceptor → 1A sender: round too low; aux = the round to beat. */
  NACK_ROUND: 7,
  /** controller → coordinator and acceptors: `instance` is the new trim watermark for `group`. */
  TRIM: 8,
  /** learner → controller: `instance` = highest instance of `group` delivered in order; acceptor = learner id. */
  DELIVERED: 9,
  /** controller → switch coordinator: next instance := max(next instance, `instance`). */
  SYNC: 10,
  /** controller → coordinator: liveness probe (aux is a nonce echoed back). */
  PING: 11,
  /** coordinator → controller: `round` in use, `instance` = next instance, `vround` = trim watermark; aux = nonce. */
  PONG: 12,
  /**
   * coordinator → proposer: refused, not stamped: too few acceptors are reachable for a quorum;
   * aux = acceptors alive, acceptors of the group and quorum (see noQuorumAux).
   */
  NACK_NOQUORUM: 13,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

export const MSG_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MsgType).map(([name, code]) => [code, name]),
);

/** P1A aux flag: also raise the group's minimum round (fences every instance at once). */
export const P1A_FLAG_FENCE = 1;

/**
 * What a NACK_NOQUORUM's `aux` says: acceptors the controller sees alive (bits 0–7), acceptors of
 * the group (bits 8–15) and the quorum (bits 16–23); each saturates at 255. The controller puts
 * the word in the coordinator's `refuse` role entry, which copies it into every refusal.
 */
export interface NoQuorumStatus {
  alive: number;
  acceptors: number;
  quorum: number;
}

const byte = (n: number) => Math.max(0, Math.min(255, Math.trunc(n)));

export function noQuorumAux(s: NoQuorumStatus): number {
  return (byte(s.alive) | (byte(s.acceptors) << 8) | (byte(s.quorum) << 16)) >>> 0;
}

export function parseNoQuorumAux(aux: number): NoQuorumStatus {
  return { alive: aux & 0xff, acceptors: (aux >>> 8) & 0xff, quorum: (aux >>> 16) & 0xff };
}

export interface HeaderField {
  /** Name used in TS and in P4 (`hdr.paxos.<name>`). */
  readonly name: string;
  /** Width in bits (multiple of 8, big-endian on the wire). */
  readonly bits: number;
  /** Byte offset from the start of the Paxos header. */
  readonly offset: number;
  readonly doc: string;
}

type FieldSpec = Omit<HeaderField, "offset">;

const FIELD_SPECS = [
  { name: "version", bits: 8, doc: "protocol version, 1" },
  { name: "msgtype", bits: 8, doc: "message type (see message table)" },
  { name: "group", bits: 16, doc: "Paxos group (partition) id" },
  { name: "instance", bits: 32, doc: "consensus instance (log position); 0 means none" },
  { name: "round", bits: 32, doc: "round (ballot) of the sender; 0 means none" },
  { name: "vround", bits: 32, doc: "round in which the carried value was voted; 0 means no vote" },
  { name: "acceptor", bits: 16, doc: "acceptor id of a 1B/2B sender; learner id in DELIVERED" },
  { name: "vlen", bits: 16, doc: "bytes of `value` in use (0 to VALUE_SIZE)" },
  { name: "proposer", bits: 32, doc: "request id, part 1: proposer id (0 with seq 0 is a no-op)" },
  { name: "seq", bits: 32, doc: "request id, part 2: proposer's sequence number" },
  { name: "aux", bits: 32, doc: "per-type extra word (see message table)" },
  { name: "value", bits: VALUE_SIZE * 8, doc: "command bytes, zero-padded to VALUE_SIZE" },
] as const satisfies readonly FieldSpec[];

function layout(specs: readonly FieldSpec[]): readonly HeaderField[] {
  let offset = 0;
  return specs.map((spec) => {
    const field = { ...spec, offset };
    offset += spec.bits / 8;
    return field;
  });
}

/** The header layout: field, width, offset. Order is wire order. */
export const PAXOS_FIELDS: readonly HeaderField[] = layout(FIELD_SPECS);

/** Total header size in bytes. */
export const PAXOS_HEADER_SIZE = PAXOS_FIELDS.reduce((sum, f) => sum + f.bits / 8, 0);

/** Fields that fit a JS number (everything but `value`). */
export type NumericField = Exclude<(typeof FIELD_SPECS)[number]["name"], "value">;
