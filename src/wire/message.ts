// A decoded Paxos message: every header field as a number, the value as bytes.
// Roles in src/paxos/ consume and produce these; src/wire/codec.ts maps them to bytes.
import type { MsgType } from "./header.js";

export interface PaxosMessage {
  version: number;
  msgtype: MsgType;
  group: number;
  instance: number;
  round: number;
  vround: number;
  acceptor: number;
  /** Bytes of `value` in use; `value.length === vlen` after decode. */
  vlen: number;
  proposer: number;
  seq: number;
  aux: number;
  /** The command bytes (length vlen, at most VALUE_SIZE). */
  value: Uint8Array;
}
