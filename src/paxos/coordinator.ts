// The coordinator (docs/protocol.md §4), switch or server: stamps REQUESTs with the group's next
// instance and its round, refusing when the ring would pass trim + R, or — while its role entry
// says so (too few acceptors alive) — refusing every REQUEST with NACK_NOQUORUM. Mirrors the P4
// coordinator: no Phase 1, no retransmission, no memory of what it sent.
import { makeMessage } from "../wire/codec.js";
import { MsgType } from "../wire/header.js";
import type { PaxosMessage } from "../wire/message.js";
import { Counters } from "./counters.js";
import { type Effects, noEffects } from "./effects.js";

/** Message types a coordinator processes; anything else is counted as `port_filter`. */
const COORDINATOR_INPUTS: readonly number[] = [MsgType.REQUEST, MsgType.TRIM, MsgType.SYNC, MsgType.PING];

export interface CoordinatorGroupState {
  /** The round from the role entry (0: no role installed for the group). */
  round: number;
  /** The role entry refuses REQUESTs (NACK_NOQUORUM). */
  refusing: boolean;
  next: number;
  trim: number;
}

/** The role table entry of one group: P4 `set_coordinator(round, …)` or `refuse(round, nack_aux)`. */
interface RoleEntry {
  round: number;
  /** Present for `refuse`: the aux every NACK_NOQUORUM carries (noQuorumAux). */
  refuse?: number;
}

export interface CoordinatorOptions {
  /** Ring size R of the acceptors. */
  ringSize: number;
}

export class Coordinator {
  readonly ringSize: number;
  readonly counters = new Counters();
  private groups = new Map<number, { next: number; trim: number }>();
  /** Role table: group → entry. A group without an entry is not coordinated here. */
  private readonly roles = new Map<number, RoleEntry>();

  constructor(options: CoordinatorOptions) {
    if (!Number.isInteger(options.ringSize) || options.ringSize < 1) {
      throw new RangeError(`ring size ${options.ringSize} must be a positive integer`);
    }
    this.ringSize = options.ringSize;
  }

  /**
   * Installs (or replaces) the role entry: coordinate `group` in `round`. With `refuse` (the
   * NACK_NOQUORUM aux, see noQuorumAux) the entry is P4's `refuse`: every REQUEST is answered
   * NACK_NOQUORUM and nothing is stamped; `next` is kept for when a plain entry returns.
   */
  installRole(group: number, round: number, options: { refuse?: number } = {}): void {
    if (!Number.isInteger(round) || round < 1) throw new RangeError(`round ${round} must be ≥ 1`);
    const refuse = options.refuse;
    if (refuse !== undefined && (!Number.isInteger(refuse) || refuse < 0 || refuse > 0xffff_ffff))
      throw new RangeError(`refusal aux ${refuse} is not a 32-bit value`);
    this.roles.set(group, refuse === undefined ? { round } : { round, refuse });
  }

  removeRole(group: number): void {
    this.roles.delete(group);
  }

  /** A restart that lost the registers and the table entries (a switch reboot). */
  wipe(): void {
    this.groups = new Map();
    this.roles.clear();
  }

  /** Starts a server coordinator past recovered instances: next := max(next, `next`). */
  sync(group: number, next: number, trim = 0): void {
    const g = this.state(group);
    g.next = Math.max(g.next, next);
    g.trim = Math.max(g.trim, trim);
  }

  groupState(group: number): CoordinatorGroupState {
    const g = this.groups.get(group);
    const role = this.roles.get(group);
    return {
      round: role?.round ?? 0,
      refusing: role?.refuse !== undefined,
      next: g?.next ?? 1,
      trim: g?.trim ?? 0,
    };
  }

  handle(msg: PaxosMessage, from: string): Effects {
    const fx = noEffects();
    if (!this.counters.admit(msg, COORDINATOR_INPUTS)) return fx;
    const role = this.roles.get(msg.group);
    const round = role?.round;
    const g = this.state(msg.group);
    switch (msg.msgtype) {
      case MsgType.REQUEST: {
        // Only REQUEST needs the role entry: SYNC, TRIM and PING work without it, so the
        // controller can set `next` (and see it in a PONG) before the switch may issue anything.
        if (round === undefined) {
          this.counters.drop("no_role");
          break;
        }
        if (role?.refuse !== undefined) {
          // Too few acceptors alive: stamp nothing, tell the proposer at once.
          this.counters.drop("no_quorum");
          this.reply(fx, from, {
            msgtype: MsgType.NACK_NOQUORUM,
            group: msg.group,
            proposer: msg.proposer,
            seq: msg.seq,
            aux: role.refuse,
          });
          break;
        }
        const i = g.next;
        if (i > g.trim + this.ringSize) {
          this.counters.drop("coord_full");
          this.reply(fx, from, {
            msgtype: MsgType.NACK_FULL,
            group: msg.group,
            proposer: msg.proposer,
            seq: msg.seq,
            aux: g.trim,
          });
          break;
        }
        g.next = i + 1;
        fx.send.push({
          to: { kind: "acceptors", group: msg.group },
          msg: makeMessage({
            msgtype: MsgType.P2A,
            group: msg.group,
            instance: i,
            round,
            proposer: msg.proposer,
            seq: msg.seq,
            value: msg.value,
          }),
        });
        this.counters.send(MsgType.P2A);
        break;
      }
      case MsgType.TRIM:
        g.trim = Math.max(g.trim, msg.instance);
        break;
      case MsgType.SYNC:
        g.next = Math.max(g.next, msg.instance);
        break;
      case MsgType.PING:
        this.reply(fx, from, {
          msgtype: MsgType.PONG,
          group: msg.group,
          round: round ?? 0,
          instance: g.next,
          vround: g.trim,
          aux: msg.aux,
        });
        break;
    }
    return fx;
  }

  private reply(fx: Effects, to: string, fields: Partial<PaxosMessage> & { msgtype: MsgType }): void {
    fx.send.push({ to: { kind: "node", node: to }, msg: makeMessage(fields) });
    this.counters.send(fields.msgtype);
  }

  private state(group: number): { next: number; trim: number } {
    let g = this.groups.get(group);
    if (!g) {
      g = { next: 1, trim: 0 };
      this.groups.set(group, g);
    }
    return g;
  }
}
