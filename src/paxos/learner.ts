// The learner (docs/protocol.md §6, §10): decides an instance when a majority of the group's
// acceptors sent a 2B in the same round, delivers each group in instance order, merges the
// groups into one global log, detects gaps, asks for no-ops in a group that stalls the merge,
// and reports DELIVERED so the controller can trim. Each command delivered in order within its
// group is also listed in `decided` at once, before the merge (which may hold it back): proposers
// stop retransmitting it then (§1).
import { makeMessage, NOOP } from "../wire/codec.js";
import { MsgType } from "../wire/header.js";
import type { PaxosMessage } from "../wire/message.js";
import { type Command, commandKey, commandOf, isNoopCommand } from "./command.js";
import { Counters } from "./counters.js";
import { type Effects, noEffects } from "./effects.js";
import { LogMerger } from "./merge.js";

/** A learner only listens to votes; anything else is counted as `port_filter`. */
const LEARNER_INPUTS: readonly number[] = [MsgType.P2B];

export interface LearnerOptions {
  /** Learner id, reported in DELIVERED. */
  id: number;
  /** Groups to learn, in merge order. */
  groups: readonly number[];
  /** Acceptors per group (N); a majority is ⌊N/2⌋ + 1. */
  acceptors: number;
  /** Period of tick(). */
  tickInterval: number;
  /** How long the next instance may stay missing (with later ones seen) before recovery is asked. */
  gapTimeout: number;
  /**
   * How long the merge may stay blocked on a group before this learner asks for no-ops in it;
   * multiplied by (rank + 1) so that normally only one learner asks.
   */
  noopDelay: number;
  /** This learner's position among the learners (0 asks first). */
  rank: number;
}

interface RoundVotes {
  acceptors: Set<number>;
  command: Command;
  key: string;
}

interface GroupLearning {
  /** Highest instance delivered in order. */
  delivered: number;
  /** Highest instance any 2B was seen for. */
  highestSeen: number;
  votes: Map<number, Map<number, RoundVotes>>;
  decided: Map<number, Command>;
  lastGapReport: number;
  /** When the current gap (a later instance seen, the next one missing) was first noticed. */
  gapSince: number | null;
  blockedSince: number | null;
  noopRetryAt: number;
  reported: number;
  lastReportAt: number;
}

export class Learner {
  readonly id: number;
  readonly counters = new Counters();
  /** 2Bs of one (group, instance, round) carrying different values: impossible unless a coordinator misbehaves. */
  conflicts = 0;
  private readonly options: LearnerOptions;
  private readonly majority: number;
  private readonly groups = new Map<number, GroupLearning>();
  private readonly merger: LogMerger;
  private mergedCount = 0;

  constructor(options: LearnerOptions) {
    if (!Number.isInteger(options.acceptors) || options.acceptors < 1) {
      throw new RangeError(`acceptor count ${options.acceptors} must be a positive integer`);
    }
    this.options = { ...options };
    this.id = options.id;
    this.majority = Math.floor(options.acceptors / 2) + 1;
    this.merger = new LogMerger(options.groups);
    for (const g of options.groups) {
      this.groups.set(g, {
        delivered: 0,
        highestSeen: 0,
        votes: new Map(),
        decided: new Map(),
        lastGapReport: Number.NEGATIVE_INFINITY,
        gapSince: null,
        blockedSince: null,
        noopRetryAt: 0,
        reported: 0,
        lastReportAt: Number.NEGATIVE_INFINITY,
      });
    }
  }

  /** Highest instance of `group` delivered in order (0 if none). */
  delivered(group: number): number {
    return this.groups.get(group)?.delivered ?? 0;
  }

  /**
   * The decided value of (`group`, `instance`) if it was delivered in order but not merged yet:
   * it waits behind a missing entry of another group. A decided value all the same, which peer
   * learners may need (catch-up serves it); merged entries are the caller's log.
   */
  awaitingMerge(group: number, instance: number): Command | undefined {
    if (instance > this.delivered(group)) return undefined;
    return this.merger.waiting(group, instance);
  }

  /** Number of entries handed to the application from the merged log. */
  get merged(): number {
    return this.mergedCount;
  }

  start(now: number): Effects {
    const fx = noEffects();
    fx.timers.push(now + this.options.tickInterval);
    return fx;
  }

