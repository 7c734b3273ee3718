// A model of the real controller (docs/protocol.md §7–§9), using only what a real controller
// can know: DELIVERED and PONG messages, gap reports from learners, switch connect/disconnect
// (the P4Runtime stream), and the server-side processes it runs itself. It hands out rounds,
// trims, detects a dead switch coordinator, moves the coordinator role, fences amnesiac acceptors.
import { makeMessage } from "../../wire/codec.js";
import { MsgType } from "../../wire/header.js";
import type { PaxosMessage } from "../../wire/message.js";
import type { AcceptorRole } from "../acceptor.js";
import type { Coordinator } from "../coordinator.js";
import type { GapReport, Target } from "../effects.js";
import { RecoveryCoordinator } from "../recovery.js";
import { epochFloor, makeRound, roundEpoch } from "../round.js";
import type { BrokenVariants, Timing } from "./types.js";

export const SWITCH_COORDINATOR_ID = 1;
export const SERVER_COORDINATOR_ID = 2;
export const SWITCH_NODE = "coord";
export const SERVER_NODE = "server";

/** What the controller can do in the world: all of it is available to a real controller. */
export interface ControllerHost {
  now(): number;
  /** Sends a data-plane message from the controller. */
  send(to: Target, msg: PaxosMessage): void;
  /** A table write on a switch (P4Runtime); lost if the switch is down or unreachable. */
  controlOp(node: string, label: string, apply: () => void): void;
  switchCoordinator(): Coordinator;
  acceptorRoleWrite(node: string, group: number, role: AcceptorRole): void;
  /** Where REQUESTs of `group` are forwarded (null: nowhere, they are dropped). */
  setRoute(group: number, node: string | null): void;
  /** The server-side coordinator process (run by the controller's host). */
  serverCoordinator(): Coordinator;
  startRecovery(rec: RecoveryCoordinator): void;
  stopRecovery(rec: RecoveryCoordinator): void;
  event(text: string): void;
}

export interface ControllerOptions {
  groups: readonly number[];
  learnerIds: readonly number[];
  acceptorNodes: readonly string[];
  acceptors: number;
  ringSize: number;
  timing: Timing;
  broken: BrokenVariants;
}

interface Change {
  target: "switch" | "server";
  round: number;
  rec: RecoveryCoordinator;
  /** phase1: recovery running; sync: waiting for a PONG with next > hi; role: waiting for a PONG with our round. */
  stage: "phase1" | "sync" | "role";
  hi: number;
  stageSince: number;
}

interface GroupControl {
  group: number;
  mode: "switch" | "server" | "changing";
  delivered: Map<number, number>;
  trim: number;
  lastTrimAt: number;
  knownNext: number;
  /** The round the switch coordinator serves in (when mode is "switch"). */
  switchRound: number;
  /** The last nonce sent before the switch began serving: older PONGs may predate its role. */
  servingNonce: number;
  nonce: number;
  unanswered: number;
  servingSince: number;
  change: Change | null;
  /** Since when some learner's DELIVERED has stayed below another's (null: all equal). */
  lagSince: number | null;
  lagMin: number;
  /** Recoveries whose Phase 2 still runs (after a change, or gap filling). */
  background: Set<RecoveryCoordinator>;
  /**
   * Acceptors that lost their state, waiting for a PONG in the serving round (to a PING sent
   * from `nonce` on) that bounds the instances they may have voted in (§9, tight join).
   */
  pendingFences: { node: string; since: number; nonce: number }[];
}

export class ControllerModel {
  /** Highest round ever handed out (the real controller persists it). */
  highestRound = 0;
  private readonly options: ControllerOptions;
  private readonly host: ControllerHost;
  private readonly groups = new Map<number, GroupControl>();
  private switchConnected = true;

  constructor(options: ControllerOptions, host: ControllerHost) {
    this.options = options;
    this.host = host;
    for (const g of options.groups) {
      this.groups.set(g, {
        group: g,
        mode: "switch",
        delivered: new Map(),
        trim: 0,
        lastTrimAt: 0,
        knownNext: 1,
        switchRound: 0,
        servingNonce: 0,
        nonce: 0,
        unanswered: 0,
        servingSince: 0,
        change: null,
        lagSince: null,
        lagMin: 0,
        background: new Set(),
        pendingFences: [],
      });
    }
  }

