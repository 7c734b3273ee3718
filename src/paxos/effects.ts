// What a role asks its host to do. Roles are pure: they return Effects, the host (a socket
// agent or the simulator) performs them.
import type { PaxosMessage } from "../wire/message.js";
import type { Command } from "./command.js";

/** Where a message goes. Multicast groups and the coordinator are resolved by the host's routing. */
export type Target =
  | { kind: "acceptors"; group: number }
  | { kind: "learners"; group: number }
  | { kind: "coordinator"; group: number }
  | { kind: "controller" }
  /** A reply to a specific node (e.g. the sender of a 1A or a REQUEST). */
  | { kind: "node"; node: string };

export interface Outbound {
  to: Target;
  msg: PaxosMessage;
}

/** One entry of a learner's merged (global) log, handed to the application in order. */
export interface Delivery {
  /** Position in the learner's merged log, from 0. */
  index: number;
  group: number;
  instance: number;
  command: Command;
}

/**
 * A learner decided (`group`, `instance`) and has every earlier instance of that group: the
 * command is decided for good, though the merged log may hold it back (docs/protocol.md §10)
 * until the other groups catch up. Proposers stop retransmitting it (§1). No-ops are not listed.
 */
export interface Decision {
  group: number;
  instance: number;
  proposer: number;
  seq: number;
}

/** A learner's request to fill the instances [lo, hi] of `group` by recovery. */
export interface GapReport {
  group: number;
  lo: number;
  hi: number;
}

export interface Effects {
  send: Outbound[];
  /** Absolute times at which the role wants its `tick(now)` called. */
  timers: number[];
  deliveries: Delivery[];
  /** Learner only: commands decided in order within their group (before the merge). */
  decided: Decision[];
  recover: GapReport[];
}

export function noEffects(): Effects {
  return { send: [], timers: [], deliveries: [], decided: [], recover: [] };
}

/** Appends b's effects to a (mutating a) and returns a. */
export function mergeEffects(a: Effects, b: Effects): Effects {
  a.send.push(...b.send);
  a.timers.push(...b.timers);
  a.deliveries.push(...b.deliveries);
  a.decided.push(...b.decided);
  a.recover.push(...b.recover);
  return a;
}
