// Shared shapes of the simulator: cluster configuration, broken variants, the run's history.
import type { Command } from "../command.js";

/** Deliberate bugs, switched on only to prove that the checker catches them. */
export interface BrokenVariants {
  /** Acceptors vote in P2As whatever their round (rules 3 and 5 skipped for 2As). */
  acceptLowerRounds?: boolean;
  /** Recovery proposes a no-op whatever the 1Bs reported. */
  recoveryIgnoresVotes?: boolean;
  /** The controller lets an acceptor that lost its state rejoin without floor/join. */
  noAmnesiaFence?: boolean;
  /** The tight join of a rebooted acceptor (§9, from a PONG) is one below the last instance issued. */
  joinOneLow?: boolean;
  /** The application applies every delivered request, duplicates included. */
  noDedup?: boolean;
}

export const BROKEN_VARIANT_NAMES = [
  "acceptLowerRounds",
  "recoveryIgnoresVotes",
  "noAmnesiaFence",
  "joinOneLow",
  "noDedup",
] as const;
export type BrokenVariantName = (typeof BROKEN_VARIANT_NAMES)[number];

export interface Timing {
  /** Learner and controller tick period (ms). */
  tick: number;
  gapTimeout: number;
  noopDelay: number;
  proposerTimeout: number;
  proposerMaxTimeout: number;
  recoveryRetransmit: number;
  /** Consecutive unanswered PINGs before the controller declares the switch coordinator dead. */
  pingMisses: number;
  /** How long the server coordinator serves before the controller fails back (null: never). */
  failbackAfter: number | null;
  /** Latency of a control-plane operation (table write over P4Runtime). */
  controlDelay: number;
}

export const DEFAULT_TIMING: Timing = {
  tick: 5,
  gapTimeout: 40,
  noopDelay: 15,
  proposerTimeout: 40,
  proposerMaxTimeout: 160,
  recoveryRetransmit: 20,
  pingMisses: 4,
  failbackAfter: 150,
  controlDelay: 2,
};

export interface ClusterConfig {
  seed: number;
  acceptors: number;
  learners: number;
  proposers: number;
  /** Paxos groups, in merge order. Proposer k submits to groups[k mod groups.length]. */
  groups: number[];
  ringSize: number;
  /** Outstanding requests per proposer. */
  window: number;
  timing: Timing;
  broken: BrokenVariants;
  /** Record every message and event in the trace (slower). */
  trace: boolean;
}

/** What the checker examines after a run. */
export interface History {
  groups: readonly number[];
  acceptors: number;
  /** Every request ever submitted, by request key "proposer:seq". */
  proposed: Map<string, Command>;
  /** Requests that must be delivered (excludes a misrouted proposer's). */
  mustDeliver: Set<string>;
  /** Per (group, instance, round): value key → acceptors that voted for it (from the 2Bs they sent). */
  votes: Map<string, Map<number, Map<string, Set<number>>>>;
  learners: LearnerRecord[];
}

export interface LearnerRecord {
  id: number;
  /** The merged log as delivered. */
  delivered: { index: number; group: number; instance: number; command: Command }[];
  /** Commands that took effect (after the at-most-once filter), with the time they did. */
  applied: { command: Command; at: number }[];
}
