// Message builders for the role unit tests.
import { makeMessage } from "../../../src/wire/codec.js";
import { MsgType, P1A_FLAG_FENCE } from "../../../src/wire/header.js";
import type { PaxosMessage } from "../../../src/wire/message.js";

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export function p1a(
  instance: number,
  round: number,
  opts: { fence?: boolean; group?: number } = {},
): PaxosMessage {
  return makeMessage({
    msgtype: MsgType.P1A,
    group: opts.group ?? 0,
    instance,
    round,
    aux: opts.fence ? P1A_FLAG_FENCE : 0,
  });
}

export function p2a(
  instance: number,
  round: number,
  value = "v",
  opts: { group?: number; proposer?: number; seq?: number } = {},
): PaxosMessage {
  return makeMessage({
    msgtype: MsgType.P2A,
    group: opts.group ?? 0,
    instance,
    round,
    proposer: opts.proposer ?? 1,
    seq: opts.seq ?? instance,
    value: enc(value),
  });
}

export function p2b(
  instance: number,
  round: number,
  acceptor: number,
  value = "v",
  opts: { group?: number; proposer?: number; seq?: number } = {},
): PaxosMessage {
  return makeMessage({
    msgtype: MsgType.P2B,
    group: opts.group ?? 0,
    instance,
    round,
    vround: round,
    acceptor,
    proposer: opts.proposer ?? 1,
    seq: opts.seq ?? instance,
    value: enc(value),
  });
}

export function trim(instance: number, group = 0): PaxosMessage {
  return makeMessage({ msgtype: MsgType.TRIM, group, instance });
}

export function request(proposer: number, seq: number, value = "v", group = 0): PaxosMessage {
  return makeMessage({ msgtype: MsgType.REQUEST, group, proposer, seq, value: enc(value) });
}
