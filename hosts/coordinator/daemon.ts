// Server-side coordinator daemon (protocol §7): RecoveryCoordinator for takeovers and gap
// filling, then the Coordinator role serving REQUESTs in the taken-over round. Two UDP sockets:
// the agent port (1Bs, 2Bs, NACKs, TRIM/SYNC/PING, gap reports) and, optionally, the service
// address REQUESTs are routed to. Commands from the controller arrive on the control channel
// (control.ts); this class is what they call.
import { Coordinator } from "../../src/paxos/coordinator.js";
import { type Effects, mergeEffects, noEffects } from "../../src/paxos/effects.js";
import { RecoveryCoordinator, type RecoveryStatus } from "../../src/paxos/recovery.js";
import { makeMessage } from "../../src/wire/codec.js";
import { MsgType } from "../../src/wire/header.js";
import type { PaxosMessage } from "../../src/wire/message.js";
import { type Address, formatAddress } from "../net/address.js";
import { type HostMessage, HostType } from "../net/hostproto.js";
import type { PeerTable } from "../net/peers.js";
import { type Clock, monotonicClock, performSends, TickScheduler } from "../net/runtime.js";
import { type EndpointStats, UdpEndpoint } from "../net/udp.js";
import { RoundBook } from "./rounds.js";

export interface ServerCoordinatorOptions {
  /** Coordinator id 1–255: the low byte of the rounds it picks itself. */
  id: number;
  groups: readonly number[];
  /** Acceptors per group (N). */
  acceptors: number;
  ringSize: number;
  /** Agent port: must be among the 2B receivers (`peers.learners`) so recoveries see decisions. */
  bind: Address;
  /** Where the groups' REQUESTs arrive (each serviceIp:34952); optional, REQUESTs on `bind` work too. */
  service?: Address | readonly Address[];
  /** Needs `acceptors` and `learners`. */
  peers: PeerTable;
  retransmitMs: number;
  /** Persists the highest round seen or used. */
  dataDir?: string;
  /** Start gap recovery on learners' GAP reports (default true). */
  gapRecovery?: boolean;
  /**
   * Without a controller: compute the trim watermark from these learners' DELIVERED reports
   * (protocol §8: the lowest instance every one of them delivered) and send TRIM to the
   * acceptors and to this coordinator. Point the learners' `controller` peer at this daemon.
   */
  trimFor?: readonly number[];
  clock?: Clock;
}

export interface RecoveryRequest {
  group: number;
  /** Default: trim + 1. */
  lo?: number;
  /** Default: max(lo, next − 1); a takeover extends it by Phase 1 anyway. */
  hi?: number;
  /** Default: a fresh round of this coordinator above every round seen. */
  round?: number;
  fence: boolean;
  /** After Phase 1, serve the group in `round` from hi + 1 (a takeover). */
  serve: boolean;
}

export interface RecoveryInfo {
  group: number;
  lo: number;
  hi: number;
  round: number;
  fence: boolean;
  status: RecoveryStatus;
  roundToBeat: number;
}

interface Running {
  rec: RecoveryCoordinator;
  request: RecoveryRequest;
  /** Callbacks waiting for Phase 1 to end (or preemption). */
  phase1Waiters: (() => void)[];
  doneWaiters: (() => void)[];
  retries: number;
  phase1Done: boolean;
}

const GAP_RETRIES = 5;
/**
 * A gap fill that heard nothing new for this many retransmission periods is abandoned: its
 * acceptors are unreachable, or its instances were trimmed under it. The learner reports the gap
 * again if it still has it; a takeover is never abandoned (the controller owns its timeout).
 */
const GAP_STALL_PERIODS = 30;

/** A commanded round not above every round this coordinator has seen or used. */
export class RoundTooLow extends Error {
  override readonly name = "RoundTooLow";
  constructor(
    readonly round: number,
    readonly roundToBeat: number,
  ) {
    super(`round ${round} is not above round ${roundToBeat}, already seen or used here`);
  }
}

