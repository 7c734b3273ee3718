// The controller (protocol §7–§9, docs/operator-guide.md): makes every switch hold what the
// deployment and the controller state say (reconciliation over P4Runtime), starts consensus
// (Phase 1 of the first round through the data plane), watches the coordinator switches with
// PING/PONG, fails over to the server coordinator and back, fences acceptors that lost their
// state, and trims from the learners' DELIVERED reports. It probes every acceptor through the data
// plane (a P1A in round 0), and while fewer than a quorum answer it makes the coordinator switch
// refuse REQUESTs (NACK_NOQUORUM) instead of stamping them. State changes are persisted before
// they are acted on; src/paxos/sim/controller.ts is the simulated model of the same procedures.
import { createSocket, type Socket } from "node:dgram";
import { epochFloor, roundEpoch } from "../../src/paxos/round.js";
import { decodePaxos } from "../../src/wire/codec.js";
import { MSG_TYPE_NAMES, MsgType } from "../../src/wire/header.js";
import type { PaxosMessage } from "../../src/wire/message.js";
import type { Deployment, HostConfig, SwitchConfig } from "../config/types.js";
import {
  computeDesiredState,
  coordinatorSwitchOf,
  makeRound,
  serverCoordinatorsOf,
} from "../desired/compute.js";
import { diffDesired, isEmptyDiff } from "../desired/diff.js";
import type { GroupState, SwitchDesired } from "../desired/types.js";
import { type ControlSource, DEFAULT_SOURCE } from "./packets.js";
import type { Pipeline } from "./pipeline.js";
import { type AcceptorChannel, ControllerRecovery, RecoveryPreempted } from "./recovery.js";
import { ServerControl, ServerControlError } from "./server-control.js";
import { type GroupLiveness, loadState, type PersistentState, saveState } from "./state-file.js";
import { SwitchLink, type UpdateFailure } from "./switch-link.js";

export interface ControllerOptions {
  deployment: Deployment;
  pipeline: Pipeline;
  /** Path of the state file (the deployment's paxos.stateFile, resolved). */
  stateFile: string;
  /** Progress and events, one line each. */
  log?: (line: string) => void;
  electionId?: number;
  /** Control channel ("host:port") per server-coordinator host name; default 127.0.0.1:34960. */
  serverControl?: Record<string, string>;
  /** Where DELIVERED reports arrive (UDP); none: no trimming from reports. */
  agentBind?: { host: string; port: number };
  /** Switches must answer the first arbitration within this. */
  connectTimeoutMs?: number;
  /** Reconcile every switch this often in daemon mode (drift repair). */
  watchMs?: number;
  /** Hand a group back to its switch this long after the switch returned (null: never by itself). */
  failbackAfterMs?: number | null;
}

export interface ReconcileReport {
  switch: string;
  pushedPipeline: boolean;
  written: number;
  failures: UpdateFailure[];
}

export interface GroupRuntime {
  /** Last PONG from the coordinator switch (ms). */
  lastPong: number;
  lastPongRound: number;
  lastPongNext: number;
  lastPongTrim: number;
  nonce: number;
  /** PINGs sent by the heartbeat since the last PONG. */
  unanswered: number;
  /** Nonce of the first PING after the switch started serving; older PONGs may predate the role. */
  servingNonce: number;
  busy: boolean;
  /** Since when the coordinator switch has been back while the group is on the server. */
  switchBackSince: number | null;
  /** Listeners for PONGs (probes in progress). */
  waiters: Set<(m: PaxosMessage) => void>;
  /** Per acceptor id: the answers to the liveness probes (round-0 P1As) of this group. */
  acceptors: Map<number, AcceptorLiveness>;
  /** When the heartbeat last started a round change for an acceptor fenced above the round. */
  floorChangeAt: number;
  /** When an acceptor was last fenced (its own round change starts then; the heartbeat waits). */
  fencedAt: number;
}

export interface AcceptorLiveness {
  /** When the newest probe it answered was sent (ms; the daemon's start before any answer). */
  answeredSentAt: number;
  /** Probes sent to it since its last answer. */
  unanswered: number;
  /** It answered a probe since the daemon started (before that it counts alive on credit). */
  answered: boolean;
}

/** Liveness probes not answered within this many sent are forgotten (their answers ignored). */
const PROBES_KEPT = 4096;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isAfter = (a: number, b: number) => {
  const age = (a - b) >>> 0;
  return age >= 1 && age < 0x8000_0000;
};

export class Controller {
  readonly d: Deployment;
  readonly links = new Map<string, SwitchLink>();
  state!: PersistentState;
  stateExisted = false;
  readonly groups = new Map<number, GroupRuntime>();
  private readonly log: (line: string) => void;
  private readonly source: ControlSource;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly recoveries = new Set<ControllerRecovery>();
  private timers: NodeJS.Timeout[] = [];
  private socket: Socket | null = null;
  /** Switches whose stream broke since they were last reconciled. */
  private readonly wasDown = new Set<string>();
  /** Liveness probes: nonce (the P1A's instance) → when it was sent. */
  private readonly probesSent = new Map<number, number>();
  private probeNonce = 0;
  private closed = false;
  /** Counters shown by status. */
  readonly stats = {
    pings: 0,
    pongs: 0,
    delivered: 0,
    trims: 0,
    failovers: 0,
    failbacks: 0,
    fences: 0,
    repairs: 0,
    /** Messages for a server role whose switch was not usable (see sendToHost). */
    unsentToHost: 0,
    /** Liveness probes sent to acceptors, and answers received. */
    acceptorProbes: 0,
    acceptorAnswers: 0,
    /** Times a group started / stopped refusing REQUESTs for lack of a quorum. */
    refusals: 0,
    refusalsEnded: 0,
    /** Recoveries asked of the server coordinator for a learner whose DELIVERED lagged (§6). */
    lagRecoveries: 0,
  };
  /** Per group: the highest DELIVERED seen when a learner was first behind it, and since when. */
  private readonly lag = new Map<number, { target: number; since: number }>();
  /** Per group and learner: the position it had when its range was last recovered. */
  private readonly lagRecovered = new Map<string, number>();

