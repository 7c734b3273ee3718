// The simulated cluster: every role from src/paxos on a discrete-event network whose messages
// travel as bytes (encodePaxos/decodePaxos), with faults from a seeded PRNG. One World is one run.
import { decodePaxos, encodePaxos, formatMessage } from "../../wire/codec.js";
import { MsgType } from "../../wire/header.js";
import type { PaxosMessage } from "../../wire/message.js";
import { Acceptor, type AcceptorRole } from "../acceptor.js";
import { type Command, commandKey, isNoopCommand, requestKey } from "../command.js";
import { Coordinator } from "../coordinator.js";
import { AtMostOnce } from "../dedup.js";
import { type Effects, mergeEffects, noEffects, type Target } from "../effects.js";
import { Learner } from "../learner.js";
import { Proposer } from "../proposer.js";
import type { RecoveryCoordinator } from "../recovery.js";
import { ControllerModel, SERVER_NODE, SWITCH_NODE } from "./controller.js";
import { FaultModel } from "./network.js";
import { Prng } from "./prng.js";
import { EventQueue } from "./queue.js";
import type { ClusterConfig, History, LearnerRecord } from "./types.js";

export const CONTROLLER_NODE = "ctrl";

type SimEvent =
  | { kind: "msg"; from: string; to: string; inc: number; bytes: Uint8Array }
  | { kind: "tick"; node: string; inc: number; at: number }
  | { kind: "action"; fn: () => void };

interface NodeRuntime {
  id: string;
  up: boolean;
  /** Bumped on every crash: messages and timers of an earlier incarnation are discarded. */
  inc: number;
  pendingTicks: Set<number>;
  receive(msg: PaxosMessage, from: string): Effects;
  tick(): Effects;
}

export interface WorldEvent {
  at: number;
  text: string;
}

export interface WorldStats {
  messagesSent: number;
  copiesDelivered: number;
  copiesLost: number;
  unrouted: number;
  decodeErrors: number;
  events: number;
}

export class World {
  readonly config: ClusterConfig;
  readonly net = new FaultModel();
  readonly rng: Prng;
  readonly acceptors = new Map<string, Acceptor>();
  readonly learners = new Map<string, { learner: Learner; dedup: AtMostOnce; record: LearnerRecord }>();
  readonly proposers = new Map<string, Proposer>();
  readonly switchCoordinator: Coordinator;
  readonly serverCoordinator: Coordinator;
  readonly recoveries = new Set<RecoveryCoordinator>();
  readonly controller: ControllerModel;
  readonly history: History;
  readonly events: WorldEvent[] = [];
  readonly trace: string[] = [];
  readonly stats: WorldStats = {
    messagesSent: 0,
    copiesDelivered: 0,
    copiesLost: 0,
    unrouted: 0,
    decodeErrors: 0,
    events: 0,
  };
  private nowMs = 0;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes = new Map<string, NodeRuntime>();
  private readonly routes = new Map<number, string | null>();
  /** Switches that rebooted (amnesia) while cut off from the controller, not yet reported. */
  private readonly unseenReboots = new Set<string>();
  /** Proposers that bypass routing and send to a fixed node (a misrouted client). */
  private readonly directTo = new Map<string, string>();