export class ServerCoordinatorDaemon {
  readonly coordinator: Coordinator;
  readonly rounds: RoundBook;
  /** Gap reports received, and those that started a recovery. */
  readonly gapStats = { reports: 0, started: 0, ignored: 0, abandoned: 0 };
  private readonly running = new Set<Running>();
  private readonly trims = new Map<number, number>();
  /** Per group, per learner id: highest DELIVERED (when computing trims itself). */
  private readonly delivered = new Map<number, Map<number, number>>();
  private readonly timers: TickScheduler;
  private readonly clock: Clock;
  private endpoint!: UdpEndpoint;
  private readonly services: UdpEndpoint[] = [];

  private constructor(private readonly options: ServerCoordinatorOptions) {
    this.clock = options.clock ?? monotonicClock;
    this.coordinator = new Coordinator({ ringSize: options.ringSize });
    this.rounds = new RoundBook(options.id, options.dataDir);
    this.timers = new TickScheduler(this.clock, () => this.tick());
  }

  static async start(options: ServerCoordinatorOptions): Promise<ServerCoordinatorDaemon> {
    const d = new ServerCoordinatorDaemon(options);
    d.endpoint = await UdpEndpoint.bind(options.bind, {
      paxos: (msg, from) => d.receive(msg, from),
      host: (msg) => d.receiveHost(msg),
    });
    const services =
      options.service === undefined
        ? []
        : Array.isArray(options.service)
          ? options.service
          : [options.service];
    try {
      for (const a of services as Address[]) {
        d.services.push(await UdpEndpoint.bind(a, { paxos: (msg, from) => d.receive(msg, from) }));
      }
    } catch (error) {
      await d.close();
      throw error;
    }
    return d;
  }

  get address(): Address {
    return this.endpoint.address;
  }

  get serviceAddresses(): Address[] {
    return this.services.map((s) => s.address);
  }

  /**
   * Takeover or gap filling. Resolves once Phase 1 is complete (hi final) or preempted. Throws
   * RoundTooLow (before changing anything) for a `round` not above every round seen here.
   */
  async recover(request: RecoveryRequest): Promise<RecoveryInfo> {
    const r = this.begin(request);
    if (r.rec.status === "phase1") await new Promise<void>((resolve) => r.phase1Waiters.push(resolve));
    return this.info(r);
  }

  /** Resolves when every instance of the recovery is decided (or it is preempted). */
  async recoverAndDecide(request: RecoveryRequest): Promise<RecoveryInfo> {
    const r = this.begin(request);
    const s = r.rec.status;
    if (s !== "decided" && s !== "preempted")
      await new Promise<void>((resolve) => r.doneWaiters.push(resolve));
    return this.info(r);
  }

  coordinates(group: number): boolean {
    return this.options.groups.includes(group);
  }

  /** Stops serving `group` (hand-back to a switch, or another server takes over). */
  handBack(group: number): void {
    this.coordinator.removeRole(group);
  }

  recoveries(): RecoveryInfo[] {
    return [...this.running].map((r) => this.info(r));
  }

  trim(group: number): number {
    return this.trims.get(group) ?? 0;
  }

  stats(): {
    endpoint: EndpointStats;
    service: EndpointStats[];
    coordinator: {
      received: Record<string, number>;
      sent: Record<string, number>;
      drops: Record<string, number>;
    };
    groups: Record<number, { round: number; next: number; trim: number }>;
    highestRounds: Record<number, number>;
    gaps: { reports: number; started: number; ignored: number };
    recoveries: RecoveryInfo[];
  } {
    const c = this.coordinator.counters;
    const groups: Record<number, { round: number; next: number; trim: number }> = {};
    for (const g of this.options.groups) groups[g] = this.coordinator.groupState(g);
    return {
      endpoint: { ...this.endpoint.stats },
      service: this.services.map((s) => ({ ...s.stats })),
      coordinator: { received: { ...c.received }, sent: { ...c.sent }, drops: { ...c.drops } },
      groups,
      highestRounds: this.rounds.toJSON(),
      gaps: { ...this.gapStats },
      recoveries: this.recoveries(),
    };
  }

