// The proposer (docs/protocol.md §1): numbers its requests (proposer id, seq), keeps at most
// `window` outstanding, retransmits with exponential backoff until the request id is delivered.
// A retransmitted request may be decided twice; AtMostOnce (dedup.ts) makes it take effect once.
// Once a learner reports it decided within its group (`decided`: before the merge of the groups
// delivers it), retransmissions stop, the request still completes only on delivery; should the
// delivery not come within maxTimeout (a learner lost it), retransmission resumes.
// A NACK_NOQUORUM (the coordinator refuses: too few acceptors alive) fails the request at once,
// with its outcome: "not_applied" when every attempt so far was refused (none was stamped, so it
// never takes effect and its seq is used again), else "unknown" (docs/protocol.md §1).
import { makeMessage } from "../wire/codec.js";
import { MsgType, type NoQuorumStatus, parseNoQuorumAux, VALUE_SIZE } from "../wire/header.js";
import type { PaxosMessage } from "../wire/message.js";
import { Counters } from "./counters.js";
import { type Effects, noEffects } from "./effects.js";

/** A proposer only hears NACKs from the coordinator: flow control and refusals. */
const PROPOSER_INPUTS: readonly number[] = [MsgType.NACK_FULL, MsgType.NACK_NOQUORUM];

export interface ProposerOptions {
  /** Proposer id (≥ 1; 0 is reserved for no-ops). */
  id: number;
  group: number;
  /** Most requests outstanding at once; later ones wait in a queue. */
  window: number;
  /** First retransmission timeout; doubles on every retry up to maxTimeout. */
  timeout: number;
  maxTimeout: number;
}

export interface Completion {
  seq: number;
  value: Uint8Array;
  submittedAt: number;
  completedAt: number;
  attempts: number;
}

/**
 * What became of a request the coordinator refused with NACK_NOQUORUM:
 * - `not_applied`: every attempt so far was refused, so none was stamped with an instance: it
 *   never takes effect. The role forgot it; its seq numbers the next request submitted.
 * - `unknown`: some earlier attempt got no answer and may have been stamped; it may still be
 *   decided (then it takes effect once, deduplication skips a second decision). The role keeps
 *   retransmitting it until it is delivered, like a request whose caller timed out.
 */
export type RefusalOutcome = "not_applied" | "unknown";

export interface Refusal {
  seq: number;
  value: Uint8Array;
  submittedAt: number;
  refusedAt: number;
  attempts: number;
  outcome: RefusalOutcome;
  /** What the coordinator said: acceptors alive, acceptors of the group, quorum (0s: not said). */
  status: NoQuorumStatus;
}

interface Outstanding {
  seq: number;
  value: Uint8Array;
  submittedAt: number;
  attempts: number;
  timeout: number;
  deadline: number;
  /** A NACK_FULL came for the current attempt. */
  refused: boolean;
  /** Some attempt went unanswered (neither delivered nor refused): it may have been stamped. */
  mayBeStamped: boolean;
  /** Its refusal (outcome unknown) was reported already. */
  reported: boolean;
  /** A learner reported it decided: no retransmission until `deadline` (the safety net). */
  decided: boolean;
}

/** What `decided` saved, and how often its safety net fired. */
export interface DecidedCounts {
  /** Times a request was reported decided while outstanding: its retransmissions stopped. */
  decidedBeforeDelivery: number;
  /** Times such a request was not delivered within maxTimeout after: retransmitted again. */
  decidedResumed: number;
}

export class ProposerError extends Error {
  override readonly name = "ProposerError";
}

export class Proposer {
  readonly id: number;
  readonly group: number;
  readonly counters = new Counters();
  readonly completed: Completion[] = [];
  /** Requests refused with NACK_NOQUORUM (each reported once); the host empties it as it reports. */
  readonly refused: Refusal[] = [];
  readonly decidedCounts: DecidedCounts = { decidedBeforeDelivery: 0, decidedResumed: 0 };
  private readonly options: ProposerOptions;
  private nextSeq = 1;
  /** Seqs of requests that were refused before any attempt could be stamped: reused, lowest first. */
  private readonly freeSeqs: number[] = [];
  private readonly queue: { seq: number; value: Uint8Array; submittedAt: number }[] = [];
  private readonly outstanding = new Map<number, Outstanding>();

  constructor(options: ProposerOptions) {
    if (!Number.isInteger(options.id) || options.id < 1)
      throw new ProposerError(`proposer id ${options.id} must be ≥ 1`);
    if (options.window < 1) throw new ProposerError("window must be ≥ 1");
    if (options.timeout <= 0 || options.maxTimeout < options.timeout) {
      throw new ProposerError("need 0 < timeout ≤ maxTimeout");
    }
    this.options = { ...options };
    this.id = options.id;
    this.group = options.group;
  }

  /** Requests submitted but not yet delivered (in flight or queued). */
  get pending(): number {
    return this.outstanding.size + this.queue.length;
  }

  /** Sequence numbers of requests not yet delivered. */
  pendingSeqs(): number[] {
    return [...this.outstanding.keys(), ...this.queue.map((q) => q.seq)];
  }

  /** Queues `value` as a new request; returns its seq and the REQUEST to send if the window allows. */
  submit(value: Uint8Array, now: number): { seq: number; effects: Effects } {
    if (value.length > VALUE_SIZE)
      throw new ProposerError(`value of ${value.length} bytes exceeds ${VALUE_SIZE}`);
    const seq = this.freeSeqs.shift() ?? this.nextSeq++;
    this.queue.push({ seq, value: value.slice(), submittedAt: now });
    const fx = noEffects();
    this.fill(now, fx);
    return { seq, effects: fx };
  }

