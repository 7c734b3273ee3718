// The acceptor (docs/protocol.md §5), literally the rules the P4 acceptor implements: a ring of
// R slots per group, each remembering which instance it holds; a per-group minimum round (the
// fence); control-plane `floor` and `join` for an acceptor that lost its registers.
import { makeMessage } from "../wire/codec.js";
import { MsgType, P1A_FLAG_FENCE } from "../wire/header.js";
import type { PaxosMessage } from "../wire/message.js";
import { Counters } from "./counters.js";
import { type Effects, noEffects } from "./effects.js";

/** Message types an acceptor processes; anything else is counted as `port_filter`. */
const ACCEPTOR_INPUTS: readonly number[] = [MsgType.P1A, MsgType.P2A, MsgType.TRIM];

/** The acceptor role table entry for one group (control plane). */
export interface AcceptorRole {
  /** Lowest round this acceptor may take part in (0: never lost state). */
  floor: number;
  /** Highest instance it must not take part in (0: never lost state). */
  join: number;
}

export interface Slot {
  inst: number;
  rnd: number;
  vrnd: number;
  proposer: number;
  seq: number;
  value: Uint8Array;
}

export interface AcceptorGroupState {
  minround: number;
  trim: number;
  maxinst: number;
}

interface GroupRegisters extends AcceptorGroupState {
  slots: Slot[];
}

export interface AcceptorOptions {
  /** Acceptor id carried in 1Bs and 2Bs (1–65535). */
  id: number;
  /** Ring size R: slots per group. */
  ringSize: number;
  /** Deliberately broken behaviour, only for proving the simulator's checker catches it. */
  broken?: { acceptLowerRounds?: boolean };
}

const EMPTY = new Uint8Array(0);

function emptySlot(): Slot {
  return { inst: 0, rnd: 0, vrnd: 0, proposer: 0, seq: 0, value: EMPTY };
}

export class Acceptor {
  readonly id: number;
  readonly ringSize: number;
  readonly counters = new Counters();
  private readonly roles = new Map<number, AcceptorRole>();
  private groups = new Map<number, GroupRegisters>();
  private readonly acceptLowerRounds: boolean;

  constructor(options: AcceptorOptions) {
    if (!Number.isInteger(options.ringSize) || options.ringSize < 1) {
      throw new RangeError(`ring size ${options.ringSize} must be a positive integer`);
    }
    this.id = options.id;
    this.ringSize = options.ringSize;
    this.acceptLowerRounds = options.broken?.acceptLowerRounds ?? false;
  }

  /** Installs (or replaces) the role entry for `group`. */
  installRole(group: number, role: AcceptorRole = { floor: 0, join: 0 }): void {
    this.roles.set(group, { ...role });
  }

  removeRole(group: number): void {
    this.roles.delete(group);
  }

  role(group: number): AcceptorRole | undefined {
    const r = this.roles.get(group);
    return r && { ...r };
  }

  /** A restart that lost everything: registers back to 0 and role entries gone (amnesia). */
  wipe(): void {
    this.groups = new Map();
    this.roles.clear();
  }

  /** Register values of `group` (zeros if never touched). */
  groupState(group: number): AcceptorGroupState {
    const g = this.groups.get(group);
    return { minround: g?.minround ?? 0, trim: g?.trim ?? 0, maxinst: g?.maxinst ?? 0 };
  }

  /** A copy of the slot that `instance` maps to (whatever instance it currently holds). */
  slotFor(group: number, instance: number): Slot {
    const s = this.groups.get(group)?.slots[instance % this.ringSize];
    return s ? { ...s } : emptySlot();
  }

  handle(msg: PaxosMessage, from: string): Effects {
    const fx = noEffects();
    if (!this.counters.admit(msg, ACCEPTOR_INPUTS)) return fx;
    const role = this.roles.get(msg.group);
    if (!role) {
      this.counters.drop("no_role");
      return fx;
    }
    const g = this.registers(msg.group);
    if (msg.msgtype === MsgType.TRIM) {
      g.trim = Math.max(g.trim, msg.instance);
      return fx;
    }
    this.phase(msg, from, role, g, fx);
    return fx;
  }