  async close(): Promise<void> {
    this.timers.stop();
    for (const r of this.running) this.finish(r);
    await this.endpoint?.close();
    for (const s of this.services) await s.close();
  }

  private begin(request: RecoveryRequest): Running {
    const { group } = request;
    if (!this.options.groups.includes(group)) throw new RangeError(`group ${group} is not coordinated here`);
    const trim = this.trim(group);
    const lo = Math.max(request.lo ?? trim + 1, 1);
    const next = this.coordinator.groupState(group).next;
    const hi = Math.max(request.hi ?? next - 1, lo);
    let round = request.round;
    if (round === undefined) round = this.rounds.fresh(group);
    else if (round <= this.rounds.highestRound(group)) {
      // This server may have used that round itself (gap filling picks its own rounds): running
      // a second recovery in it could propose a different value at an instance in one round.
      throw new RoundTooLow(round, this.rounds.highestRound(group));
    } else this.rounds.observe(group, round);
    if (request.fence) {
      // A takeover supersedes whatever this server did for the group, including serving it.
      this.coordinator.removeRole(group);
      for (const r of this.running) if (r.request.group === group && r.request.fence) this.finish(r);
    }
    const rec = new RecoveryCoordinator({
      group,
      lo,
      hi,
      round,
      acceptors: this.options.acceptors,
      fence: request.fence,
      retransmit: this.options.retransmitMs,
    });
    const r: Running = {
      rec,
      request: { ...request, lo, hi, round },
      phase1Waiters: [],
      doneWaiters: [],
      retries: 0,
      phase1Done: false,
    };
    this.running.add(r);
    this.perform(rec.start(this.clock()));
    return r;
  }

  private info(r: Running): RecoveryInfo {
    return {
      group: r.rec.group,
      lo: r.rec.lo,
      hi: r.rec.hi,
      round: r.rec.round,
      fence: r.rec.isTakeover,
      status: r.rec.status,
      roundToBeat: r.rec.roundToBeat,
    };
  }

  private receive(msg: PaxosMessage, from: Address): void {
    const fx = noEffects();
    switch (msg.msgtype) {
      case MsgType.P1B:
      case MsgType.NACK_ROUND:
        if (msg.msgtype === MsgType.NACK_ROUND) this.rounds.observe(msg.group, msg.aux);
        for (const r of this.running) {
          if (r.rec.group === msg.group && r.rec.round === msg.round) mergeEffects(fx, r.rec.handle(msg));
        }
        break;
      case MsgType.P2B:
        this.rounds.observe(msg.group, msg.round);
        for (const r of this.running) if (r.rec.group === msg.group) mergeEffects(fx, r.rec.handle(msg));
        break;
      case MsgType.TRIM:
        this.applyTrim(msg, from, fx);
        break;
      case MsgType.DELIVERED:
        this.onDelivered(msg, fx);
        break;
      default:
        mergeEffects(fx, this.coordinator.handle(msg, formatAddress(from)));
    }
    this.perform(fx);
    this.settle();
  }

  private applyTrim(msg: PaxosMessage, from: Address, fx: Effects): void {
    this.trims.set(msg.group, Math.max(this.trim(msg.group), msg.instance));
    for (const r of this.running) if (r.rec.group === msg.group) r.rec.trimmed(msg.instance);
    mergeEffects(fx, this.coordinator.handle(msg, formatAddress(from)));
  }

  /** §8 without a controller: W = min over the configured learners; TRIM when it grows. */
  private onDelivered(msg: PaxosMessage, fx: Effects): void {
    const learners = this.options.trimFor;
    if (!learners?.includes(msg.acceptor) || !this.options.groups.includes(msg.group)) {
      this.endpoint.stats.unhandled++;
      return;
    }
    let byLearner = this.delivered.get(msg.group);
    if (!byLearner) {
      byLearner = new Map();
      this.delivered.set(msg.group, byLearner);
    }
    byLearner.set(msg.acceptor, Math.max(byLearner.get(msg.acceptor) ?? 0, msg.instance));
    const w = Math.min(...learners.map((id) => byLearner.get(id) ?? 0));
    if (w <= this.trim(msg.group)) return;
    const trim = makeMessage({ msgtype: MsgType.TRIM, group: msg.group, instance: w });
    fx.send.push({ to: { kind: "acceptors", group: msg.group }, msg: trim });
    this.applyTrim(trim, this.endpoint.address, fx);
  }

