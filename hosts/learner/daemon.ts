// Learner daemon: the Learner role on a UDP socket, delivering the merged multi-group log to an
// application in order, exactly once per request id. Durable (store.ts): a restart replays its
// own log and resumes; it catches up from peer learners (host protocol STATUS/FETCH/ENTRIES);
// it reports DELIVERED to the controller, gaps to the recovery agents, and tells proposers when
// their requests were decided in their group (DECIDED, while the merge holds them back) and
// when delivered (NOTIFY).
import { type Command, isNoopCommand } from "../../src/paxos/command.js";
import type { DedupVerdict } from "../../src/paxos/dedup.js";
import type { Decision, Delivery, Effects } from "../../src/paxos/effects.js";
import { Learner } from "../../src/paxos/learner.js";
import type { PaxosMessage } from "../../src/wire/message.js";
import type { Address } from "../net/address.js";
import { type HostMessage, HostType, MAX_ENTRIES_PER_DATAGRAM } from "../net/hostproto.js";
import type { PeerTable } from "../net/peers.js";
import { type Clock, monotonicClock, performSends, TickScheduler } from "../net/runtime.js";
import { type EndpointStats, UdpEndpoint } from "../net/udp.js";
import { DedupTable } from "./dedup.js";
import { type LearnerStore, type LoadReport, LearnerStore as Store } from "./store.js";

/** The replicated application: a deterministic state machine over the merged log. */
/** A FETCH unanswered this long is given up and the pull restarts (a round trip is far less). */
const FETCH_GIVE_UP_MS = 500;

export interface LearnerApp {
  /** Applies a command that takes effect (not a no-op, not a duplicate); returns its result. */
  apply(command: Command, at: Delivery): unknown;
  /** JSON-serialisable state, for snapshots. */
  snapshot(): unknown;
  restore(state: unknown): void;
}

/** Called for every delivered entry after the application saw it. */
export type DeliveryListener = (d: Delivery, verdict: DedupVerdict, result: unknown) => void;

/**
 * Called when a command is decided in order within its group but the merged log holds it back
 * (not for entries merged at once: their delivery follows in the same step).
 */
export type DecisionListener = (d: Decision) => void;

export interface LearnerDaemonOptions {
  id: number;
  /** Groups in merge order. */
  groups: readonly number[];
  /** Acceptors per group (N). */
  acceptors: number;
  /** Position among the learners (protocol §10: rank k asks for no-ops after (k + 1) × delay). */
  rank: number;
  bind: Address;
  /** learners (unused), coordinators (no-op REQUESTs), controller, recovery, learnerPeers, proposers. */
  peers: PeerTable;
  tickMs: number;
  gapTimeoutMs: number;
  noopDelayMs: number;
  /** Period of STATUS announcements to peer learners. */
  catchupMs: number;
  /** Durable log and snapshots; without it the learner starts empty every time. */
  dataDir?: string;
  /** Snapshot after this many applied entries (default 1000). */
  snapshotEvery?: number;
  app?: LearnerApp;
  clock?: Clock;
}

export interface LearnerStats {
  endpoint: EndpointStats;
  received: Record<string, number>;
  drops: Record<string, number>;
  conflicts: number;
  merged: number;
  applied: number;
  duplicates: number;
  noops: number;
  positions: Record<number, number>;
  injected: number;
  fetchesSent: number;
  entriesServed: number;
  gapReports: number;
  notifications: number;
  /** DECIDED datagrams sent to proposers (decided, held back by the merge). */
  decidedNotices: number;
  snapshots: number;
  /** Catch-up datagrams from addresses that are not peer learners (dropped). */
  untrusted: number;
  load: LoadReport | null;
}

/** A subscriber is forgotten this long after its last SUBSCRIBE. */
const SUBSCRIPTION_TTL_MS = 30_000;

