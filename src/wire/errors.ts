// Typed wire errors. Decoders return them inside a DecodeResult (never throw); encoders throw
// them only when the message or frame description they were given is itself invalid.

export type WireErrorKind =
  /** Fewer bytes than the layer needs (or a length field pointing past the end). */
  | "truncated"
  /** Paxos `version` is not PAXOS_VERSION. */
  | "bad_version"
  /** Paxos `msgtype` is not a known MsgType. */
  | "bad_msgtype"
  /** Paxos `vlen` exceeds VALUE_SIZE, or does not match the value's length on encode. */
  | "bad_vlen"
  /** Ethernet type is not IPv4. */
  | "bad_ethertype"
  /** IPv4 header is malformed (version, IHL, total length, fragment). */
  | "bad_ip"
  /** IPv4 header checksum or non-zero UDP checksum is wrong. */
  | "bad_checksum"
  /** IPv4 protocol is not UDP. */
  | "not_udp"
  /** UDP header is malformed (length field). */
  | "bad_udp"
  /** UDP destination port is not PAXOS_UDP_PORT. */
  | "not_paxos"
  /** A field handed to an encoder is out of its width or not an integer. */
  | "bad_field"
  /** A MAC or IPv4 address string does not parse. */
  | "bad_address"
  /** The destination buffer of an `...Into` encoder is too small. */
  | "no_room"
  /** An offset argument is negative or not an integer. */
  | "bad_offset";

export class WireError extends Error {
  override readonly name = "WireError";
  constructor(
    readonly kind: WireErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: WireError };

export function ok<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

/**
 * A failed decode. The error is a value, never thrown, so it is built without a stack trace:
 * capturing one costs microseconds, and a flood of malformed packets must stay cheap to drop.
 */
export function fail<T = never>(kind: WireErrorKind, message: string): DecodeResult<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return { ok: false, error: new WireError(kind, message) };
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * The drop counter (docs/protocol.md §11) a receiver bumps for a decode failure: a wrong
 * version has its own counter, every other defect is `malformed`.
 */
export function dropCounterFor(kind: WireErrorKind): "bad_version" | "malformed" {
  return kind === "bad_version" ? "bad_version" : "malformed";
}