  private receiveHost(msg: HostMessage): void {
    if (msg.type !== HostType.GAP) {
      this.endpoint.stats.unhandled++;
      return;
    }
    this.gap(msg.group, msg.lo, msg.hi);
  }

  /**
   * A gap reported (by a learner, or by the controller for a learner whose DELIVERED lags):
   * starts a gap fill for the part of [lo, hi] no running fill covers. Returns whether it did.
   */
  gap(group: number, reportedLo: number, reportedHi: number): boolean {
    this.gapStats.reports++;
    if (this.options.gapRecovery === false || !this.options.groups.includes(group)) {
      this.gapStats.ignored++;
      return false;
    }
    const g = group;
    let lo = Math.max(reportedLo, this.trim(g) + 1);
    // No coordinator issues past trim + R; when serving, nothing past next − 1 exists yet.
    const state = this.coordinator.groupState(g);
    let hi = Math.min(reportedHi, this.trim(g) + this.options.ringSize);
    if (state.round > 0) hi = Math.min(hi, state.next - 1);
    const live = [...this.running].filter(
      (r) => r.rec.group === g && r.rec.status !== "decided" && r.rec.status !== "preempted",
    );
    // A takeover in Phase 1 recovers everything; a running gap fill keeps its range: only the
    // part above the fills that already cover lo is new (learners re-report growing ranges).
    const covered = live.some((r) => r.rec.isTakeover && r.rec.status === "phase1");
    for (let moved = true; moved; ) {
      moved = false;
      for (const r of live)
        if (!r.rec.isTakeover && r.rec.lo <= lo && r.rec.hi >= lo) {
          lo = r.rec.hi + 1;
          moved = true;
        }
    }
    if (lo > hi || covered) {
      this.gapStats.ignored++;
      return false;
    }
    this.gapStats.started++;
    // Gap filling never fences: the serving coordinator (switch or server) stays live.
    this.begin({ group: g, lo, hi, fence: false, serve: false });
    return true;
  }

  private tick(): void {
    const fx = noEffects();
    const now = this.clock();
    for (const r of [...this.running]) {
      if (!r.request.fence && now - r.rec.lastAnswerAt > GAP_STALL_PERIODS * this.options.retransmitMs) {
        this.gapStats.abandoned++;
        this.finish(r);
        continue;
      }
      mergeEffects(fx, r.rec.tick(now));
    }
    this.perform(fx);
    this.settle();
  }

  /** Moves recoveries on: serve after a takeover's Phase 1, retry preempted gap fills, drop finished ones. */
  private settle(): void {
    for (const r of [...this.running]) {
      const s = r.rec.status;
      if (s !== "phase1" && !r.phase1Done) {
        r.phase1Done = true;
        // hi is final once Phase 1 completes: serving from hi + 1 cannot collide with recovery.
        if (s !== "preempted" && r.request.serve) {
          const g = r.rec.group;
          this.coordinator.sync(g, r.rec.hi + 1, this.trim(g));
          this.coordinator.installRole(g, r.rec.round);
        }
        for (const w of r.phase1Waiters.splice(0)) w();
      }
      if (s === "preempted") {
        this.rounds.observe(r.rec.group, r.rec.roundToBeat);
        const retry = !r.request.fence && r.retries < GAP_RETRIES;
        this.finish(r);
        if (retry) {
          const again = this.begin({ ...r.request, round: undefined });
          again.retries = r.retries + 1;
        }
      } else if (s === "decided") this.finish(r);
    }
  }

  private finish(r: Running): void {
    this.running.delete(r);
    for (const w of r.phase1Waiters.splice(0)) w();
    for (const w of r.doneWaiters.splice(0)) w();
  }

  private perform(fx: Effects): void {
    performSends(fx, this.options.peers, this.endpoint, this.timers);
  }
}
