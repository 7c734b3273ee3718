// Classic Paxos run by the controller itself through the acceptors (protocol §7 steps
// 1–3): P1A/P2A enter each acceptor switch as PacketOut with process = 1, the P1B/NACK_ROUND
// replies come back as PacketIn. BMv2 cannot read registers, so a vote is confirmed the Paxos
// way: a second P1A in the same round answers with vround = round once the 2A was accepted.
// Server acceptors get the same messages through a PacketOut into their switch and answer the
// controller agent's UDP socket; both kinds count towards the quorum.
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
  /** An instance without its answers is asked again after this. */
  retryMs: number;
  /** Gives up after this long without a new answer (progress, not total time: a range may be a whole ring). */
  timeoutMs: number;
  /** Instances asked at once (default 256): a ring-sized range must not flood the switches' CPU path. */
  window?: number;
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
/** How often the procedure looks at the answers (asking again is paced by retryMs). */
const POLL_MS = 5;

export class ControllerRecovery {
  private readonly promises = new Map<number, Map<number, Vote>>();
  private readonly aux = new Map<number, number>();
  private preempt = 0;
  private hi: number;
  private progressAt = Date.now();
  /** When each instance was last asked (Phase 1, then Phase 2). */
  private readonly sentAt = new Map<number, number>();

  constructor(
    private readonly o: ControllerRecoveryOptions,
    private readonly acceptors: readonly AcceptorChannel[],
  ) {
    this.hi = o.lo;
  }

  /** Feed every Paxos message from the acceptors here. */
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
    const prev = per.get(m.acceptor);
    if (!prev || prev.vround !== m.vround) this.progressAt = Date.now();
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

  private answered(i: number): number {
    return this.promises.get(i)?.size ?? 0;
  }

  /**
   * Asks again for the instances of `todo` (ascending) whose last ask is older than retryMs, so
   * that at most `window` are outstanding at a time.
   */
  private pump(todo: readonly number[], ask: (i: number) => void): void {
    const now = Date.now();
    const window = this.o.window ?? 256;
    let budget = window;
    for (const i of todo) {
      const t = this.sentAt.get(i);
      if (t !== undefined && now - t < this.o.retryMs) budget--;
    }
    for (const i of todo) {
      if (budget <= 0) break;
      const t = this.sentAt.get(i);
      if (t !== undefined && now - t < this.o.retryMs) continue;
      this.sentAt.set(i, now);
      ask(i);
      budget--;
    }
  }

  private complete(): boolean {
    for (let i = this.o.lo; i <= this.hi; i++) if (this.answered(i) < this.o.quorum) return false;
    // Every acceptor that answered (a fenced majority) bounds its votes by its aux.
    for (const v of this.aux.values()) if (v > this.hi) return false;
    return true;
  }

  private check(): void {
    if (this.preempt > 0) throw new RecoveryPreempted(this.preempt);
    if (Date.now() - this.progressAt <= this.o.timeoutMs) return;
    // Who answered how much: the operator's first question when a quorum is missing.
    const per = new Map<number, number>();
    let missing = 0;
    for (let i = this.o.lo; i <= this.hi; i++) {
      if (this.answered(i) < this.o.quorum) missing++;
      for (const a of this.promises.get(i)?.keys() ?? []) per.set(a, (per.get(a) ?? 0) + 1);
    }
    const heard = [...per].map(([a, n]) => `acceptor ${a}: ${n}`).join(", ") || "none";
    throw new RecoveryTimeout(
      `group ${this.o.group}: no quorum of ${this.o.quorum} acceptors answered round ${this.o.round} ` +
        `for ${missing} of the instances [${this.o.lo}, ${this.hi}] within ${this.o.timeoutMs} ms ` +
        `(asked ${this.acceptors.map((a) => a.id).join(", ") || "none"}; answers: ${heard})`,
    );
  }

  async run(): Promise<RecoveryResult> {
    this.progressAt = Date.now();
    // Phase 1, extending hi to the highest instance any acceptor voted in (protocol §7 step 1).
    for (;;) {
      const todo: number[] = [];
      for (let i = this.o.lo; i <= this.hi; i++) if (this.answered(i) < this.o.quorum) todo.push(i);
      this.pump(todo, (i) => this.p1a(i));
      await sleep(POLL_MS);
      const top = Math.min(this.o.limit, Math.max(this.hi, ...this.aux.values()));
      if (top > this.hi) {
        this.hi = top;
        continue;
      }
      if (this.complete()) break;
      this.check();
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
    this.sentAt.clear();
    this.progressAt = Date.now();
    const confirmed = (i: number) =>
      [...(this.promises.get(i)?.values() ?? [])].filter((v) => v.vround === this.o.round).length >=
      this.o.quorum;
    const ask = (i: number) => {
      const v = proposals.get(i)!;
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
    };
    for (;;) {
      const todo = [...proposals.keys()].filter((i) => !confirmed(i));
      if (todo.length === 0) break;
      this.pump(todo, ask);
      await sleep(POLL_MS);
      this.check();
    }
    return { hi, revoted, noops: proposals.size - revoted };
  }
}