  /**
   * Initial deployment: fresh acceptors have no votes, so the first switch round needs no
   * Phase 1. Installs acceptor roles and the switch coordinator role, routes REQUESTs to it.
   */
  bootstrap(): void {
    const round = this.newRound(SWITCH_COORDINATOR_ID);
    for (const g of this.groups.values()) {
      for (const node of this.options.acceptorNodes)
        this.host.acceptorRoleWrite(node, g.group, { floor: 0, join: 0 });
      this.host.switchCoordinator().installRole(g.group, round);
      g.switchRound = round;
      this.host.setRoute(g.group, SWITCH_NODE);
    }
    this.host.event(`controller: switch coordinator serves in round ${round}`);
  }

  mode(group: number): GroupControl["mode"] | undefined {
    return this.groups.get(group)?.mode;
  }

  trimWatermark(group: number): number {
    return this.groups.get(group)?.trim ?? 0;
  }

  /** A round for `coordId` above every round handed out before. */
  newRound(coordId: number): number {
    const round = makeRound(roundEpoch(this.highestRound) + 1, coordId);
    this.highestRound = round;
    return round;
  }

  receive(msg: PaxosMessage): void {
    const g = this.groups.get(msg.group);
    if (!g) return;
    if (msg.msgtype === MsgType.DELIVERED) {
      g.delivered.set(msg.acceptor, Math.max(g.delivered.get(msg.acceptor) ?? 0, msg.instance));
    } else if (msg.msgtype === MsgType.PONG && (g.nonce - msg.aux) >>> 0 <= this.options.timing.pingMisses) {
      // A PONG to one of the last few PINGs: PINGs go out every tick, faster than a slow round trip.
      g.unanswered = 0;
      // §9: a PONG in the serving round, to a PING sent after an acceptor's reboot was seen,
      // bounds every instance it can have voted in: next − 1.
      if (g.mode === "switch" && msg.round === g.switchRound && msg.instance >= g.knownNext)
        for (const f of g.pendingFences.filter((x) => !isAfter(x.nonce, msg.aux)))
          this.completeFence(g, f, Math.max(g.trim, msg.instance - 1));
      g.knownNext = Math.max(g.knownNext, msg.instance);
      const c = g.change;
      if (g.mode === "switch" && msg.round !== g.switchRound && isAfter(msg.aux, g.servingNonce)) {
        // The switch answers but lost its role (a reboot the controller did not see): fail over.
        this.host.event(`controller: switch coordinator reports round ${msg.round}, not ${g.switchRound}`);
        this.startChange(g, "server");
      } else if (c?.stage === "sync" && msg.instance > c.hi) this.installSwitchRole(g, c);
      // Both again: a PONG sent before a reboot could otherwise vouch for a wiped switch.
      else if (c?.stage === "role" && msg.round === c.round && msg.instance > c.hi) {
        this.finishChange(g, c, SWITCH_NODE);
      }
    }
  }

  /** A learner asks to fill [lo, hi]: classic Paxos, without a fence (the coordinator is alive). */
  onGapReport(report: GapReport): void {
    const g = this.groups.get(report.group);
    if (!g || g.mode === "changing") return;
    const lo = Math.max(report.lo, g.trim + 1);
    if (lo > report.hi) return;
    for (const rec of g.background) {
      if (!rec.isTakeover && rec.status !== "decided" && rec.lo <= lo && rec.hi >= report.hi) return;
    }
    const rec = this.recovery(g, lo, report.hi, this.newRound(SERVER_COORDINATOR_ID), false);
    g.background.add(rec);
    this.host.event(
      `controller: gap recovery of group ${g.group} [${lo}, ${report.hi}] in round ${rec.round}`,
    );
  }

  /** The P4Runtime stream of a switch broke. */
  onSwitchDown(node: string): void {
    if (node === SWITCH_NODE) this.switchConnected = false;
  }

  /** A switch (re)connected; `amnesia`: it rebooted, registers and tables are empty. */
  onSwitchUp(node: string, amnesia: boolean): void {
    if (node === SWITCH_NODE) {
      this.switchConnected = true;
      for (const g of this.groups.values()) {
        const serving = g.mode === "switch" || g.change?.target === "switch";
        if (amnesia && serving) {
          this.host.event(`controller: switch coordinator rebooted; group ${g.group} fails over`);
          this.startChange(g, "server");
        } else if (!serving) {
          // A stale role (a switch that was only unreachable) must not issue in its old round.
          this.host.controlOp(SWITCH_NODE, `remove coordinator role g${g.group}`, () =>
            this.host.switchCoordinator().removeRole(g.group),
          );
        }
      }
      return;
    }
    if (amnesia && this.options.acceptorNodes.includes(node)) this.fenceAmnesiac(node);
  }