export class LearnerDaemon {
  readonly learner: Learner;
  private readonly options: LearnerDaemonOptions;
  private readonly clock: Clock;
  private readonly timers: TickScheduler;
  private readonly dedup = new DedupTable();
  private readonly store: LearnerStore | null;
  /** Per group: commands in instance order (index = instance − 1), as logged. */
  private readonly logs = new Map<number, Command[]>();
  /** Per group: when the FETCH in flight was sent (at most one). */
  private readonly fetching = new Map<number, number>();
  private logged = 0;
  /** While replaying the log on start: entries below this index are on disk already. */
  private replayLimit = 0;
  /** Catch-up is accepted only from the configured peer learners ("ip:port"). */
  private readonly trustedPeers: Set<string>;
  private applied = 0;
  private sinceSnapshot = 0;
  private readonly listeners: DeliveryListener[] = [];
  private readonly decisionListeners: DecisionListener[] = [];
  private readonly subscribers = new Map<number, { address: Address; until: number }>();
  private readonly peerPositions = new Map<string, Map<number, number>>();
  private catchupTimer: NodeJS.Timeout | null = null;
  private endpoint!: UdpEndpoint;
  private closed = false;
  private readonly counts = {
    applied: 0,
    duplicates: 0,
    noops: 0,
    injected: 0,
    fetchesSent: 0,
    entriesServed: 0,
    gapReports: 0,
    notifications: 0,
    decidedNotices: 0,
    snapshots: 0,
    untrusted: 0,
  };

  private constructor(options: LearnerDaemonOptions) {
    this.options = options;
    this.clock = options.clock ?? monotonicClock;
    this.learner = new Learner({
      id: options.id,
      groups: options.groups,
      acceptors: options.acceptors,
      tickInterval: options.tickMs,
      gapTimeout: options.gapTimeoutMs,
      noopDelay: options.noopDelayMs,
      rank: options.rank,
    });
    for (const g of options.groups) this.logs.set(g, []);
    this.trustedPeers = new Set(options.peers.learnerPeers.map(key));
    this.timers = new TickScheduler(this.clock, () => this.tick());
    this.store = options.dataDir ? new Store(options.dataDir) : null;
  }

  static async start(options: LearnerDaemonOptions): Promise<LearnerDaemon> {
    const d = new LearnerDaemon(options);
    try {
      d.recoverFromDisk();
      d.endpoint = await UdpEndpoint.bind(options.bind, {
        paxos: (msg) => d.receive(msg),
        host: (msg, from) => d.receiveHost(msg, from),
      });
    } catch (error) {
      d.store?.close();
      throw error;
    }
    d.perform(d.learner.start(d.clock()));
    d.catchupTimer = setInterval(() => d.announce(), options.catchupMs);
    d.announce();
    return d;
  }

  get address(): Address {
    return this.endpoint.address;
  }

  /** Highest instance of `group` delivered in order. */
  delivered(group: number): number {
    return this.learner.delivered(group);
  }

  /** Entries of the merged log handed to the application (applied, duplicate or no-op). */
  get merged(): number {
    return this.logged;
  }

  /** The merged log so far (group, instance, command), for inspection and tests. */
  log(): { group: number; instance: number; command: Command }[] {
    const out: { group: number; instance: number; command: Command }[] = [];
    const pos = new Map<number, number>();
    const order = this.options.groups;
    for (let k = 0; k < this.logged; k++) {
      const group = order[k % order.length]!;
      const i = (pos.get(group) ?? 0) + 1;
      pos.set(group, i);
      out.push({ group, instance: i, command: this.logs.get(group)![i - 1]! });
    }
    return out;
  }

  onDelivery(listener: DeliveryListener): void {
    this.listeners.push(listener);
  }

  onDecided(listener: DecisionListener): void {
    this.decisionListeners.push(listener);
  }

  stats(): LearnerStats {
    const c = this.learner.counters;
    const positions: Record<number, number> = {};
    for (const g of this.options.groups) positions[g] = this.learner.delivered(g);
    return {
      endpoint: { ...this.endpoint.stats },
      received: { ...c.received },
      drops: { ...c.drops },
      conflicts: this.learner.conflicts,
      merged: this.logged,
      positions,
      load: this.store?.report ?? null,
      ...this.counts,
    };
  }

  /** Writes a snapshot now (also done every `snapshotEvery` applied entries and on close). */
  snapshot(): void {
    if (!this.store) return;
    this.store.writeSnapshot({
      index: this.applied,
      dedup: this.dedup.export(),
      app: this.options.app?.snapshot() ?? null,
    });
    this.sinceSnapshot = 0;
    this.counts.snapshots++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.stop();
    if (this.catchupTimer) clearInterval(this.catchupTimer);
    if (this.store) {
      this.snapshot();
      this.store.close();
    }
    await this.endpoint.close();
  }

