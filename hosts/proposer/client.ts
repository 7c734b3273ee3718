// Proposer library: the Proposer role on a UDP socket. `propose(value)` resolves when a learner
// reports the request delivered (NOTIFY); a learner's earlier DECIDED (decided in its group, held
// back by the merge of the groups) stops its retransmissions. Learners learn where to send those
// reports from SUBSCRIBE datagrams this client sends them (on start, then every `subscribeMs`),
// so a proposer on an ephemeral port needs no entry in any table; proposers with fixed addresses
// may also be listed in the learners' peer tables. An application embedding its own learner (the
// KV replica) calls `decided()` and `delivered()` directly instead.
import {
  Proposer,
  type ProposerOptions,
  type Refusal,
  type RefusalOutcome,
} from "../../src/paxos/proposer.js";
import { type NoQuorumStatus, VALUE_SIZE } from "../../src/wire/header.js";
import type { Address } from "../net/address.js";
import { type HostMessage, HostType } from "../net/hostproto.js";
import type { PeerTable } from "../net/peers.js";
import { type Clock, monotonicClock, performSends, TickScheduler } from "../net/runtime.js";
import { type EndpointStats, UdpEndpoint } from "../net/udp.js";

export interface ProposerClientOptions extends ProposerOptions {
  /** Local address (port 0: any free port). */
  bind: Address;
  /** Needs the group's coordinator (service address); `learners` get SUBSCRIBEs. */
  peers: PeerTable;
  /** Learners to subscribe to for delivery notifications (default: none, use `delivered()`). */
  notifyFrom?: readonly Address[];
  subscribeMs?: number;
  clock?: Clock;
}

export interface ProposalResult {
  proposer: number;
  seq: number;
  /** Where it was delivered, as reported (0 when completed through `delivered()` without it). */
  group: number;
  instance: number;
  attempts: number;
  latencyMs: number;
  /** false: a learner reported the request id had already taken effect (a duplicate decision). */
  applied: boolean;
}

export class ProposeTimeout extends Error {
  override readonly name = "ProposeTimeout";
  constructor(
    readonly seq: number,
    ms: number,
  ) {
    super(`request ${seq} not delivered within ${ms} ms (it may still be decided later)`);
  }
}

/**
 * The coordinator refused the request (NACK_NOQUORUM): too few acceptors are alive for a quorum.
 * `outcome` "not_applied": no attempt was stamped, it never takes effect; "unknown": an earlier
 * attempt may have been stamped and may still be decided (then once). Fails at once, well before
 * any timeout.
 */
export class ProposeRefused extends Error {
  override readonly name = "ProposeRefused";
  readonly seq: number;
  readonly outcome: RefusalOutcome;
  readonly status: NoQuorumStatus;
  readonly attempts: number;
  constructor(r: Refusal) {
    super(`request ${r.seq} ${refusalText(r.status)}; ${outcomeText(r.outcome)}`);
    this.seq = r.seq;
    this.outcome = r.outcome;
    this.status = r.status;
    this.attempts = r.attempts;
  }
}

/** "refused: 1 of 3 acceptors reachable, quorum 2" (or without numbers if the coordinator sent none). */
export function refusalText(s: NoQuorumStatus): string {
  return s.quorum === 0
    ? "refused: too few acceptors reachable for a quorum"
    : `refused: ${s.alive} of ${s.acceptors} acceptors reachable, quorum ${s.quorum}`;
}

export function outcomeText(o: RefusalOutcome): string {
  return o === "not_applied"
    ? "not applied"
    : "outcome unknown (an earlier attempt may still be decided, then once)";
}

export class ValueTooLarge extends Error {
  override readonly name = "ValueTooLarge";
}

interface Waiter {
  resolve: (r: ProposalResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
  submittedAt: number;
}

export class ProposerClient {
  readonly proposer: Proposer;
  private readonly waiters = new Map<number, Waiter>();
  private readonly timers: TickScheduler;
  private readonly clock: Clock;
  private endpoint!: UdpEndpoint;
  private subscribeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  readonly counters = {
    notifications: 0,
    foreignNotifications: 0,
    /** DECIDED datagrams for this proposer's requests. */
    decidedNotices: 0,
    timeouts: 0,
    refusals: 0,
  };

  private constructor(private readonly options: ProposerClientOptions) {
    this.clock = options.clock ?? monotonicClock;
    this.proposer = new Proposer(options);
    // Ticks wait for the I/O already received (setImmediate runs after the poll phase): after
    // the event loop stalled, a NOTIFY or DECIDED (or, in a KV replica, its learner's 2Bs) that
    // arrived meanwhile is taken in before the role decides to retransmit.
    this.timers = new TickScheduler(this.clock, () =>
      setImmediate(() => this.perform(this.proposer.tick(this.clock()))),
    );
  }

  static async open(options: ProposerClientOptions): Promise<ProposerClient> {
    const c = new ProposerClient(options);
    c.endpoint = await UdpEndpoint.bind(options.bind, {
      paxos: (msg) => {
        c.perform(c.proposer.handle(msg, c.clock()));
        c.reportRefusals();
      },
      host: (msg) => c.receiveHost(msg),
    });
    if (options.notifyFrom && options.notifyFrom.length > 0) {
      c.subscribe();
      c.subscribeTimer = setInterval(() => c.subscribe(), options.subscribeMs ?? 1000);
    }
    return c;
  }