  tick(): void {
    const now = this.host.now();
    for (const g of this.groups.values()) {
      // A fence whose bound cannot be had (the group left the switch, or no PONG): W + R.
      for (const f of g.pendingFences)
        if (g.mode !== "switch" || now - f.since > 20 * this.options.timing.tick)
          this.completeFence(g, f, null);
      this.trim(g, now);
      this.checkLag(g, now);
      if (g.mode === "switch") this.probe(g);
      if (g.change) this.driveChange(g, g.change, now);
      const failback = this.options.timing.failbackAfter;
      if (
        g.mode === "server" &&
        failback !== null &&
        this.switchConnected &&
        now - g.servingSince >= failback
      ) {
        this.host.event(`controller: fail-back of group ${g.group} to the switch coordinator`);
        this.startChange(g, "switch");
      }
      for (const rec of g.background) {
        rec.trimmed(g.trim);
        if (rec.status === "decided" || rec.status === "preempted") {
          g.background.delete(rec);
          this.host.stopRecovery(rec);
        }
      }
    }
  }

  /** §8: W = lowest instance delivered by every learner; TRIM goes to acceptors and coordinators. */
  private trim(g: GroupControl, now: number): void {
    let w = Number.POSITIVE_INFINITY;
    for (const id of this.options.learnerIds) w = Math.min(w, g.delivered.get(id) ?? 0);
    if (w < g.trim || (w === g.trim && now - g.lastTrimAt < 10 * this.options.timing.tick)) return;
    g.trim = w;
    g.lastTrimAt = now;
    if (w === 0) return;
    const trim = makeMessage({ msgtype: MsgType.TRIM, group: g.group, instance: w });
    this.host.send({ kind: "acceptors", group: g.group }, trim);
    this.host.send({ kind: "node", node: SWITCH_NODE }, trim);
    this.host.serverCoordinator().sync(g.group, 0, w);
  }

  /**
   * A learner that missed every 2B of an instance sees nothing later if traffic stops, so it
   * cannot report the gap itself. Its DELIVERED staying below another learner's for the gap
   * timeout tells the controller, which starts the same gap recovery.
   */
  private checkLag(g: GroupControl, now: number): void {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const id of this.options.learnerIds) {
      const d = g.delivered.get(id) ?? 0;
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    if (min >= max) {
      g.lagSince = null;
      return;
    }
    if (g.lagSince === null || min !== g.lagMin) {
      g.lagSince = now;
      g.lagMin = min;
      return;
    }
    if (now - g.lagSince < this.options.timing.gapTimeout) return;
    g.lagSince = now;
    this.onGapReport({ group: g.group, lo: min + 1, hi: max });
  }

  /** Liveness probe of the switch coordinator: too many unanswered PINGs → fail over. */
  private probe(g: GroupControl): void {
    if (g.unanswered >= this.options.timing.pingMisses) {
      this.host.event(
        `controller: switch coordinator missed ${g.unanswered} PONGs; group ${g.group} fails over`,
      );
      this.startChange(g, "server");
      return;
    }
    this.ping(g);
    g.unanswered++;
  }

  private ping(g: GroupControl): void {
    g.nonce = (g.nonce + 1) >>> 0;
    this.host.send(
      { kind: "node", node: SWITCH_NODE },
      makeMessage({ msgtype: MsgType.PING, group: g.group, aux: g.nonce }),
    );
  }

  /**
   * §9: an acceptor lost its registers. Fence it with floor/join, then move to a round ≥ floor.
   * While the switch serves the group with no change running, join waits for a PONG in its
   * round (next − 1 bounds what the acceptor can have voted in); otherwise join = W + R.
   */
  private fenceAmnesiac(node: string): void {
    for (const g of this.groups.values()) {
      g.pendingFences = g.pendingFences.filter((f) => f.node !== node);
      const f = { node, since: this.host.now(), nonce: (g.nonce + 1) >>> 0 };
      if (g.mode === "switch" && !this.options.broken.noAmnesiaFence) {
        g.pendingFences.push(f);
        this.ping(g);
      } else this.completeFence(g, f, null);
    }
  }

  private completeFence(g: GroupControl, f: { node: string }, issued: number | null): void {
    g.pendingFences = g.pendingFences.filter((x) => x !== f);
    const floor = epochFloor(roundEpoch(this.highestRound) + 1);
    this.highestRound = floor;
    const loose = g.trim + this.options.ringSize;
    const tight = issued === null ? null : Math.max(0, issued - (this.options.broken.joinOneLow ? 1 : 0));
    const role = this.options.broken.noAmnesiaFence
      ? { floor: 0, join: 0 }
      : { floor, join: tight === null ? loose : Math.min(loose, tight) };
    this.host.acceptorRoleWrite(f.node, g.group, role);
    this.host.event(
      `controller: ${f.node} lost its state; rejoins with floor ${role.floor}, join ${role.join}` +
        (issued === null ? "" : " (last instance issued)"),
    );
    this.startChange(g, "server");
  }