  /** Restores the snapshot, then replays the log into the role; entries past the snapshot are re-applied. */
  private recoverFromDisk(): void {
    if (!this.store) return;
    const snap = this.store.snapshot();
    if (snap) {
      this.dedup.import(snap.dedup);
      this.options.app?.restore(snap.app);
      this.applied = snap.index;
    }
    const entries = this.store.entries();
    // Entries already on disk must not be appended again while they are replayed.
    this.logged = 0;
    this.replayLimit = entries.length;
    for (const e of entries) {
      this.handleEffects(this.learner.learnDecided(e.group, e.instance, e.command), false);
    }
    if (this.logged !== entries.length) {
      throw new Error(`replayed ${this.logged} of ${entries.length} logged entries: the log does not merge`);
    }
    this.replayLimit = 0;
  }

  private receive(msg: PaxosMessage): void {
    if (this.closed) return;
    this.perform(this.learner.handle(msg));
  }

  private receiveHost(msg: HostMessage, from: Address): void {
    if (this.closed) return;
    const catchup =
      msg.type === HostType.STATUS || msg.type === HostType.FETCH || msg.type === HostType.ENTRIES;
    if (catchup && !this.trustedPeers.has(key(from))) {
      // ENTRIES are taken as decided: only peer learners may send them.
      this.counts.untrusted++;
      return;
    }
    switch (msg.type) {
      case HostType.SUBSCRIBE:
        this.subscribers.set(msg.proposer, { address: from, until: this.clock() + SUBSCRIPTION_TTL_MS });
        return;
      case HostType.STATUS:
        this.onStatus(msg.positions, from);
        return;
      case HostType.FETCH:
        this.serveFetch(msg.group, msg.from, msg.count, from);
        return;
      case HostType.ENTRIES: {
        if (!this.logs.has(msg.group)) return;
        msg.entries.forEach((e, k) => {
          this.counts.injected++;
          this.perform(this.learner.learnDecided(msg.group, msg.first + k, e));
        });
        // Keep pulling while this peer is known to be ahead: the answer ends this FETCH, the
        // next one continues the same pull.
        this.fetching.delete(msg.group);
        const known = this.peerPositions.get(key(from))?.get(msg.group) ?? 0;
        if (known > this.learner.delivered(msg.group) && msg.entries.length > 0)
          this.fetch(msg.group, known, from);
        return;
      }
      default:
        this.endpoint.stats.unhandled++;
    }
  }

  private onStatus(positions: readonly { group: number; delivered: number }[], from: Address): void {
    const known = new Map<number, number>();
    for (const p of positions) {
      if (!this.logs.has(p.group)) continue;
      known.set(p.group, p.delivered);
      if (p.delivered > this.learner.delivered(p.group)) this.fetch(p.group, p.delivered, from);
    }
    this.peerPositions.set(key(from), known);
  }

  private fetch(group: number, peerHas: number, from: Address): void {
    const mine = this.learner.delivered(group);
    const count = Math.min(MAX_ENTRIES_PER_DATAGRAM, peerHas - mine);
    if (count <= 0) return;
    // One pull per group at a time: every STATUS starting another would fetch the same entries
    // again, and on a slow path the pulls pile up faster than they finish. An unanswered FETCH
    // (lost, or the peer gone) is given up after FETCH_GIVE_UP_MS or two STATUS periods.
    const now = this.clock();
    const since = this.fetching.get(group);
    if (since !== undefined && now - since < Math.max(FETCH_GIVE_UP_MS, 2 * this.options.catchupMs)) return;
    this.fetching.set(group, now);
    this.counts.fetchesSent++;
    this.endpoint.sendHost({ type: HostType.FETCH, group, from: mine + 1, count }, [from]);
  }

  /**
   * Entries from this learner's log of `group` and, past it, from what it delivered in order but
   * has not merged yet (the merge waits for another group): a peer blocked on this group must
   * get them even while this learner is blocked on another one, or the two only trade one entry
   * per STATUS round trip (each one's merge waiting for the other's).
   */
  private serveFetch(group: number, from: number, count: number, to: Address): void {
    const log = this.logs.get(group);
    const delivered = this.learner.delivered(group);
    if (!log || from < 1 || from > delivered) return;
    const n = Math.min(count, MAX_ENTRIES_PER_DATAGRAM, delivered - from + 1);
    const entries: Command[] = [];
    for (let i = from; i < from + n; i++) {
      const e = i <= log.length ? log[i - 1] : this.learner.awaitingMerge(group, i);
      if (!e) break;
      entries.push(e);
    }
    if (entries.length === 0) return;
    this.counts.entriesServed += entries.length;
    this.endpoint.sendHost({ type: HostType.ENTRIES, group, first: from, entries }, [to]);
  }