  get address(): Address {
    return this.endpoint.address;
  }

  get id(): number {
    return this.proposer.id;
  }

  /** Requests submitted and not yet delivered. */
  get pending(): number {
    return this.proposer.pending;
  }

  /**
   * Submits `value` and resolves when it is delivered. With `timeoutMs` the promise rejects with
   * ProposeTimeout; the request keeps being retried (the role cannot take it back), so it may
   * still take effect: callers must treat a timeout as "outcome unknown". A refusal by the
   * coordinator (no quorum of acceptors) rejects at once with ProposeRefused, which says whether
   * the request is known not to take effect.
   */
  propose(value: Uint8Array, timeoutMs?: number): Promise<ProposalResult> & { seq: number } {
    if (this.closed) throw new Error("proposer client is closed");
    if (value.length > VALUE_SIZE)
      throw new ValueTooLarge(`value of ${value.length} bytes exceeds ${VALUE_SIZE}`);
    const now = this.clock();
    const { seq, effects } = this.proposer.submit(value, now);
    const promise = new Promise<ProposalResult>((resolve, reject) => {
      const w: Waiter = { resolve, reject, timer: null, submittedAt: now };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          if (this.waiters.get(seq) !== w) return;
          this.waiters.delete(seq);
          this.counters.timeouts++;
          reject(new ProposeTimeout(seq, timeoutMs));
        }, timeoutMs);
      }
      this.waiters.set(seq, w);
    });
    this.perform(effects);
    return Object.assign(promise, { seq });
  }

  /**
   * Request `seq` of this proposer was decided in its group but not delivered yet (called by an
   * embedded learner or on DECIDED): stop retransmitting it; the promise still waits for delivery.
   */
  decided(seq: number): void {
    this.perform(this.proposer.decided(this.proposer.id, seq, this.clock()));
  }

  /** Request `seq` of this proposer was delivered (called by an embedded learner or on NOTIFY). */
  delivered(
    seq: number,
    where: { group: number; instance: number; applied: boolean } = { group: 0, instance: 0, applied: true },
  ): void {
    const before = this.proposer.completed.length;
    this.perform(this.proposer.delivered(this.proposer.id, seq, this.clock()));
    const done = this.proposer.completed.slice(before);
    // The role keeps completions for its own callers; this client reports them through promises.
    this.proposer.completed.length = 0;
    const w = this.waiters.get(seq);
    if (!w) return;
    this.waiters.delete(seq);
    if (w.timer) clearTimeout(w.timer);
    const c = done.find((x) => x.seq === seq);
    w.resolve({
      proposer: this.proposer.id,
      seq,
      group: where.group,
      instance: where.instance,
      attempts: c?.attempts ?? 1,
      latencyMs: this.clock() - w.submittedAt,
      applied: where.applied,
    });
  }

  stats(): {
    endpoint: EndpointStats;
    sent: Record<string, number>;
    pending: number;
    notifications: number;
    decidedNotices: number;
    /** Requests whose retransmissions stopped because they were known decided before delivery. */
    decidedBeforeDelivery: number;
    /** Of those, how often delivery did not follow within maxTimeout (retransmitted again). */
    decidedResumed: number;
    timeouts: number;
    refusals: number;
  } {
    return {
      endpoint: { ...this.endpoint.stats },
      sent: { ...this.proposer.counters.sent },
      pending: this.proposer.pending,
      notifications: this.counters.notifications,
      decidedNotices: this.counters.decidedNotices,
      ...this.proposer.decidedCounts,
      timeouts: this.counters.timeouts,
      refusals: this.counters.refusals,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.stop();
    if (this.subscribeTimer) clearInterval(this.subscribeTimer);
    for (const [seq, w] of this.waiters) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(new Error(`proposer closed before request ${seq} was delivered`));
    }
    this.waiters.clear();
    await this.endpoint.close();
  }

  private subscribe(): void {
    this.endpoint.sendHost(
      { type: HostType.SUBSCRIBE, proposer: this.proposer.id },
      this.options.notifyFrom ?? [],
    );
  }

  private receiveHost(msg: HostMessage): void {
    if (msg.type !== HostType.NOTIFY && msg.type !== HostType.DECIDED) {
      this.endpoint.stats.unhandled++;
      return;
    }
    if (msg.proposer !== this.proposer.id) {
      this.counters.foreignNotifications++;
      return;
    }
    if (msg.type === HostType.DECIDED) {
      this.counters.decidedNotices++;
      this.decided(msg.seq);
      return;
    }
    this.counters.notifications++;
    this.delivered(msg.seq, msg);
  }

  /** Rejects the callers of requests the coordinator refused (the role lists each once). */
  private reportRefusals(): void {
    const refused = this.proposer.refused.splice(0);
    for (const r of refused) {
      this.counters.refusals++;
      const w = this.waiters.get(r.seq);
      if (!w) continue;
      this.waiters.delete(r.seq);
      if (w.timer) clearTimeout(w.timer);
      w.reject(new ProposeRefused(r));
    }
  }

  private perform(fx: ReturnType<Proposer["tick"]>): void {
    if (this.closed) return;
    performSends(fx, this.options.peers, this.endpoint, this.timers);
  }
}