  /** A learner (or the application) delivered request (proposer, seq): complete it if it is ours. */
  delivered(proposer: number, seq: number, now: number): Effects {
    const fx = noEffects();
    if (proposer !== this.id) return fx;
    const o = this.outstanding.get(seq);
    if (!o) return fx;
    this.outstanding.delete(seq);
    this.completed.push({
      seq,
      value: o.value,
      submittedAt: o.submittedAt,
      completedAt: now,
      attempts: o.attempts,
    });
    this.fill(now, fx);
    return fx;
  }

  /**
   * A learner decided request (proposer, seq) in its group, but the merged log has not delivered
   * it yet (it waits for the other groups): stop retransmitting it. It stays outstanding (in the
   * window) until `delivered`; if that does not come within maxTimeout, retransmission resumes
   * (backoff at maxTimeout), so a lost delivery cannot leave it hanging. A refusal that arrives
   * afterwards (for an attempt sent before) is ignored: a decided request takes effect.
   */
  decided(proposer: number, seq: number, now: number): Effects {
    const fx = noEffects();
    if (proposer !== this.id) return fx;
    const o = this.outstanding.get(seq);
    if (!o || o.decided) return fx;
    o.decided = true;
    o.mayBeStamped = true;
    o.refused = false;
    o.timeout = this.options.maxTimeout;
    o.deadline = now + this.options.maxTimeout;
    fx.timers.push(o.deadline);
    this.decidedCounts.decidedBeforeDelivery++;
    return fx;
  }

  /**
   * NACK_FULL: the ring is full; back off before retrying that request.
   * NACK_NOQUORUM: the coordinator refuses (too few acceptors alive): the request fails now,
   * reported in `refused` with its outcome (see RefusalOutcome).
   */
  handle(msg: PaxosMessage, now: number): Effects {
    const fx = noEffects();
    if (!this.counters.admit(msg, PROPOSER_INPUTS)) return fx;
    if (msg.proposer !== this.id || msg.group !== this.group) {
      this.counters.drop("port_filter");
      return fx;
    }
    const o = this.outstanding.get(msg.seq);
    // A refusal of an earlier attempt of a decided request changes nothing: it takes effect.
    if (!o || o.decided) return fx;
    if (msg.msgtype === MsgType.NACK_NOQUORUM) {
      this.refuse(o, parseNoQuorumAux(msg.aux), now, fx);
      return fx;
    }
    // Flow control, not loss: retry after the base timeout, without growing the backoff.
    if (!o.refused) {
      o.refused = true;
      o.deadline = now + this.options.timeout;
      fx.timers.push(o.deadline);
    }
    return fx;
  }

  private refuse(o: Outstanding, status: NoQuorumStatus, now: number, fx: Effects): void {
    const outcome: RefusalOutcome = o.mayBeStamped ? "unknown" : "not_applied";
    if (outcome === "unknown" && o.reported) return;
    this.refused.push({
      seq: o.seq,
      value: o.value,
      submittedAt: o.submittedAt,
      refusedAt: now,
      attempts: o.attempts,
      outcome,
      status,
    });
    if (outcome === "unknown") {
      // An earlier attempt may be decided yet: keep retransmitting (backoff as usual) so that
      // it completes, once, rather than leave it undecided for ever.
      o.reported = true;
      return;
    }
    // No attempt was stamped and none is in flight unanswered: the request is gone. Its seq
    // numbers the next request, so the learners' deduplication sees no hole in our seqs.
    this.outstanding.delete(o.seq);
    this.freeSeqs.push(o.seq);
    this.freeSeqs.sort((a, b) => a - b);
    this.fill(now, fx);
  }

  tick(now: number): Effects {
    const fx = noEffects();
    for (const o of this.outstanding.values()) {
      if (now < o.deadline) continue;
      if (o.decided) {
        // Decided, yet not delivered within maxTimeout: the delivery may be lost (a learner
        // restarted); retransmit at maxTimeout until a learner delivers it (a second decision
        // of it takes no effect) or reports it decided again.
        o.decided = false;
        this.decidedCounts.decidedResumed++;
      } else if (!o.refused) {
        // This attempt went unanswered: lost, or stamped and not (yet) delivered.
        o.mayBeStamped = true;
        o.timeout = Math.min(o.timeout * 2, this.options.maxTimeout);
      }
      this.transmit(o, now, fx);
    }
    return fx;
  }

  private fill(now: number, fx: Effects): void {
    while (this.outstanding.size < this.options.window && this.queue.length > 0) {
      const q = this.queue.shift()!;
      const o: Outstanding = {
        ...q,
        attempts: 0,
        timeout: this.options.timeout,
        deadline: 0,
        refused: false,
        mayBeStamped: false,
        reported: false,
        decided: false,
      };
      this.outstanding.set(q.seq, o);
      this.transmit(o, now, fx);
    }
  }

  private transmit(o: Outstanding, now: number, fx: Effects): void {
    o.attempts++;
    o.refused = false;
    o.deadline = now + o.timeout;
    fx.send.push({
      to: { kind: "coordinator", group: this.group },
      msg: makeMessage({
        msgtype: MsgType.REQUEST,
        group: this.group,
        proposer: this.id,
        seq: o.seq,
        value: o.value,
      }),
    });
    this.counters.send(MsgType.REQUEST);
    fx.timers.push(o.deadline);
  }
}