  constructor(config: ClusterConfig) {
    this.config = config;
    this.rng = new Prng(config.seed);
    const t = config.timing;
    this.history = {
      groups: config.groups,
      acceptors: config.acceptors,
      proposed: new Map(),
      mustDeliver: new Set(),
      votes: new Map(),
      learners: [],
    };
    this.switchCoordinator = new Coordinator({ ringSize: config.ringSize });
    this.serverCoordinator = new Coordinator({ ringSize: config.ringSize });
    this.addNode(SWITCH_NODE, (m, from) => this.switchCoordinator.handle(m, from), noEffects);
    for (let a = 1; a <= config.acceptors; a++) {
      const acc = new Acceptor({
        id: a,
        ringSize: config.ringSize,
        broken: { acceptLowerRounds: config.broken.acceptLowerRounds ?? false },
      });
      this.acceptors.set(`acc${a}`, acc);
      this.addNode(`acc${a}`, (m, from) => this.recordVotes(acc.handle(m, from)), noEffects);
    }
    for (let l = 1; l <= config.learners; l++) this.addLearner(l);
    for (let p = 1; p <= config.proposers; p++) {
      this.addProposer(`prop${p}`, p, config.groups[(p - 1) % config.groups.length]!);
    }
    this.addNode(
      SERVER_NODE,
      (m, from) => this.serverReceive(m, from),
      () => this.serverTick(),
    );
    this.controller = new ControllerModel(
      {
        groups: config.groups,
        learnerIds: [...this.learners.values()].map((l) => l.learner.id),
        acceptorNodes: [...this.acceptors.keys()],
        acceptors: config.acceptors,
        ringSize: config.ringSize,
        timing: t,
        broken: config.broken,
      },
      {
        now: () => this.nowMs,
        send: (to, msg) => this.transmit(CONTROLLER_NODE, to, msg),
        controlOp: (node, label, apply) => this.controlOp(node, label, apply),
        switchCoordinator: () => this.switchCoordinator,
        acceptorRoleWrite: (node, group, role) => this.acceptorRoleWrite(node, group, role),
        setRoute: (group, node) => this.setRoute(group, node),
        serverCoordinator: () => this.serverCoordinator,
        startRecovery: (rec) => {
          this.recoveries.add(rec);
          this.apply(SERVER_NODE, rec.start(this.nowMs));
        },
        stopRecovery: (rec) => this.recoveries.delete(rec),
        event: (text) => this.event(text),
      },
    );
    this.addNode(
      CONTROLLER_NODE,
      (m) => {
        this.controller.receive(m);
        return noEffects();
      },
      () => {
        this.controller.tick();
        return { ...noEffects(), timers: [this.nowMs + t.tick] };
      },
    );
    this.controller.bootstrap();
    for (const [id, l] of this.learners) this.apply(id, l.learner.start(0));
    this.apply(CONTROLLER_NODE, { ...noEffects(), timers: [t.tick] });
  }

  get now(): number {
    return this.nowMs;
  }

  /** Adds a proposer; `direct` makes it send to that node whatever the routing says. */
  addProposer(node: string, id: number, group: number, direct?: string): Proposer {
    const t = this.config.timing;
    const p = new Proposer({
      id,
      group,
      window: this.config.window,
      timeout: t.proposerTimeout,
      maxTimeout: t.proposerMaxTimeout,
    });
    this.proposers.set(node, p);
    if (direct) this.directTo.set(node, direct);
    this.addNode(
      node,
      (m) => p.handle(m, this.nowMs),
      () => p.tick(this.nowMs),
    );
    return p;
  }

  /** Submits `value` from proposer `node` now. `mustDeliver`: the checker demands its delivery. */
  submit(node: string, value: Uint8Array, mustDeliver = true): void {
    const p = this.proposers.get(node);
    const rt = this.nodes.get(node);
    if (!p || !rt?.up) return;
    const { seq, effects } = p.submit(value, this.nowMs);
    const key = requestKey(p.id, seq);
    this.history.proposed.set(key, { proposer: p.id, seq, value: value.slice() });
    if (mustDeliver) this.history.mustDeliver.add(key);
    this.apply(node, effects);
  }

  /** Runs `fn` at simulated time `at`. */
  at(at: number, fn: () => void): void {
    this.queue.push(at, { kind: "action", fn });
  }

  nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  isUp(node: string): boolean {
    return this.nodes.get(node)?.up ?? false;
  }

  crash(node: string): void {
    const rt = this.nodes.get(node);
    if (!rt?.up) return;
    rt.up = false;
    rt.inc++;
    rt.pendingTicks.clear();
    this.event(`${node} crashed`);
    if (this.isSwitch(node)) this.controller.onSwitchDown(node);
  }

  /** Restarts a crashed node; with `amnesia` a switch comes back with empty registers and tables. */
  restart(node: string, amnesia: boolean): void {
    const rt = this.nodes.get(node);
    if (!rt || rt.up) return;
    rt.up = true;
    if (amnesia) {
      if (node === SWITCH_NODE) this.switchCoordinator.wipe();
      this.acceptors.get(node)?.wipe();
    }
    this.event(`${node} restarted${amnesia ? " with empty registers (amnesia)" : " with its state"}`);
    if (!this.isSwitch(node)) return;
    if (this.net.isCut(CONTROLLER_NODE, node)) {
      if (amnesia) this.unseenReboots.add(node);
    } else {
      this.afterControlDelay(() => this.controller.onSwitchUp(node, amnesia));
    }
  }

  /** Cuts every link between the two sets; switches cut from the controller are seen as disconnected. */
  partition(a: readonly string[], b: readonly string[]): void {
    this.net.partition(a, b);
    this.event(`partition ${a.join(",")} | ${b.join(",")}`);
    for (const node of this.nodes.keys()) {
      if (this.isSwitch(node) && this.net.isCut(CONTROLLER_NODE, node)) this.controller.onSwitchDown(node);
    }
  }