  /**
   * STATUS to every peer learner: per group, the highest instance delivered in order (merged or
   * still waiting in the merge), all of which serveFetch can send.
   */
  private announce(): void {
    if (this.closed || this.options.peers.learnerPeers.length === 0) return;
    const positions = this.options.groups.map((g) => ({ group: g, delivered: this.learner.delivered(g) }));
    this.endpoint.sendHost(
      { type: HostType.STATUS, learner: this.options.id, positions },
      this.options.peers.learnerPeers,
    );
  }

  private tick(): void {
    if (this.closed) return;
    this.perform(this.learner.tick(this.clock()));
  }

  private perform(fx: Effects): void {
    performSends(fx, this.options.peers, this.endpoint, this.timers);
    this.handleEffects(fx, true);
  }

  private handleEffects(fx: Effects, live: boolean): void {
    for (const d of fx.deliveries) this.deliver(d);
    if (!live) return;
    this.announceDecided(fx);
    for (const r of fx.recover) {
      this.counts.gapReports++;
      this.endpoint.sendHost(
        { type: HostType.GAP, group: r.group, lo: r.lo, hi: r.hi },
        this.options.peers.recovery,
      );
    }
  }

  private deliver(d: Delivery): void {
    if (d.index !== this.logged)
      throw new Error(`delivery ${d.index} out of order (expected ${this.logged})`);
    const log = this.logs.get(d.group)!;
    log.push(d.command);
    if (this.logged >= this.replayLimit)
      this.store?.append({ group: d.group, instance: d.instance, command: d.command });
    this.logged++;
    // Entries the snapshot already reflects are not applied again.
    if (d.index < this.applied) return;
    let verdict: DedupVerdict;
    let result: unknown;
    if (isNoopCommand(d.command)) {
      verdict = "noop";
      this.counts.noops++;
    } else {
      verdict = this.dedup.check(d.command);
      if (verdict === "apply") {
        result = this.options.app?.apply(d.command, d);
        this.counts.applied++;
      } else this.counts.duplicates++;
    }
    this.applied++;
    for (const l of this.listeners) l(d, verdict, result);
    if (verdict !== "noop") this.notify(d, verdict === "apply");
    if (this.store && ++this.sinceSnapshot >= (this.options.snapshotEvery ?? 1000)) this.snapshot();
  }

  /**
   * Commands decided in their group that the merge holds back: tell their proposers (listeners,
   * DECIDED) so that they stop retransmitting. Those merged in the same step are left out: their
   * NOTIFY follows at once.
   */
  private announceDecided(fx: Effects): void {
    if (fx.decided.length === 0) return;
    const merged = new Set(fx.deliveries.map((d) => `${d.group}:${d.instance}`));
    for (const d of fx.decided) {
      if (merged.has(`${d.group}:${d.instance}`)) continue;
      for (const l of this.decisionListeners) l(d);
      const to = this.proposerAddress(d.proposer);
      if (!to) continue;
      this.counts.decidedNotices++;
      this.endpoint.sendHost(
        { type: HostType.DECIDED, proposer: d.proposer, seq: d.seq, group: d.group, instance: d.instance },
        [to],
      );
    }
  }

  /** Where `proposer` hears from learners: its last SUBSCRIBE's address, else its fixed one. */
  private proposerAddress(proposer: number): Address | undefined {
    const sub = this.subscribers.get(proposer);
    if (sub) {
      if (sub.until >= this.clock()) return sub.address;
      this.subscribers.delete(proposer);
    }
    return this.options.peers.proposers.get(proposer);
  }

  private notify(d: Delivery, applied: boolean): void {
    const p = d.command.proposer;
    const to = this.proposerAddress(p);
    if (!to || !this.endpoint) return;
    this.counts.notifications++;
    this.endpoint.sendHost(
      {
        type: HostType.NOTIFY,
        proposer: p,
        seq: d.command.seq,
        group: d.group,
        instance: d.instance,
        applied,
      },
      [to],
    );
  }
}

function key(a: Address): string {
  return `${a.host}:${a.port}`;
}
