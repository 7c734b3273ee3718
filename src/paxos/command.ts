// A command: the value a consensus instance decides, identified by its request id.
import { isNoop } from "../wire/codec.js";
import type { PaxosMessage } from "../wire/message.js";

export interface Command {
  proposer: number;
  seq: number;
  value: Uint8Array;
}

export const NOOP_COMMAND: Command = Object.freeze({ proposer: 0, seq: 0, value: new Uint8Array(0) });

export function commandOf(msg: Pick<PaxosMessage, "proposer" | "seq" | "value">): Command {
  return { proposer: msg.proposer, seq: msg.seq, value: msg.value };
}

export function isNoopCommand(c: Command): boolean {
  return isNoop({ proposer: c.proposer, seq: c.seq, vlen: c.value.length });
}

/** The request id as a map key, "proposer:seq". */
export function requestKey(proposer: number, seq: number): string {
  return `${proposer}:${seq}`;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameCommand(a: Command, b: Command): boolean {
  return a.proposer === b.proposer && a.seq === b.seq && sameBytes(a.value, b.value);
}

/** A canonical string for a command (request id and value bytes), for equality in maps. */
export function commandKey(c: Command): string {
  let hex = "";
  for (const b of c.value) hex += b.toString(16).padStart(2, "0");
  return `${c.proposer}:${c.seq}:${hex}`;
}
