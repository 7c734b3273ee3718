// P4Runtime binary strings at the server boundary: incoming strings may be padded but must be
// non-empty and fit the P4Info width (else INVALID_ARGUMENT, as simple_switch_grpc answers);
// outgoing strings are always canonical (shortest form).
import { decodeUnsigned, encodeUnsigned } from "../../p4runtime/bytes.js";
import { invalidArgument } from "./errors.js";

export function readBits(bytes: Uint8Array, width: number, what: string): bigint {
  try {
    return decodeUnsigned(bytes, width);
  } catch (e) {
    throw invalidArgument(`${what}: ${(e as Error).message}`);
  }
}

/** Canonical string of an unsigned value (the value is known to fit). */
export function writeBits(value: bigint | number, width: number): Uint8Array {
  return encodeUnsigned(BigInt(value), Math.max(1, width));
}

export const ones = (width: number): bigint => (1n << BigInt(width)) - 1n;