  private registers(group: number): GroupRegisters {
    let g = this.groups.get(group);
    if (!g) {
      g = { minround: 0, trim: 0, maxinst: 0, slots: Array.from({ length: this.ringSize }, emptySlot) };
      this.groups.set(group, g);
    }
    return g;
  }

  /** Rules 1–6 of §5 for a P1A or P2A, in the spec's order. */
  private phase(msg: PaxosMessage, from: string, role: AcceptorRole, g: GroupRegisters, fx: Effects): void {
    const i = msg.instance;
    const r = msg.round;
    const isP1 = msg.msgtype === MsgType.P1A;
    // 0. a P1A in round 0 (no round) is a liveness probe: NACK_ROUND with minr, nothing changes
    if (isP1 && r === 0) {
      this.reply(msg, from, Math.max(g.minround, role.floor), fx);
      return;
    }
    // 1. never answer for an instance this acceptor may have voted in before losing its state
    if (i <= role.join) {
      this.counters.drop("amnesia");
      return;
    }
    let minr = Math.max(g.minround, role.floor);
    // 2. fence: raise the group's minimum round
    if (isP1 && (msg.aux & P1A_FLAG_FENCE) !== 0 && r >= minr) {
      g.minround = r;
      minr = Math.max(g.minround, role.floor);
    }
    const lowerOk = !isP1 && this.acceptLowerRounds;
    // 3. below the group's fence
    if (r < minr && !lowerOk) {
      this.refuse(msg, from, minr, fx);
      return;
    }
    // 4. slot check
    const slot = g.slots[i % this.ringSize]!;
    if (slot.inst > i) {
      this.counters.drop("stale");
      return;
    }
    if (slot.inst < i) {
      if (slot.inst > g.trim) {
        this.counters.drop("ring_full");
        return;
      }
      Object.assign(slot, emptySlot(), { inst: i });
    }
    // 5. below the slot's promise
    if (r < slot.rnd && !lowerOk) {
      this.refuse(msg, from, slot.rnd, fx);
      return;
    }
    // 6. promise or vote
    slot.rnd = r;
    if (isP1) {
      fx.send.push({
        to: { kind: "node", node: from },
        msg: makeMessage({
          msgtype: MsgType.P1B,
          group: msg.group,
          instance: i,
          round: r,
          vround: slot.vrnd,
          acceptor: this.id,
          proposer: slot.proposer,
          seq: slot.seq,
          value: slot.value,
          aux: g.maxinst,
        }),
      });
      this.counters.send(MsgType.P1B);
      return;
    }
    slot.vrnd = r;
    slot.proposer = msg.proposer;
    slot.seq = msg.seq;
    slot.value = msg.value.slice();
    g.maxinst = Math.max(g.maxinst, i);
    fx.send.push({
      to: { kind: "learners", group: msg.group },
      msg: makeMessage({
        msgtype: MsgType.P2B,
        group: msg.group,
        instance: i,
        round: r,
        vround: r,
        acceptor: this.id,
        proposer: msg.proposer,
        seq: msg.seq,
        value: slot.value,
      }),
    });
    this.counters.send(MsgType.P2B);
  }

  /** Rules 3 and 5: a 1A gets a NACK_ROUND with the round to beat, a 2A is dropped. */
  private refuse(msg: PaxosMessage, from: string, beat: number, fx: Effects): void {
    this.counters.drop("round_low");
    if (msg.msgtype !== MsgType.P1A) return;
    this.reply(msg, from, beat, fx);
  }

  /** NACK_ROUND to the 1A's sender: instance and round as received, aux = the round to beat. */
  private reply(msg: PaxosMessage, from: string, beat: number, fx: Effects): void {
    fx.send.push({
      to: { kind: "node", node: from },
      msg: makeMessage({
        msgtype: MsgType.NACK_ROUND,
        group: msg.group,
        instance: msg.instance,
        round: msg.round,
        acceptor: this.id,
        aux: beat,
      }),
    });
    this.counters.send(MsgType.NACK_ROUND);
  }
}