  /**
   * §7: move the coordinator role of `g` to `target` in a fresh round. REQUESTs stop being
   * routed, every coordinator role is withdrawn, then Phase 1 with FENCE runs from the server.
   */
  private startChange(g: GroupControl, target: "switch" | "server"): void {
    if (g.change) this.host.stopRecovery(g.change.rec);
    this.host.setRoute(g.group, null);
    this.host.serverCoordinator().removeRole(g.group);
    this.host.controlOp(SWITCH_NODE, `remove coordinator role g${g.group}`, () =>
      this.host.switchCoordinator().removeRole(g.group),
    );
    g.knownNext = Math.max(g.knownNext, this.host.serverCoordinator().groupState(g.group).next);
    const round = this.newRound(target === "switch" ? SWITCH_COORDINATOR_ID : SERVER_COORDINATOR_ID);
    const lo = g.trim + 1;
    const rec = this.recovery(g, lo, Math.max(lo, g.knownNext - 1), round, true);
    g.mode = "changing";
    g.change = { target, round, rec, stage: "phase1", hi: rec.hi, stageSince: this.host.now() };
    this.host.event(
      `controller: group ${g.group} → ${target} coordinator, Phase 1 in round ${round} from ${lo}`,
    );
  }

  private driveChange(g: GroupControl, c: Change, now: number): void {
    if (c.rec.status === "preempted") {
      this.highestRound = Math.max(this.highestRound, c.rec.roundToBeat);
      this.host.event(`controller: round ${c.round} preempted by ${c.rec.roundToBeat}; retrying`);
      this.startChange(g, c.target);
      return;
    }
    if (c.stage === "phase1") {
      if (c.rec.status === "phase1") return;
      c.hi = c.rec.hi;
      g.knownNext = Math.max(g.knownNext, c.hi + 1);
      if (c.target === "server") {
        const coord = this.host.serverCoordinator();
        coord.sync(g.group, c.hi + 1, g.trim);
        coord.installRole(g.group, c.round);
        this.finishChange(g, c, SERVER_NODE);
        return;
      }
      c.stage = "sync";
      c.stageSince = now;
    }
    // Switch target: next must exceed hi before the role exists, so no REQUEST can be issued
    // in our round at an instance the recovery proposes in.
    if (now - c.stageSince > 20 * this.options.timing.tick) {
      this.host.event(`controller: switch coordinator does not answer; group ${g.group} stays on the server`);
      this.startChange(g, "server");
      return;
    }
    // SYNC is repeated in the role stage too (it only raises next), until the switch serves.
    this.host.send(
      { kind: "node", node: SWITCH_NODE },
      makeMessage({ msgtype: MsgType.SYNC, group: g.group, instance: c.hi + 1 }),
    );
    if (g.trim > 0) {
      this.host.send(
        { kind: "node", node: SWITCH_NODE },
        makeMessage({ msgtype: MsgType.TRIM, group: g.group, instance: g.trim }),
      );
    }
    this.ping(g);
  }

  private installSwitchRole(g: GroupControl, c: Change): void {
    c.stage = "role";
    c.stageSince = this.host.now();
    this.host.controlOp(SWITCH_NODE, `install coordinator role g${g.group} round ${c.round}`, () =>
      this.host.switchCoordinator().installRole(g.group, c.round),
    );
  }

  private finishChange(g: GroupControl, c: Change, node: string): void {
    g.change = null;
    g.mode = c.target;
    g.unanswered = 0;
    g.switchRound = c.target === "switch" ? c.round : 0;
    g.servingNonce = g.nonce;
    g.servingSince = this.host.now();
    g.background.add(c.rec);
    this.host.setRoute(g.group, node);
    this.host.event(
      `controller: group ${g.group} served by ${c.target} coordinator in round ${c.round} from ${c.hi + 1}`,
    );
  }

  private recovery(
    g: GroupControl,
    lo: number,
    hi: number,
    round: number,
    fence: boolean,
  ): RecoveryCoordinator {
    const rec = new RecoveryCoordinator({
      group: g.group,
      lo,
      hi,
      round,
      acceptors: this.options.acceptors,
      fence,
      retransmit: this.options.timing.recoveryRetransmit,
      broken: { ignoreVotes: this.options.broken.recoveryIgnoresVotes ?? false },
    });
    this.host.startRecovery(rec);
    return rec;
  }
}

/** Whether nonce `a` was sent after nonce `b` (32-bit, wrapping). */
function isAfter(a: number, b: number): boolean {
  const age = (a - b) >>> 0;
  return age >= 1 && age < 0x8000_0000;
}