  constructor(readonly o: ControllerOptions) {
    this.d = o.deployment;
    this.log = o.log ?? (() => {});
    const agent = this.d.hosts.find((h) => h.roles["controller-agent"]);
    this.source = agent ? { mac: agent.mac, ip: agent.ip, udpPort: agent.udpPort } : DEFAULT_SOURCE;
    for (const g of this.d.paxos.groups)
      this.groups.set(g.id, {
        lastPong: 0,
        lastPongRound: 0,
        lastPongNext: 0,
        lastPongTrim: 0,
        nonce: 0,
        unanswered: 0,
        servingNonce: 0,
        busy: false,
        switchBackSince: null,
        waiters: new Set(),
        acceptors: new Map(
          this.d.acceptors.map((a) => [a.id, { answeredSentAt: 0, unanswered: 0, answered: false }]),
        ),
        floorChangeAt: 0,
        fencedAt: 0,
      });
  }

  // --- state ---------------------------------------------------------------------------

  loadState(): void {
    const { state, existed } = loadState(this.o.stateFile, this.d);
    this.state = state;
    this.stateExisted = existed;
  }

  private save(): void {
    saveState(this.o.stateFile, this.state);
  }

  group(g: number): GroupState {
    return this.state.control.groups[g]!;
  }

  /** Records a round seen elsewhere (a server coordinator's gap recovery), so newRound exceeds it. */
  observeRound(round: number): void {
    if (round <= this.state.highestRound) return;
    this.state.highestRound = round;
    this.save();
  }

  /** A round for `coordId` above every round ever handed out; persisted before it is used. */
  newRound(coordId: number): number {
    const r = makeRound(roundEpoch(this.state.highestRound) + 1, coordId);
    this.state.highestRound = r;
    this.save();
    return r;
  }

  // --- switches ------------------------------------------------------------------------

  /** Opens a session with every switch; returns the names that did not answer. */
  async connect(): Promise<string[]> {
    const timeout = this.o.connectTimeoutMs ?? 3000;
    const failed: string[] = [];
    await Promise.all(
      this.d.switches.map(async (s) => {
        const link = new SwitchLink(s, { electionId: this.o.electionId });
        this.links.set(s.name, link);
        link.on("paxos", (m) => this.onPaxos(s.name, m));
        link.on("down", (e) => {
          this.wasDown.add(s.name);
          this.log(`${s.name}: stream lost (${e.message})`);
        });
        link.on("up", () => {
          if (this.wasDown.has(s.name)) this.background("onSwitchBack", this.onSwitchBack(s.name));
        });
        try {
          const primary = await link.connect(timeout);
          if (!primary)
            this.log(`${s.name}: connected but not primary (another controller has a higher election id)`);
        } catch (e) {
          this.wasDown.add(s.name);
          failed.push(s.name);
          this.log(`${s.name}: unreachable at ${s.address} (${(e as Error).message})`);
        }
      }),
    );
    return failed;
  }

  private usable(name: string): boolean {
    const l = this.links.get(name);
    return !!l && l.connected && l.primary && !this.wasDown.has(name);
  }

