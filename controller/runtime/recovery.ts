// Classic Paxos run by the controller itself through the acceptor switches (protocol §7 steps
// 1–3): P1A/P2A enter each acceptor switch as PacketOut with process = 1, the P1B/NACK_ROUND
// replies come back as PacketIn. BMv2 cannot read registers, so a vote is confirmed the Paxos
// way: a second P1A in the same round answers with vround = round once the 2A was accepted.
// Only switch acceptors are reachable this way; they must form a quorum of the group.
import { MsgType, P1A_FLAG_FENCE } from "../../src/wire/header.js";
import type { PaxosMessage } from "../../src/wire/message.js";

export interface AcceptorChannel {
  /** Acceptor id. */
  id: number;
  /** Sends a message to the acceptor; false if its switch is not reachable now. */
  send(msg: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] }): boolean;
}

export interface ControllerRecoveryOptions {
  group: number;
  lo: number;
  round: number;
  fence: boolean;
  quorum: number;
  /** Highest instance that can have been issued (trim + R): Phase 1 never extends past it. */
  limit: number;
  retryMs: number;
  timeoutMs: number;
  /**
   * Stop after Phase 1 (fencing only): when another coordinator proposes in this round next,
   * it must be the only one choosing values in it.
   */
  phase1Only?: boolean;
}

export interface RecoveryResult {
  /** Phase 1 is final up to `hi`; instances in [lo, hi] now hold their recovered value in `round`. */
  hi: number;
  /** Instances that carried a vote (re-proposed) and those filled with a no-op. */
  revoted: number;
  noops: number;
}

export class RecoveryPreempted extends Error {
  override readonly name = "RecoveryPreempted";
  constructor(readonly roundToBeat: number) {
    super(`a higher round exists (${roundToBeat})`);
  }
}

export class RecoveryTimeout extends Error {
  override readonly name = "RecoveryTimeout";
}

interface Vote {
  vround: number;
  proposer: number;
  seq: number;
  vlen: number;
  value: Uint8Array;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ControllerRecovery {
  private readonly promises = new Map<number, Map<number, Vote>>();
  private readonly aux = new Map<number, number>();
  private preempt = 0;
  private hi: number;

  constructor(
    private readonly o: ControllerRecoveryOptions,
    private readonly acceptors: readonly AcceptorChannel[],
  ) {
    this.hi = o.lo;
  }

  /** Feed every Paxos message from the acceptor switches here. */
  receive(m: PaxosMessage): void {
    if (m.group !== this.o.group || m.round !== this.o.round) {
      if (m.msgtype === MsgType.NACK_ROUND && m.group === this.o.group && m.round === this.o.round)
        this.preempt = Math.max(this.preempt, m.aux);
      return;
    }
    if (m.msgtype === MsgType.NACK_ROUND) {
      this.preempt = Math.max(this.preempt, m.aux);
      return;
    }
    if (m.msgtype !== MsgType.P1B) return;
    let per = this.promises.get(m.instance);
    if (!per) {
      per = new Map();
      this.promises.set(m.instance, per);
    }
    per.set(m.acceptor, {
      vround: m.vround,
      proposer: m.proposer,
      seq: m.seq,
      vlen: m.vlen,
      value: m.value.slice(0, m.vlen),
    });
    this.aux.set(m.acceptor, Math.max(this.aux.get(m.acceptor) ?? 0, m.aux));
  }

  private p1a(i: number): void {
    for (const a of this.acceptors)
      a.send({
        msgtype: MsgType.P1A,
        group: this.o.group,
        instance: i,
        round: this.o.round,
        aux: this.o.fence ? P1A_FLAG_FENCE : 0,
      });
  }

  private complete(): boolean {
    for (let i = this.o.lo; i <= this.hi; i++)
      if ((this.promises.get(i)?.size ?? 0) < this.o.quorum) return false;
    // Every acceptor that answered (a fenced majority) bounds its votes by its aux.
    for (const v of this.aux.values()) if (v > this.hi) return false;
    return true;
  }

  private check(deadline: number): void {
    if (this.preempt > 0) throw new RecoveryPreempted(this.preempt);
    if (Date.now() > deadline)
      throw new RecoveryTimeout(
        `group ${this.o.group}: no quorum of ${this.o.quorum} acceptor switches answered round ${this.o.round}`,
      );
  }

  async run(): Promise<RecoveryResult> {
    const deadline = Date.now() + this.o.timeoutMs;
    // Phase 1, extending hi to the highest instance any acceptor voted in (protocol §7 step 1).
    for (;;) {
      for (let i = this.o.lo; i <= this.hi; i++)
        if ((this.promises.get(i)?.size ?? 0) < this.o.quorum) this.p1a(i);
      await sleep(Math.min(this.o.retryMs, 20));
      const top = Math.min(this.o.limit, Math.max(this.hi, ...this.aux.values()));
      if (top > this.hi) {
        this.hi = top;
        continue;
      }
      if (this.complete()) break;
      this.check(deadline);
      await sleep(this.o.retryMs);
      this.check(deadline);
    }
    // Nothing voted at or above lo: nothing to re-propose, the next instance is lo.
    let top = this.o.lo - 1;
    for (const v of this.aux.values()) top = Math.max(top, v);
    for (const [i, per] of this.promises)
      for (const v of per.values()) if (v.vround > 0 && i >= this.o.lo) top = Math.max(top, i);
    const hi = Math.min(top, this.hi);
    if (hi < this.o.lo || this.o.phase1Only) return { hi, revoted: 0, noops: 0 };
    // Phase 2: the highest-vround value, else a no-op (protocol §7 step 2).
    const proposals = new Map<number, Vote>();
    let revoted = 0;
    for (let i = this.o.lo; i <= hi; i++) {
      let best: Vote | undefined;
      for (const v of this.promises.get(i)?.values() ?? [])
        if (v.vround > 0 && (!best || v.vround > best.vround)) best = v;
      if (best) revoted++;
      proposals.set(i, best ?? { vround: 0, proposer: 0, seq: 0, vlen: 0, value: new Uint8Array(0) });
    }
    // Confirmation: a P1A in our round reports vround = round at acceptors that accepted the 2A.
    this.promises.clear();
    const confirmed = (i: number) =>
      [...(this.promises.get(i)?.values() ?? [])].filter((v) => v.vround === this.o.round).length >=
      this.o.quorum;
    for (;;) {
      let pending = 0;
      for (const [i, v] of proposals) {
        if (confirmed(i)) continue;
        pending++;
        for (const a of this.acceptors)
          a.send({
            msgtype: MsgType.P2A,
            group: this.o.group,
            instance: i,
            round: this.o.round,
            proposer: v.proposer,
            seq: v.seq,
            vlen: v.vlen,
            value: v.value,
          });
        for (const a of this.acceptors)
          a.send({ msgtype: MsgType.P1A, group: this.o.group, instance: i, round: this.o.round, aux: 0 });
      }
      if (pending === 0) break;
      await sleep(Math.min(this.o.retryMs, 20));
      this.check(deadline);
    }
    return { hi, revoted, noops: proposals.size - revoted };
  }
}