  handle(msg: PaxosMessage): Effects {
    const fx = noEffects();
    if (!this.counters.admit(msg, LEARNER_INPUTS)) return fx;
    const g = this.groups.get(msg.group);
    if (!g) {
      this.counters.drop("no_role");
      return fx;
    }
    const i = msg.instance;
    if (i === 0 || i <= g.delivered || g.decided.has(i)) return fx;
    g.highestSeen = Math.max(g.highestSeen, i);
    let rounds = g.votes.get(i);
    if (!rounds) {
      rounds = new Map();
      g.votes.set(i, rounds);
    }
    const command = commandOf(msg);
    const key = commandKey(command);
    let votes = rounds.get(msg.round);
    if (!votes) {
      votes = { acceptors: new Set(), command, key };
      rounds.set(msg.round, votes);
    } else if (votes.key !== key) {
      // One value per (group, instance, round): a differing 2B is evidence of a broken coordinator.
      this.conflicts++;
      return fx;
    }
    votes.acceptors.add(msg.acceptor);
    if (votes.acceptors.size >= this.majority) this.decide(msg.group, g, i, votes.command, fx);
    return fx;
  }

  /**
   * Records an instance known to be decided without its votes — from this learner's own log after
   * a restart, or from a peer learner's catch-up reply, both of which hold only decided values —
   * and delivers, merges and reports as a quorum of 2Bs would.
   */
  learnDecided(group: number, instance: number, command: Command): Effects {
    const fx = noEffects();
    const g = this.groups.get(group);
    if (!g) {
      this.counters.drop("no_role");
      return fx;
    }
    if (instance === 0 || instance <= g.delivered || g.decided.has(instance)) return fx;
    g.highestSeen = Math.max(g.highestSeen, instance);
    this.decide(group, g, instance, command, fx);
    return fx;
  }

  private decide(group: number, g: GroupLearning, instance: number, command: Command, fx: Effects): void {
    g.decided.set(instance, command);
    g.votes.delete(instance);
    this.deliverInOrder(group, g, fx);
  }

  tick(now: number): Effects {
    const fx = noEffects();
    for (const [group, g] of this.groups) {
      this.detectGap(group, g, now, fx);
      this.report(group, g, now, fx);
    }
    this.askNoops(now, fx);
    fx.timers.push(now + this.options.tickInterval);
    return fx;
  }

  private deliverInOrder(group: number, g: GroupLearning, fx: Effects): void {
    for (;;) {
      const next = g.decided.get(g.delivered + 1);
      if (!next) return;
      g.decided.delete(g.delivered + 1);
      g.delivered++;
      g.gapSince = null;
      if (!isNoopCommand(next)) {
        fx.decided.push({ group, instance: g.delivered, proposer: next.proposer, seq: next.seq });
      }
      for (const e of this.merger.push(group, next)) {
        fx.deliveries.push({ index: this.mergedCount++, ...e });
      }
    }
  }

  /** §6: the next instance is missing while later ones were seen, for longer than the gap timeout. */
  private detectGap(group: number, g: GroupLearning, now: number, fx: Effects): void {
    let highest = g.highestSeen;
    for (const i of g.decided.keys()) highest = Math.max(highest, i);
    if (highest <= g.delivered) {
      g.gapSince = null;
      return;
    }
    g.gapSince ??= now;
    const timeout = this.options.gapTimeout;
    if (now - g.gapSince < timeout || now - g.lastGapReport < timeout) return;
    g.lastGapReport = now;
    fx.recover.push({ group, lo: g.delivered + 1, hi: highest });
  }

  private report(group: number, g: GroupLearning, now: number, fx: Effects): void {
    if (g.delivered === 0) return;
    // Report progress at once, and repeat the last report now and then in case it was lost.
    if (g.delivered === g.reported && now - g.lastReportAt < 10 * this.options.tickInterval) return;
    g.reported = g.delivered;
    g.lastReportAt = now;
    fx.send.push({
      to: { kind: "controller" },
      msg: makeMessage({ msgtype: MsgType.DELIVERED, group, instance: g.delivered, acceptor: this.id }),
    });
    this.counters.send(MsgType.DELIVERED);
  }

  /** §10: fill a group that stalls the merge with no-op REQUESTs. */
  private askNoops(now: number, fx: Effects): void {
    const order = this.merger.groups;
    if (order.length < 2) return;
    const counts = new Map<number, number>();
    for (const [group, g] of this.groups) counts.set(group, g.delivered);
    const delay = this.options.noopDelay * (this.options.rank + 1);
    for (const [group, g] of this.groups) {
      const target = LogMerger.needed(order, group, counts);
      // Instances already issued (2Bs seen) will arrive without help.
      const have = Math.max(g.delivered, g.highestSeen);
      if (target <= have) {
        g.blockedSince = null;
        continue;
      }
      g.blockedSince ??= now;
      if (now - g.blockedSince < delay || now < g.noopRetryAt) continue;
      g.noopRetryAt = now + delay;
      const count = Math.min(target - have, 64);
      for (let k = 0; k < count; k++) {
        fx.send.push({
          to: { kind: "coordinator", group },
          msg: makeMessage({ msgtype: MsgType.REQUEST, group, ...NOOP }),
        });
      }
      this.counters.send(MsgType.REQUEST, count);
    }
  }
}