  heal(): void {
    const cut = [...this.nodes.keys()].filter((n) => this.isSwitch(n) && this.net.isCut(CONTROLLER_NODE, n));
    this.net.healPartitions();
    this.event("partitions healed");
    // On reconnecting, the controller learns whether the switch rebooted meanwhile.
    for (const node of cut) {
      if (!this.isUp(node)) continue;
      const amnesia = this.unseenReboots.delete(node);
      this.afterControlDelay(() => this.controller.onSwitchUp(node, amnesia));
    }
  }

  event(text: string): void {
    this.events.push({ at: this.nowMs, text });
    if (this.config.trace) this.trace.push(`${fmtTime(this.nowMs)} EVENT ${text}`);
  }

  /** Processes events until `until` or until `stop()` holds (checked after each event). */
  run(until: number, stop?: () => boolean): void {
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > until) {
        this.nowMs = Math.max(this.nowMs, until);
        return;
      }
      const e = this.queue.pop()!;
      this.nowMs = e.time;
      this.stats.events++;
      this.dispatch(e.item);
      if (stop?.()) return;
    }
  }

  private dispatch(e: SimEvent): void {
    if (e.kind === "action") {
      e.fn();
      return;
    }
    if (e.kind === "tick") {
      const rt = this.nodes.get(e.node)!;
      rt.pendingTicks.delete(e.at);
      if (rt.up && rt.inc === e.inc) this.apply(e.node, rt.tick());
      return;
    }
    const rt = this.nodes.get(e.to)!;
    if (!rt.up || rt.inc !== e.inc) {
      this.stats.copiesLost++;
      return;
    }
    const decoded = decodePaxos(e.bytes);
    if (!decoded.ok) {
      this.stats.decodeErrors++;
      return;
    }
    this.stats.copiesDelivered++;
    if (this.config.trace)
      this.trace.push(`${fmtTime(this.nowMs)} ${e.from}→${e.to} ${formatMessage(decoded.value)}`);
    this.apply(e.to, rt.receive(decoded.value, e.from));
  }

  private addNode(id: string, receive: NodeRuntime["receive"], tick: NodeRuntime["tick"]): void {
    this.nodes.set(id, { id, up: true, inc: 0, pendingTicks: new Set(), receive, tick });
  }

  private addLearner(l: number): void {
    const t = this.config.timing;
    const learner = new Learner({
      id: l,
      groups: this.config.groups,
      acceptors: this.config.acceptors,
      tickInterval: t.tick,
      gapTimeout: t.gapTimeout,
      noopDelay: t.noopDelay,
      rank: l - 1,
    });
    const record: LearnerRecord = { id: l, delivered: [], applied: [] };
    this.history.learners.push(record);
    const entry = { learner, dedup: new AtMostOnce(), record };
    this.learners.set(`learner${l}`, entry);
    this.addNode(
      `learner${l}`,
      (m) => learner.handle(m),
      () => learner.tick(this.nowMs),
    );
  }

  /** Performs a node's effects: sends, timers, deliveries to the application, gap reports. */
  private apply(node: string, fx: Effects): void {
    for (const out of fx.send) this.transmit(node, out.to, out.msg);
    const rt = this.nodes.get(node)!;
    for (const at of fx.timers) {
      if (rt.pendingTicks.has(at)) continue;
      rt.pendingTicks.add(at);
      this.queue.push(Math.max(at, this.nowMs), { kind: "tick", node, inc: rt.inc, at });
    }
    if (fx.deliveries.length > 0) {
      const l = this.learners.get(node)!;
      for (const d of fx.deliveries) {
        l.record.delivered.push(d);
        this.applyCommand(l, d.command);
      }
    }
    for (const report of fx.recover) {
      if (this.config.trace)
        this.trace.push(
          `${fmtTime(this.nowMs)} ${node} gap report g${report.group} [${report.lo}, ${report.hi}]`,
        );
      this.afterControlDelay(() => this.controller.onGapReport(report));
    }
  }

  /** The replicated application at a learner: at-most-once, then the proposer hears back. */
  private applyCommand(l: { dedup: AtMostOnce; record: LearnerRecord }, command: Command): void {
    if (isNoopCommand(command)) return;
    const verdict = this.config.broken.noDedup ? "apply" : l.dedup.check(command);
    if (verdict !== "apply") return;
    l.record.applied.push({ command, at: this.nowMs });
    for (const [node, p] of this.proposers) {
      if (p.id === command.proposer && this.isUp(node))
        this.apply(node, p.delivered(command.proposer, command.seq, this.nowMs));
    }
  }

  private transmit(from: string, to: Target, msg: PaxosMessage): void {
    const bytes = encodePaxos(msg);
    this.stats.messagesSent++;
    for (const dest of this.resolve(from, to)) {
      const rt = this.nodes.get(dest);
      if (!rt) continue;
      for (const delay of this.net.copies(from, dest, msg, this.rng)) {
        this.queue.push(this.nowMs + delay, { kind: "msg", from, to: dest, inc: rt.inc, bytes });
      }
    }
  }

  private resolve(from: string, to: Target): string[] {
    switch (to.kind) {
      case "acceptors":
        return [...this.acceptors.keys()];
      case "learners":
        return [...this.learners.keys(), SERVER_NODE];
      case "controller":
        return [CONTROLLER_NODE];
      case "node":
        return [to.node];
      case "coordinator": {
        const direct = this.directTo.get(from);
        if (direct) return [direct];
        const route = this.routes.get(to.group);
        if (!route) {
          this.stats.unrouted++;
          return [];
        }
        return [route];
      }
    }
  }

  private setRoute(group: number, node: string | null): void {
    this.routes.set(group, node);
    if (this.config.trace) this.trace.push(`${fmtTime(this.nowMs)} ROUTE g${group} → ${node ?? "(none)"}`);
  }

  private serverReceive(msg: PaxosMessage, from: string): Effects {
    const fx = noEffects();
    switch (msg.msgtype) {
      case MsgType.P1B:
      case MsgType.NACK_ROUND:
        for (const rec of this.recoveries) {
          if (rec.group === msg.group && rec.round === msg.round) mergeEffects(fx, rec.handle(msg));
        }
        return fx;
      case MsgType.P2B:
        for (const rec of this.recoveries) if (rec.group === msg.group) mergeEffects(fx, rec.handle(msg));
        return fx;
      default:
        return this.serverCoordinator.handle(msg, from);
    }
  }

  private serverTick(): Effects {
    const fx = noEffects();
    for (const rec of this.recoveries) mergeEffects(fx, rec.tick(this.nowMs));
    return fx;
  }

  private recordVotes(fx: Effects): Effects {
    for (const out of fx.send) {
      const m = out.msg;
      if (m.msgtype !== MsgType.P2B) continue;
      const slot = `${m.group}:${m.instance}`;
      let rounds = this.history.votes.get(slot);
      if (!rounds) {
        rounds = new Map();
        this.history.votes.set(slot, rounds);
      }
      let values = rounds.get(m.round);
      if (!values) {
        values = new Map();
        rounds.set(m.round, values);
      }
      const key = commandKey({ proposer: m.proposer, seq: m.seq, value: m.value });
      let voters = values.get(key);
      if (!voters) {
        voters = new Set();
        values.set(key, voters);
      }
      voters.add(m.acceptor);
    }
    return fx;
  }

  /**
   * A table write over P4Runtime. It fails if the switch is down or unreachable, or rebooted
   * since the write was issued (the stream it was sent on broke with the reboot).
   */
  private controlOp(node: string, label: string, apply: () => void): void {
    const inc = this.nodes.get(node)?.inc;
    this.afterControlDelay(() => {
      const ok =
        this.isUp(node) && this.nodes.get(node)?.inc === inc && !this.net.isCut(CONTROLLER_NODE, node);
      if (ok) apply();
      if (this.config.trace)
        this.trace.push(
          `${fmtTime(this.nowMs)} CONTROL ${node}: ${label}${ok ? "" : " (failed: unreachable)"}`,
        );
    });
  }

  private acceptorRoleWrite(node: string, group: number, role: AcceptorRole): void {
    const acc = this.acceptors.get(node);
    if (!acc) return;
    if (this.nowMs === 0) acc.installRole(group, role);
    else
      this.controlOp(node, `acceptor role g${group} floor=${role.floor} join=${role.join}`, () =>
        acc.installRole(group, role),
      );
  }

  private afterControlDelay(fn: () => void): void {
    this.queue.push(this.nowMs + this.config.timing.controlDelay, { kind: "action", fn });
  }

  private isSwitch(node: string): boolean {
    return node === SWITCH_NODE || this.acceptors.has(node);
  }
}

export function fmtTime(ms: number): string {
  return `t=${ms.toFixed(3).padStart(9)}ms`;
}
