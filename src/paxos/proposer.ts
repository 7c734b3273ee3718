// The proposer (docs/protocol.md §1): numbers its requests (proposer id, seq), keeps at most
// `window` outstanding, retransmits with exponential backoff until the request id is delivered.
// A retransmitted request may be decided twice; AtMostOnce (dedup.ts) makes it take effect once.
import { makeMessage } from "../wire/codec.js";
import { MsgType, VALUE_SIZE } from "../wire/header.js";
import type { PaxosMessage } from "../wire/message.js";
import { Counters } from "./counters.js";
import { type Effects, noEffects } from "./effects.js";

/** A proposer only hears flow-control NACKs from the coordinator. */
const PROPOSER_INPUTS: readonly number[] = [MsgType.NACK_FULL];

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

interface Outstanding {
  seq: number;
  value: Uint8Array;
  submittedAt: number;
  attempts: number;
  timeout: number;
  deadline: number;
  /** A NACK_FULL came for the current attempt. */
  refused: boolean;
}

export class ProposerError extends Error {
  override readonly name = "ProposerError";
}

export class Proposer {
  readonly id: number;
  readonly group: number;
  readonly counters = new Counters();
  readonly completed: Completion[] = [];
  private readonly options: ProposerOptions;
  private nextSeq = 1;
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
    const seq = this.nextSeq++;
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

  /** NACK_FULL: the ring is full; back off before retrying that request. */
  handle(msg: PaxosMessage, now: number): Effects {
    const fx = noEffects();
    if (!this.counters.admit(msg, PROPOSER_INPUTS)) return fx;
    if (msg.proposer !== this.id) {
      this.counters.drop("port_filter");
      return fx;
    }
    // Flow control, not loss: retry after the base timeout, without growing the backoff.
    const o = this.outstanding.get(msg.seq);
    if (o && !o.refused) {
      o.refused = true;
      o.deadline = now + this.options.timeout;
      fx.timers.push(o.deadline);
    }
    return fx;
  }

  tick(now: number): Effects {
    const fx = noEffects();
    for (const o of this.outstanding.values()) {
      if (now < o.deadline) continue;
      if (!o.refused) o.timeout = Math.min(o.timeout * 2, this.options.maxTimeout);
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