  /**
   * Runs a procedure started from an event or a timer: its failure (a switch refusing the
   * connection mid-reconcile, say) is logged and retried by the watch loop, never left as an
   * unhandled rejection that would end the controller process.
   */
  private background(what: string, p: Promise<unknown>): void {
    p.catch((e: unknown) => this.log(`${what}: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Serialises work on one switch (reconcile, pipeline) so two writers never race. */
  private locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(
      name,
      next.catch(() => {}),
    );
    return next;
  }

  desired(): Map<string, SwitchDesired> {
    const down = this.d.switches.filter((s) => !this.usable(s.name)).map((s) => s.name);
    const state = { ...this.state.control, down };
    const out = new Map<string, SwitchDesired>();
    for (const s of computeDesiredState(this.d, state).switches) out.set(s.switch, s);
    return out;
  }

  /** Pipeline check, read, diff, write the difference. */
  async reconcile(name: string): Promise<ReconcileReport> {
    return this.locked(name, async () => {
      const link = this.links.get(name)!;
      const pushed = await link.ensurePipeline(this.o.pipeline);
      if (pushed) this.log(`${name}: pipeline installed (cookie ${this.o.pipeline.cookie.toString(16)})`);
      // Computed under the lock, from the state as it is now: a procedure may have moved on
      // while this call waited, and a stale desired state must never be written.
      const want = this.desired().get(name);
      if (!want) return { switch: name, pushedPipeline: pushed, written: 0, failures: [] };
      const have = await link.readContents(want.defaultActions.map((e) => e.table));
      const diff = diffDesired(want, have);
      if (isEmptyDiff(diff)) return { switch: name, pushedPipeline: pushed, written: 0, failures: [] };
      const out = await link.writeDiff(diff);
      for (const f of out.failures) this.log(`${name}: ${f.what}: ${f.code} ${f.message}`);
      return { switch: name, pushedPipeline: pushed, ...out };
    });
  }

  /** Reconciles every usable switch (in parallel). */
  async reconcileAll(): Promise<ReconcileReport[]> {
    const names = this.d.switches.map((s) => s.name).filter((n) => this.usable(n));
    return Promise.all(names.map((n) => this.reconcile(n)));
  }

  // --- data-plane messages ---------------------------------------------------------------

  private switchOf(name: string): SwitchConfig {
    return this.d.switches.find((s) => s.name === name)!;
  }

  send(name: string, msg: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] }): boolean {
    const link = this.links.get(name);
    return !!link && this.usable(name) && link.sendPaxos(this.source, msg);
  }

  private onPaxos(from: string, m: PaxosMessage): void {
    if (isProbeAnswer(m)) {
      // Only the acceptor switch itself answers through its own stream.
      if (this.switchOf(from)?.roles.acceptor?.id === m.acceptor) this.onProbeAnswer(m);
      return;
    }
    for (const r of this.recoveries) r.receive(m);
    if (m.msgtype !== MsgType.PONG) return;
    const rt = this.groups.get(m.group);
    const coord = coordinatorSwitchOf(this.d, m.group);
    if (!rt || coord?.name !== from) return;
    this.stats.pongs++;
    rt.unanswered = 0;
    rt.lastPong = Date.now();
    rt.lastPongRound = m.round;
    rt.lastPongNext = m.instance;
    rt.lastPongTrim = m.vround;
    this.state.knownNext[m.group] = Math.max(this.state.knownNext[m.group] ?? 1, m.instance);
    for (const w of rt.waiters) w(m);
    const g = this.group(m.group);
    // A serving switch that reports another round lost its role: a reboot we did not see.
    if (
      !rt.busy &&
      g.switchRole &&
      g.requestsTo === "switch" &&
      m.round !== g.round &&
      isAfter(m.aux, rt.servingNonce)
    ) {
      this.log(`group ${m.group}: ${from} answers in round ${m.round}, not ${g.round}: it restarted`);
      this.background("failover", this.failover(m.group, "coordinator switch lost its state"));
    }
  }

  ping(group: number): void {
    const coord = coordinatorSwitchOf(this.d, group);
    const rt = this.groups.get(group)!;
    if (!coord) return;
    rt.nonce = (rt.nonce + 1) >>> 0;
    this.stats.pings++;
    this.send(coord.name, { msgtype: MsgType.PING, group, aux: rt.nonce });
  }

  /** PINGs (with `before` first, e.g. a SYNC) until a PONG satisfies `ok`; null on timeout. */
  async probe(
    group: number,
    ok: (m: PaxosMessage) => boolean,
    timeoutMs: number,
    before?: () => void,
  ): Promise<PaxosMessage | null> {
    const rt = this.groups.get(group)!;
    const deadline = Date.now() + timeoutMs;
    const period = Math.max(20, Math.min(100, this.d.paxos.timeouts.heartbeatMs));
    // Any PONG to a PING sent from now on reflects what `before` sent ahead of it on the same
    // stream; it may arrive several PINGs later when the round trip is slow.
    const first = (rt.nonce + 1) >>> 0;
    let found: PaxosMessage | null = null;
    const listener = (m: PaxosMessage) => {
      if (found === null && (m.aux - first) >>> 0 < 0x8000_0000 && ok(m)) found = m;
    };
    rt.waiters.add(listener);
    try {
      while (found === null && Date.now() < deadline && !this.closed) {
        before?.();
        this.ping(group);
        await sleep(period);
      }
    } finally {
      rt.waiters.delete(listener);
    }
    return found;
  }

  // --- consensus procedures (protocol §7) --------------------------------------------------

  /**
   * The acceptors the controller's own Phase 1/2 can reach: acceptor switches over their
   * streams, and server acceptors through a PacketOut into their switch — those reply by UDP to
   * the controller agent's address, so only while the agent socket is open.
   */
  private acceptorChannels(): AcceptorChannel[] {
    const out: AcceptorChannel[] = this.d.switches
      .filter((s) => s.roles.acceptor && this.usable(s.name))
      .map((s) => ({ id: s.roles.acceptor!.id, send: (m) => this.send(s.name, m) }));
    for (const h of this.d.hosts) {
      const a = h.roles["server-acceptor"];
      const send = a && this.serverAcceptorSend(h);
      if (a && send) out.push({ id: a.id, send });
    }
    return out;
  }

  /**
   * A server acceptor's channel, when its answers can reach us (the agent socket is open, under
   * the agent's address) and its switch is usable; else null.
   */
  private serverAcceptorSend(
    h: HostConfig,
  ): ((m: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] }) => boolean) | null {
    if (!this.socket || this.source === DEFAULT_SOURCE || !this.usable(h.switch)) return null;
    return (m) => this.sendViaSwitch(h, m);
  }

  /** Phase 1 (+2) in `round` over [lo, …] through the reachable acceptors; raises the round when preempted. */
  async recover(
    group: number,
    lo: number,
    round: number,
    fence: boolean,
    phase1Only = false,
  ): Promise<{ hi: number; round: number }> {
    const t = this.d.paxos.timeouts;
    let r = round;
    for (let attempt = 0; attempt < 5; attempt++) {
      const rec = new ControllerRecovery(
        {
          group,
          lo,
          round: r,
          fence,
          quorum: this.d.quorum,
          limit: this.group(group).trim + this.d.p4.ringSize,
          retryMs: t.retryMs,
          timeoutMs: Math.max(2000, 4 * t.failoverMs),
          phase1Only,
        },
        this.acceptorChannels(),
      );
      this.recoveries.add(rec);
      try {
        const res = await rec.run();
        this.log(
          `group ${group}: Phase 1${fence ? " with FENCE" : ""} in round ${r} done over [${lo}, ${res.hi}]` +
            (res.hi < lo
              ? " (nothing voted)"
              : phase1Only
                ? ""
                : ` (${res.revoted} re-proposed, ${res.noops} no-ops)`),
        );
        return { hi: res.hi, round: r };
      } catch (e) {
        if (!(e instanceof RecoveryPreempted)) throw e;
        this.state.highestRound = Math.max(this.state.highestRound, e.roundToBeat);
        r = this.newRound(r & 0xff);
        this.log(`group ${group}: preempted by round ${e.roundToBeat}; retrying in round ${r}`);
      } finally {
        this.recoveries.delete(rec);
      }
    }
    throw new Error(`group ${group}: recovery preempted five times`);
  }

  private async withGroup<T>(group: number, fn: () => Promise<T>): Promise<T | undefined> {
    const rt = this.groups.get(group)!;
    if (rt.busy) return undefined;
    rt.busy = true;
    try {
      return await fn();
    } finally {
      rt.busy = false;
    }
  }

  /**
   * Protocol §7 step 4: serve `group` from its switch in a new round: stop REQUESTs, recover
   * up to hi' in that round (with FENCE), SYNC the switch past hi' until a PONG shows it, install
   * the role, wait for a PONG in the new round, route REQUESTs to the switch.
   */
  async handToSwitch(group: number, why: string): Promise<boolean> {
    const coord = coordinatorSwitchOf(this.d, group);
    if (!coord || !this.usable(coord.name)) return false;
    const g = this.group(group);
    const t = this.d.paxos.timeouts;
    const wasServer = g.requestsTo === "server";
    this.log(`group ${group}: to switch ${coord.name} (${why})`);
    g.requestsTo = "none";
    g.switchRole = false;
    this.save();
    await this.reconcileAll();
    const server = this.serverControlOf(group);
    if (wasServer && server) {
      try {
        await server.handback(group);
        const s = await server.groups();
        const next = s[String(group)]?.next ?? 1;
        this.state.knownNext[group] = Math.max(this.state.knownNext[group] ?? 1, next);
      } catch (e) {
        this.log(
          `group ${group}: server coordinator: ${(e as Error).message} (continuing: Phase 1 with FENCE cuts it off)`,
        );
      }
    }
    let round = this.newRound(coord.roles.coordinator!.id);
    const lo = g.trim + 1;
    const rec = await this.recover(group, lo, round, true);
    round = rec.round;
    const hi = Math.max(rec.hi, lo - 1);
    const next = hi + 1;
    this.state.knownNext[group] = Math.max(this.state.knownNext[group] ?? 1, next);
    this.save();
    const sync = () => {
      this.send(coord.name, { msgtype: MsgType.SYNC, group, instance: next });
      if (g.trim > 0) this.send(coord.name, { msgtype: MsgType.TRIM, group, instance: g.trim });
    };
    const synced = await this.probe(group, (m) => m.instance >= next, 4 * t.failoverMs, sync);
    if (!synced) {
      this.log(`group ${group}: ${coord.name} does not confirm next ≥ ${next}`);
      return false;
    }
    g.round = round;
    g.switchRole = true;
    this.save();
    await this.reconcile(coord.name);
    const serving = await this.probe(
      group,
      (m) => m.round === round && m.instance >= next,
      4 * t.failoverMs,
      sync,
    );
    if (!serving) {
      this.log(`group ${group}: ${coord.name} does not report round ${round}`);
      return false;
    }
    const rt = this.groups.get(group)!;
    rt.servingNonce = rt.nonce;
    rt.lastPong = Date.now();
    rt.unanswered = 0;
    g.requestsTo = "switch";
    this.state.started[group] = true;
    this.save();
    await this.reconcileAll();
    this.log(`group ${group}: served by switch ${coord.name} in round ${round} from instance ${next}`);
    return true;
  }

  private serverControlOf(group: number): ServerControl | null {
    const host = this.serverHostOf(group);
    if (!host) return null;
    return new ServerControl(
      this.o.serverControl?.[host.name] ?? "127.0.0.1:34960",
      Math.max(2000, 4 * this.d.paxos.timeouts.failoverMs),
    );
  }

  private serverHostOf(group: number): HostConfig | undefined {
    const g = this.group(group);
    const all = serverCoordinatorsOf(this.d, group);
    return all.find((h) => h.name === g.serverCoordinator) ?? all[0];
  }

  /**
   * Failover (protocol §7): stop REQUESTs and withdraw the switch's role; fence the acceptors
   * in a server round (through the reachable acceptors when they form a quorum); the server
   * coordinator takes over in that round and REQUESTs are routed to it.
   */
  async failover(group: number, why: string): Promise<boolean> {
    const res = await this.withGroup(group, async () => {
      const g = this.group(group);
      const host = this.serverHostOf(group);
      this.stats.failovers++;
      this.log(`group ${group}: failover (${why})`);
      g.switchRole = false;
      g.requestsTo = "none";
      this.save();
      await this.reconcileAll();
      if (!host) {
        this.log(
          `group ${group}: no server coordinator in the deployment; REQUESTs are dropped until the switch returns`,
        );
        return false;
      }
      const id = host.roles["server-coordinator"]!.id;
      let round = this.newRound(id);
      const lo = g.trim + 1;
      // Cut the old coordinator off at once, whatever the server coordinator's state. Phase 1
      // only: the server coordinator alone proposes in this round.
      if (this.acceptorChannels().length >= this.d.quorum) {
        try {
          const fenced = await this.recover(group, lo, round, true, true);
          round = fenced.round;
        } catch (e) {
          this.log(`group ${group}: fencing failed: ${(e as Error).message}`);
        }
      }
      const server = this.serverControlOf(group)!;
      // A refusal that names the round to beat (the server coordinator used a higher one for gap
      // recovery) is answered at once with a round above it; anything else waits for the retry timer.
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await server.takeover(group, round, lo);
          this.state.knownNext[group] = Math.max(this.state.knownNext[group] ?? 1, r.hi + 1);
          break;
        } catch (e) {
          const beat = e instanceof ServerControlError ? e.roundToBeat : undefined;
          if (beat === undefined || attempt >= 3) {
            this.log(`group ${group}: takeover failed: ${(e as Error).message}; retrying`);
            return false;
          }
          this.observeRound(beat);
          round = this.newRound(id);
          this.log(`group ${group}: takeover refused (round to beat ${beat}); trying round ${round}`);
        }
      }
      g.serverCoordinator = host.name;
      // It refuses REQUESTs beyond its trim + R: tell it the watermark now.
      if (g.trim > 0) this.sendToHost(host, { msgtype: MsgType.TRIM, group, instance: g.trim });
      g.requestsTo = "server";
      this.save();
      await this.reconcileAll();
      this.log(`group ${group}: served by server coordinator ${host.name} in round ${round}`);
      return true;
    });
    return res ?? false;
  }

  async failback(group: number, why: string): Promise<boolean> {
    const res = await this.withGroup(group, async () => {
      this.stats.failbacks++;
      return this.handToSwitch(group, why);
    });
    return res ?? false;
  }

  /**
   * Protocol §9, first half: an acceptor switch lost its registers. Its role entry gets floor
   * (above every round ever assigned) and join, persisted before the entry is written, so it
   * never votes without them. join = W + R, or — when the switch came back empty (it cannot have
   * voted since it restarted) and the group is served by its coordinator switch — the lower
   * bound issuedBound finds: the last instance issued, from a PONG in the serving round.
   */
  private async fenceState(name: string, empty: boolean): Promise<boolean> {
    const s = this.switchOf(name);
    if (!s.roles.acceptor) return false;
    const issued = new Map<number, number>();
    if (empty)
      for (const gc of this.d.paxos.groups) {
        const bound = await this.issuedBound(gc.id, name);
        if (bound !== null) issued.set(gc.id, bound);
      }
    const floor = epochFloor(roundEpoch(this.state.highestRound) + 1);
    this.state.highestRound = Math.max(this.state.highestRound, floor);
    for (const rt of this.groups.values()) rt.fencedAt = Date.now();
    const joins: string[] = [];
    for (const gc of this.d.paxos.groups) {
      const g = this.group(gc.id);
      const join = Math.min(g.trim + this.d.p4.ringSize, issued.get(gc.id) ?? Number.POSITIVE_INFINITY);
      g.acceptors[s.roles.acceptor.id] = { floor, join };
      joins.push(`group ${gc.id} join ${join}${issued.has(gc.id) ? " (last instance issued)" : " (W + R)"}`);
    }
    this.stats.fences++;
    this.save();
    this.log(
      `${name}: acceptor ${s.roles.acceptor.id} lost its state; fenced with floor ${floor}, ${joins.join(", ")}`,
    );
    return true;
  }

  /**
   * An upper bound on every instance of `group` that a coordinator has issued so far, or null
   * when the controller cannot know one (then join stays W + R). Known when the group is served
   * by its coordinator switch (not the restarted one) with no procedure running: every instance
   * in which a value can have been chosen in a round below any floor handed out now is below the
   * switch's `next` — the switch issued it in its round, or the Phase 1 with FENCE that handed
   * the group to the switch saw it (§7 step 4: `next` > hi'), or a gap recovery filled it, which
   * only covers instances already issued. A PONG in the serving round, to a PING sent now, gives
   * `next`; the round proves the switch kept its registers since it got that role.
   */
  private async issuedBound(group: number, restarted: string): Promise<number | null> {
    const g = this.group(group);
    const rt = this.groups.get(group)!;
    const coord = coordinatorSwitchOf(this.d, group);
    const t = this.d.paxos.timeouts;
    // A procedure in progress (another acceptor's round change, say) ends first: the switch it
    // leaves serving gives the bound. The acceptor cannot vote meanwhile: it has no role entry.
    const until = Date.now() + 2 * Math.max(2000, 4 * t.failoverMs);
    while (rt.busy && Date.now() < until && !this.closed) await sleep(20);
    const serving = () => !rt.busy && g.requestsTo === "switch" && g.switchRole;
    if (!coord || coord.name === restarted || !serving() || !this.usable(coord.name)) return null;
    const round = g.round;
    const pong = await this.probe(group, (m) => m.round === round, Math.max(500, 2 * t.failoverMs));
    if (!pong || !serving() || g.round !== round) return null;
    // `next` never goes back while the switch keeps its registers.
    if (pong.instance < (this.state.knownNext[group] ?? 1)) return null;
    return Math.max(g.trim, pong.instance - 1);
  }

  /** Second half: every running group moves to a round ≥ floor, so the acceptor rejoins. */
  private async roundChange(why: string): Promise<void> {
    for (const gc of this.d.paxos.groups) {
      const g = this.group(gc.id);
      if (!this.state.started[gc.id]) continue;
      if (g.requestsTo === "server" || !g.switchRole) await this.failover(gc.id, why);
      else await this.failback(gc.id, why);
    }
  }

  /**
   * A switch whose pipeline is not ours restarted: its registers are gone. "empty": it runs no
   * pipeline at all, so it cannot have voted since it restarted; "other": another one.
   */
  private async amnesiac(name: string): Promise<"empty" | "other" | false> {
    try {
      const cookie = await this.links.get(name)!.pipelineCookie();
      if (cookie === this.o.pipeline.cookie) return false;
      return cookie === null ? "empty" : "other";
    } catch {
      return false;
    }
  }

  /**
   * A coordinator switch that restarted has `next` back at 1: its role in the old round must not
   * be reinstalled (protocol §3). Withdrawn in the state before anything is written; returns the
   * groups it served, which go back to it only by the hand-back procedure.
   */
  private withdrawRole(name: string): number[] {
    const groups: number[] = [];
    for (const gc of this.d.paxos.groups) {
      const g = this.group(gc.id);
      if (coordinatorSwitchOf(this.d, gc.id)?.name !== name || !g.switchRole) continue;
      g.switchRole = false;
      if (g.requestsTo === "switch") g.requestsTo = "none";
      groups.push(gc.id);
    }
    if (groups.length > 0) {
      this.save();
      this.log(`${name}: coordinator lost its registers; groups ${groups.join(", ")} change round`);
    }
    return groups;
  }

  /** A switch's stream is back: fence it if it restarted, then reconcile it. */
  private async onSwitchBack(name: string): Promise<void> {
    const amnesia = await this.amnesiac(name);
    this.log(`${name}: stream back${amnesia ? " with its pipeline gone: restarted" : ""}`);
    const withdrawn = amnesia ? this.withdrawRole(name) : [];
    const fenced = amnesia !== false && (await this.fenceState(name, amnesia === "empty"));
    // Until now the switch counted as down: the watch loop could not write an unfenced role.
    this.wasDown.delete(name);
    try {
      await this.reconcileAll();
    } catch (e) {
      this.log(`${name}: reconcile failed: ${(e as Error).message}`);
    }
    if (fenced) await this.roundChange(`round change after fencing ${name}`);
    else for (const g of withdrawn) await this.failback(g, `${name} restarted`);
  }

  // --- start-up ------------------------------------------------------------------------------

  /**
   * `paxosctl up`: connect, install pipelines, reconcile, and start consensus for groups that
   * never ran (Phase 1 of the first round through the data plane, then the hand-over to the
   * switch). A group already serving is left alone: a restarted controller changes nothing.
   */
  async up(): Promise<{ unreachable: string[]; reports: ReconcileReport[] }> {
    this.loadState();
    // Server acceptors answer the controller's Phase 1 on the agent socket: open it first. Taken
    // (a controller daemon runs), Phase 1 counts acceptor switches only.
    if (this.o.agentBind && this.d.hosts.some((h) => h.roles["server-acceptor"]))
      await this.openAgentSocket(this.o.agentBind).catch((e: Error) =>
        this.log(
          `agent socket ${this.o.agentBind!.host}:${this.o.agentBind!.port}: ${e.message}; Phase 1 counts acceptor switches only`,
        ),
      );
    const unreachable = await this.connect();
    // Acceptor switches that restarted while no controller watched: fence before any write.
    const fenced: string[] = [];
    const withdrawn: number[] = [];
    if (Object.values(this.state.started).some(Boolean))
      for (const s of this.d.switches) {
        const amnesia = this.usable(s.name) ? await this.amnesiac(s.name) : false;
        if (amnesia === false) continue;
        withdrawn.push(...this.withdrawRole(s.name));
        if (await this.fenceState(s.name, amnesia === "empty")) fenced.push(s.name);
      }
    const reports = await this.reconcileAll();
    for (const gc of this.d.paxos.groups) {
      const g = this.group(gc.id);
      if (this.state.started[gc.id]) {
        // Restarted controller: confirm the serving switch still holds its role.
        if (g.requestsTo === "switch") {
          const coord = coordinatorSwitchOf(this.d, gc.id);
          const ok = coord && this.usable(coord.name) ? await this.probe(gc.id, () => true, 1000) : null;
          if (ok && ok.round !== g.round)
            await this.failover(gc.id, `switch reports round ${ok.round}, not ${g.round}`);
          else if (ok) this.groups.get(gc.id)!.lastPong = Date.now();
        }
        continue;
      }
      await this.withGroup(gc.id, () => this.handToSwitch(gc.id, "start-up: first round"));
    }
    if (fenced.length > 0) await this.roundChange(`round change after fencing ${fenced.join(", ")}`);
    else for (const g of withdrawn) await this.failback(g, "its coordinator switch restarted");
    return { unreachable, reports };
  }

  // --- daemon --------------------------------------------------------------------------------

  /** Heartbeats, failure detection, fail-back, drift repair and trimming until close(). */
  async startDaemon(): Promise<void> {
    const t = this.d.paxos.timeouts;
    for (const rt of this.groups.values()) {
      rt.lastPong = Date.now();
      rt.unanswered = 0;
      // Every acceptor counts as alive until it has had failoverMs to answer.
      for (const a of rt.acceptors.values()) {
        a.answeredSentAt = Date.now();
        a.unanswered = 0;
        a.answered = false;
      }
    }
    if (this.o.agentBind && !this.socket) await this.openAgentSocket(this.o.agentBind);
    this.timers.push(setInterval(() => this.heartbeat(), t.heartbeatMs));
    this.timers.push(
      setInterval(() => {
        void this.watch();
      }, this.o.watchMs ?? 1000),
    );
  }

  private heartbeat(): void {
    const now = Date.now();
    const t = this.d.paxos.timeouts;
    this.checkQuorums(now);
    this.probeAcceptors(now);
    for (const gc of this.d.paxos.groups) {
      const g = this.group(gc.id);
      const rt = this.groups.get(gc.id)!;
      const coord = coordinatorSwitchOf(this.d, gc.id);
      if (rt.busy || !coord) continue;
      if (
        g.requestsTo === "switch" &&
        g.switchRole &&
        !g.noQuorum &&
        now - rt.floorChangeAt > 4 * t.failoverMs &&
        now - rt.fencedAt > 4 * t.failoverMs &&
        Object.values(g.acceptors).some((f) => f.floor > g.round)
      ) {
        // An acceptor fenced while a round change ran (two restarts at once) is still below
        // its floor: move on to a round it may take part in (protocol §9).
        rt.floorChangeAt = now;
        this.background("failback", this.failback(gc.id, "an acceptor is fenced above the round"));
        continue;
      }
      if (g.requestsTo === "switch" && g.switchRole) {
        // Dead = silent for failoverMs *and* that many heartbeats unanswered: a controller
        // that was itself stalled (fewer PINGs sent) does not blame the switch.
        const misses = Math.max(2, Math.floor(t.failoverMs / t.heartbeatMs / 2));
        if (now - rt.lastPong > t.failoverMs && rt.unanswered >= misses) {
          this.background(
            "failover",
            this.failover(
              gc.id,
              `no PONG from ${coord.name} for ${now - rt.lastPong} ms (${rt.unanswered} PINGs)`,
            ),
          );
          continue;
        }
        this.ping(gc.id);
        rt.unanswered++;
      } else if (this.state.started[gc.id] && g.requestsTo !== "switch") {
        if (g.requestsTo === "none" && !this.usable(coord.name)) {
          // A failover that could not finish (server coordinator unreachable): retry.
          if (now - rt.lastPong > 4 * t.failoverMs) {
            rt.lastPong = now;
            this.background("failover", this.failover(gc.id, "retrying takeover"));
          }
          continue;
        }
        if (!this.usable(coord.name)) {
          rt.switchBackSince = null;
          continue;
        }
        rt.switchBackSince ??= now;
        const after = this.o.failbackAfterMs === undefined ? 2 * t.failoverMs : this.o.failbackAfterMs;
        if (after !== null && now - rt.switchBackSince >= after) {
          rt.switchBackSince = null;
          this.background("failback", this.failback(gc.id, `${coord.name} is back`));
        }
      }
    }
    this.trim();
    this.checkLagging(now);
  }

  /**
   * Protocol §6: when every 2B of a group's last instances was lost at one learner, it sees
   * nothing higher and detects no gap; its peers' catch-up usually fills it. If its DELIVERED
   * stays below what another learner had delivered for the gap timeout, the server coordinator
   * re-decides [its position + 1, that target] (a gap fill: same values, 2Bs to every learner).
   * Once per learner and position: a learner that does not move after that is down, not lagging.
   */
  private checkLagging(now: number): void {
    const learners = this.d.hosts.filter((h) => h.roles.learner).map((h) => h.roles.learner!.id);
    if (learners.length < 2) return;
    for (const gc of this.d.paxos.groups) {
      const per = this.state.delivered[gc.id] ?? {};
      const at = learners.map((id) => per[id] ?? 0);
      const min = Math.min(...at);
      const max = Math.max(...at);
      const lag = this.lag.get(gc.id);
      if (!lag) {
        if (min < max) this.lag.set(gc.id, { target: max, since: now });
        continue;
      }
      if (min >= lag.target) {
        this.lag.delete(gc.id);
        continue;
      }
      if (now - lag.since < this.d.paxos.timeouts.gapMs) continue;
      this.lag.delete(gc.id);
      const server = this.serverControlOf(gc.id);
      if (!server || this.groups.get(gc.id)!.busy) continue;
      for (const [k, id] of learners.entries()) {
        const pos = at[k]!;
        const key = `${gc.id}/${id}`;
        if (pos >= lag.target || this.lagRecovered.get(key) === pos) continue;
        this.lagRecovered.set(key, pos);
        this.stats.lagRecoveries++;
        this.log(
          `group ${gc.id}: learner ${id} stays at ${pos} below ${lag.target}: recovering [${pos + 1}, ${lag.target}]`,
        );
        this.background(
          "lag recovery",
          // As a gap report: no second fill where the learner's own reports started one.
          server.gap(gc.id, pos + 1, lag.target),
        );
      }
    }
  }

  private watching = false;

  /** Drift repair: what differs from the desired state is written back. */
  async watch(): Promise<void> {
    if (this.watching || this.closed) return;
    if ([...this.groups.values()].some((rt) => rt.busy)) return;
    this.watching = true;
    try {
      for (const r of await this.reconcileAll()) {
        if (r.written > 0) {
          this.stats.repairs += r.written;
          this.log(`${r.switch}: repaired ${r.written} entr${r.written === 1 ? "y" : "ies"}`);
        }
      }
    } catch (e) {
      this.log(`watch: ${(e as Error).message}`);
    } finally {
      this.watching = false;
    }
  }

  // --- acceptor liveness and refusal ----------------------------------------------------------

  /**
   * How the acceptors of the deployment are reached for a probe: acceptor switches by PacketOut
   * (their answer is a PacketIn), server acceptors by a PacketOut into their switch (their answer
   * comes to the agent socket). null: this acceptor cannot be probed now and is not counted dead
   * for it — a server acceptor without the agent socket or without a usable switch to send from.
   * An acceptor switch whose stream is not usable is dead (`send` answers false).
   */
  private probeChannel(a: {
    id: number;
    kind: "switch" | "host";
    name: string;
  }): ((m: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] }) => boolean) | null {
    if (a.kind === "switch") return (m) => this.send(a.name, m);
    const h = this.d.hosts.find((x) => x.name === a.name);
    return h ? this.serverAcceptorSend(h) : null;
  }

  /**
   * One probe per acceptor and started group: a P1A in round 0, which every acceptor answers
   * NACK_ROUND without touching its state (protocol §5 rule 0). The instance field carries a
   * nonce, so an answer tells which probe — and so how long ago — it answers.
   */
  private probeAcceptors(now: number): void {
    this.probeNonce = (this.probeNonce + 1) >>> 0 || 1;
    const nonce = this.probeNonce;
    this.probesSent.set(nonce, now);
    if (this.probesSent.size > PROBES_KEPT) this.probesSent.delete(this.probesSent.keys().next().value!);
    for (const gc of this.d.paxos.groups) {
      if (!this.state.started[gc.id]) continue;
      const rt = this.groups.get(gc.id)!;
      for (const a of this.d.acceptors) {
        const send = this.probeChannel(a);
        if (!send) continue;
        const st = rt.acceptors.get(a.id)!;
        st.unanswered++;
        this.stats.acceptorProbes++;
        send({ msgtype: MsgType.P1A, group: gc.id, instance: nonce, round: 0 });
      }
    }
  }

  private onProbeAnswer(m: PaxosMessage): void {
    const sentAt = this.probesSent.get(m.instance);
    const st = this.groups.get(m.group)?.acceptors.get(m.acceptor);
    if (sentAt === undefined || !st) return;
    this.stats.acceptorAnswers++;
    st.answered = true;
    if (sentAt >= st.answeredSentAt) {
      st.answeredSentAt = sentAt;
      st.unanswered = 0;
    }
  }

  /**
   * Which acceptors of `group` count as alive now: those that answered a probe sent within
   * failoverMs (an acceptor switch also needs its stream), and those that cannot be probed.
   * Silence counts only after that many probes went unanswered, so a controller that was itself
   * stalled does not blame the acceptors.
   */
  liveness(group: number, now = Date.now(), confirmed = false): GroupLiveness {
    const t = this.d.paxos.timeouts;
    const misses = Math.max(2, Math.floor(t.failoverMs / t.heartbeatMs / 2));
    const rt = this.groups.get(group)!;
    const alive: number[] = [];
    const unprobed: number[] = [];
    for (const a of this.d.acceptors) {
      const st = rt.acceptors.get(a.id)!;
      if (a.kind === "switch" && !this.usable(a.name)) continue;
      if (a.kind === "host" && this.probeChannel(a) === null) {
        unprobed.push(a.id);
        continue;
      }
      // `confirmed`: only acceptors that really answered since the daemon started.
      if (confirmed && !st.answered) continue;
      if (now - st.answeredSentAt <= t.failoverMs || st.unanswered < misses) alive.push(a.id);
    }
    return { alive, unprobed, acceptors: this.d.acceptors.length, quorum: this.d.quorum, at: now };
  }

  /**
   * Protocol §4, refusing: a group served by its switch whose alive acceptors are fewer than a
   * quorum gets the `refuse` role entry (REQUESTs answered NACK_NOQUORUM, nothing stamped); the
   * plain entry returns as soon as a quorum answers again. Refusing only stops new instances:
   * `next` and the round stay, so nothing decided or in flight is touched.
   */
  private checkQuorums(now: number): void {
    for (const gc of this.d.paxos.groups) {
      if (!this.state.started[gc.id]) continue;
      const g = this.group(gc.id);
      const rt = this.groups.get(gc.id)!;
      // A refusal (persisted, perhaps by an earlier daemon) ends only on real answers, never on
      // the credit every acceptor gets while the daemon starts: that would stamp REQUESTs into
      // instances nobody can decide, for failoverMs.
      const view = this.liveness(gc.id, now, g.noQuorum !== undefined);
      const count = view.alive.length + view.unprobed.length;
      const before = this.state.liveness?.[gc.id];
      const changed =
        !before ||
        before.alive.join() !== view.alive.join() ||
        before.unprobed.join() !== view.unprobed.join();
      if (changed) {
        this.state.liveness ??= {};
        this.state.liveness[gc.id] = view;
      }
      const coord = coordinatorSwitchOf(this.d, gc.id);
      const served = g.requestsTo === "switch" && g.switchRole && !!coord;
      const say = `${count} of ${view.acceptors} acceptors alive (quorum ${view.quorum})`;
      let entry = false;
      if (count < view.quorum && served && !rt.busy) {
        if (g.noQuorum?.alive !== count) {
          if (!g.noQuorum) {
            this.stats.refusals++;
            this.log(`group ${gc.id}: ${say}: refusing requests`);
          } else this.log(`group ${gc.id}: ${say}: still refusing requests`);
          g.noQuorum = { alive: count };
          entry = true;
        }
      } else if (count >= view.quorum && g.noQuorum) {
        delete g.noQuorum;
        this.stats.refusalsEnded++;
        this.log(
          `group ${gc.id}: quorum back (${count} of ${view.acceptors} acceptors alive, quorum ${view.quorum}): serving`,
        );
        entry = true;
      } else if (changed) this.log(`group ${gc.id}: ${say}`);
      if (changed || entry) this.save();
      // The coordinator's role entry follows at once (the watch loop would repair it later).
      if (entry && coord && this.usable(coord.name)) this.background("refusal", this.reconcile(coord.name));
    }
  }

  // --- trimming (protocol §8) ------------------------------------------------------------------

  private async openAgentSocket(bind: { host: string; port: number }): Promise<void> {
    const s = createSocket("udp4");
    // A TRIM to a server role that cannot be sent (no route) must not take the controller down.
    s.on("error", (e) => this.log(`agent socket: ${e.message}`));
    s.on("message", (buf) => {
      const r = decodePaxos(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), 0);
      if (!r.ok) return;
      if (r.value.msgtype === MsgType.DELIVERED) this.onDelivered(r.value);
      else if (isProbeAnswer(r.value)) {
        if (this.d.acceptors.some((a) => a.kind === "host" && a.id === r.value.acceptor))
          this.onProbeAnswer(r.value);
      }
      // Server acceptors' answers to the controller's own P1A.
      else for (const rec of this.recoveries) rec.receive(r.value);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(bind.port, bind.host, () => resolve());
      });
    } catch (e) {
      s.close();
      throw e;
    }
    this.socket = s;
  }

  /**
   * A message to a server role's udpPort: injected (PacketOut, process = 1) into the switch the
   * host hangs off, which routes it like any datagram — no IP route from the controller host
   * needed. Never sent to the host's deployment address from this host's own stack: where those
   * addresses are not routed to our own hosts (the embedded demo), it would leave the machine.
   * Without a usable switch the message is dropped and counted; TRIM is resent as it advances.
   */
  sendToHost(h: HostConfig, msg: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] }): void {
    if (this.sendViaSwitch(h, msg)) return;
    this.stats.unsentToHost++;
    this.log(`${h.name}: ${MSG_TYPE_NAMES[msg.msgtype]} not sent: its switch ${h.switch} is not usable`);
  }

  /** PacketOut of `msg` into host `h`'s switch, to its udpPort; false if that switch is not usable. */
  private sendViaSwitch(
    h: HostConfig,
    msg: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] },
  ): boolean {
    const link = this.links.get(h.switch);
    return (
      !!link &&
      this.usable(h.switch) &&
      link.sendPaxos(this.source, msg, { mac: h.mac, ip: h.ip, udpPort: h.udpPort })
    );
  }

  get agentAddress(): { host: string; port: number } | null {
    if (!this.socket) return null;
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  onDelivered(m: PaxosMessage): void {
    if (!this.groups.has(m.group)) return;
    this.stats.delivered++;
    this.state.delivered[m.group] ??= {};
    const per = this.state.delivered[m.group]!;
    per[m.acceptor] = Math.max(per[m.acceptor] ?? 0, m.instance);
  }

  /** W(g) = lowest instance delivered by every learner; TRIM to coordinators and acceptors. */
  trim(force = false): number {
    const learners = this.d.hosts.filter((h) => h.roles.learner).map((h) => h.roles.learner!.id);
    let sent = 0;
    for (const gc of this.d.paxos.groups) {
      const g = this.group(gc.id);
      if (learners.length === 0) continue;
      const per = this.state.delivered[gc.id] ?? {};
      const w = Math.min(...learners.map((id) => per[id] ?? 0));
      if (w < g.trim || (w === g.trim && !force) || w === 0) continue;
      g.trim = w;
      this.save();
      const msg = { msgtype: MsgType.TRIM, group: gc.id, instance: w } as const;
      for (const s of this.d.switches) if (s.roles.acceptor || s.roles.coordinator) this.send(s.name, msg);
      for (const h of this.d.hosts)
        if (h.roles["server-acceptor"] || h.roles["server-coordinator"]) this.sendToHost(h, msg);
      this.stats.trims++;
      sent++;
    }
    return sent;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const l of this.links.values()) l.close();
    if (this.socket) await new Promise<void>((r) => this.socket!.close(() => r()));
    this.socket = null;
    await sleep(0);
  }
}

/** An acceptor's answer to a liveness probe: NACK_ROUND in round 0 (no procedure uses round 0). */
function isProbeAnswer(m: PaxosMessage): boolean {
  return m.msgtype === MsgType.NACK_ROUND && m.round === 0;
}
