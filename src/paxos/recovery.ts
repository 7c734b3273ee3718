// The recovery (server-side) coordinator (docs/protocol.md §7): classic Paxos over a range of
// instances in a round above every round used. Phase 1 per instance (with FENCE when taking
// over, which also extends the range to the highest instance any fenced acceptor voted in),
// then Phase 2 with the highest-vround value or a no-op, retransmitted until decided.
import { makeMessage } from "../wire/codec.js";
import { MsgType, P1A_FLAG_FENCE } from "../wire/header.js";
import type { PaxosMessage } from "../wire/message.js";
import { type Command, commandOf, NOOP_COMMAND } from "./command.js";
import { Counters } from "./counters.js";
import { type Effects, noEffects } from "./effects.js";

export interface RecoveryOptions {
  group: number;
  lo: number;
  hi: number;
  /** A round above every round used so far (from the controller). */
  round: number;
  /** Acceptors of the group (N); a majority is ⌊N/2⌋ + 1. */
  acceptors: number;
  /**
   * Taking over from a coordinator: every P1A carries FENCE, and the range is extended to the
   * highest instance (aux) reported by the fenced acceptors, so serving from hi + 1 is safe.
   * Gap filling under a live coordinator leaves it off (a fence would cut that coordinator off).
   */
  fence: boolean;
  /**
   * Retransmission period for unanswered P1As and undecided P2As. A period that brought no
   * answer doubles it (up to 16×): acceptors that cannot keep up, or a path that is down, are
   * not flooded; any answer restores it.
   */
  retransmit: number;
  /**
   * Instances in flight at most (default 64), lowest first: a ring-sized range must not arrive
   * at the acceptors (and the queues in front of them) as one burst, nor again every period.
   * Each answer that completes an instance lets the next one go.
   */
  window?: number;
  /** Deliberately broken behaviour, only for proving the simulator's checker catches it. */
  broken?: { ignoreVotes?: boolean };
}

export type RecoveryStatus = "phase1" | "phase1-done" | "decided" | "preempted";

interface Promise1 {
  vround: number;
  command: Command;
}

interface InstanceState {
  promises: Map<number, Promise1>;
  /** The value sent in Phase 2 (set once a majority promised). */
  proposal: Command | null;
  votes: Set<number>;
  decided: boolean;
  /** When its P1A or P2A was last sent (−∞: not yet). */
  sentAt: number;
}

export class RecoveryCoordinator {
  readonly group: number;
  readonly round: number;
  readonly lo: number;
  readonly counters = new Counters();
  private hiInstance: number;
  private readonly options: RecoveryOptions;
  private readonly majority: number;
  private readonly instances = new Map<number, InstanceState>();
  private maxAux = 0;
  /** Acceptors that answered a FENCE P1A in our round: the fence holds at each of them. */
  private readonly fenced = new Set<number>();
  /**
   * Latched once every instance of [lo, hi] has a majority of promises (and, when fencing, a
   * majority is fenced and reported nothing above hi). From then on hi is final: the caller may
   * already serve from hi + 1, so a late 1B with a higher aux must not extend the range.
   */
  private phase1Complete = false;
  private beat = 0;
  private nextRetransmit = 0;
  private answered = 0;
  private answeredAt = 0;
  /** The current retransmission period, and the answer count when it was last set. */
  private period: number;
  private answeredAtRetransmit = 0;
  /** The latest time start/tick was given: handle() has no clock of its own. */
  private now = 0;

  constructor(options: RecoveryOptions) {
    if (options.lo < 1 || options.hi < options.lo) {
      throw new RangeError(`bad recovery range [${options.lo}, ${options.hi}]`);
    }
    this.options = { ...options };
    this.group = options.group;
    this.round = options.round;
    this.lo = options.lo;
    this.hiInstance = options.hi;
    this.majority = Math.floor(options.acceptors / 2) + 1;
    this.period = options.retransmit;
  }

  /** Whether this recovery fences (a takeover) rather than fills gaps. */
  get isTakeover(): boolean {
    return this.options.fence;
  }

  /** Current upper end of the range (grows while Phase 1 learns higher voted instances). */
  get hi(): number {
    return this.hiInstance;
  }

  /** When the last P1B or P2B that counted arrived (start() if none yet), to a tick's precision. */
  get lastAnswerAt(): number {
    return this.answeredAt;
  }

  /** When preempted: the round a NACK_ROUND said to beat. */
  get roundToBeat(): number {
    return this.beat;
  }

  get status(): RecoveryStatus {
    if (this.beat > 0) return "preempted";
    if (!this.phase1Complete) return "phase1";
    for (const s of this.instances.values()) if (!s.decided) return "phase1-done";
    return "decided";
  }

  /** The value proposed in Phase 2 for `instance`, once chosen. */
  proposal(instance: number): Command | null {
    return this.instances.get(instance)?.proposal ?? null;
  }

  start(now: number): Effects {
    const fx = noEffects();
    this.now = now;
    this.answeredAt = now;
    this.addRange(this.lo, this.hiInstance);
    this.pump(fx);
    this.nextRetransmit = now + this.options.retransmit;
    fx.timers.push(this.nextRetransmit);
    return fx;
  }

  /** Instances at or below `upTo` were delivered by every learner: stop working on them. */
  trimmed(upTo: number): void {
    for (const [i, s] of this.instances) if (i <= upTo) s.decided = true;
    this.settle();
  }

  handle(msg: PaxosMessage): Effects {
    const fx = noEffects();
    if (!this.counters.admit(msg)) return fx;
    if (msg.group !== this.group || this.beat > 0) return fx;
    const s = this.instances.get(msg.instance);
    switch (msg.msgtype) {
      case MsgType.P1B:
        if (s && msg.round === this.round) this.onPromise(msg, s, fx);
        break;
      case MsgType.NACK_ROUND:
        if (msg.round === this.round) this.beat = Math.max(msg.aux, this.round + 1);
        break;
      case MsgType.P2B:
        if (s && msg.round === this.round && s.proposal && !s.decided) {
          if (!s.votes.has(msg.acceptor)) this.countAnswer();
          s.votes.add(msg.acceptor);
          if (s.votes.size >= this.majority) {
            s.decided = true;
            this.pump(fx);
          }
        }
        break;
      default:
        this.counters.drop("port_filter");
    }
    return fx;
  }

  tick(now: number): Effects {
    const fx = noEffects();
    this.now = now;
    if (this.beat > 0 || this.status === "decided") return fx;
    if (now >= this.nextRetransmit) {
      this.period =
        this.answered > this.answeredAtRetransmit
          ? this.options.retransmit
          : Math.min(2 * this.period, 16 * this.options.retransmit);
      this.answeredAtRetransmit = this.answered;
      this.pump(fx, true);
      this.nextRetransmit = now + this.period;
    }
    fx.timers.push(this.nextRetransmit);
    return fx;
  }

  private countAnswer(): void {
    this.answered++;
    this.answeredAt = this.now;
  }

  /** Whether the instance still waits for answers: promises (Phase 1) or votes (Phase 2). */
  private waiting(s: InstanceState): boolean {
    return !s.decided && (s.proposal !== null || s.promises.size < this.majority);
  }

  /**
   * Sends P1A (or P2A, once proposed) for the lowest waiting instances never sent yet — and, at a
   * retransmission time, those sent before now — keeping at most `window` in flight.
   */
  private pump(fx: Effects, retransmit = false): void {
    if (this.beat > 0) return;
    const due = (s: InstanceState) =>
      s.sentAt === Number.NEGATIVE_INFINITY || (retransmit && s.sentAt < this.now);
    let budget = this.options.window ?? 64;
    for (const s of this.instances.values()) if (this.waiting(s) && !due(s)) budget--;
    for (const [i, s] of this.instances) {
      if (budget <= 0) break;
      if (!this.waiting(s) || !due(s)) continue;
      s.sentAt = this.now;
      if (s.proposal) this.sendP2a(i, s.proposal, fx);
      else this.sendP1a(i, fx);
      budget--;
    }
  }

  private settle(): void {
    if (this.phase1Complete || !this.allPromised()) return;
    if (!this.options.fence || (this.fenced.size >= this.majority && this.maxAux <= this.hiInstance)) {
      this.phase1Complete = true;
    }
  }

  private onPromise(msg: PaxosMessage, s: InstanceState, fx: Effects): void {
    if (s.promises.has(msg.acceptor)) return;
    this.countAnswer();
    s.promises.set(msg.acceptor, { vround: msg.vround, command: commandOf(msg) });
    // Every P1A carries FENCE when taking over, so each answer comes from a fenced acceptor and
    // its aux bounds every instance it voted in below our round.
    if (this.options.fence && !this.phase1Complete) {
      this.fenced.add(msg.acceptor);
      this.maxAux = Math.max(this.maxAux, msg.aux);
    }
    if (s.promises.size === this.majority && !s.decided) {
      s.proposal = this.choose(s);
      s.sentAt = this.now;
      this.sendP2a(msg.instance, s.proposal, fx);
    }
    if (!this.phase1Complete && this.options.fence && this.maxAux > this.hiInstance && this.allPromised()) {
      const from = this.hiInstance + 1;
      this.hiInstance = this.maxAux;
      this.addRange(from, this.hiInstance);
    }
    this.pump(fx);
    this.settle();
  }

  /** Every instance of the range has a majority of promises (or was trimmed meanwhile). */
  private allPromised(): boolean {
    for (const s of this.instances.values()) if (!s.decided && s.promises.size < this.majority) return false;
    return true;
  }

  /** §7 step 2: the value voted in the highest round among the promises, else a no-op. */
  private choose(s: InstanceState): Command {
    if (this.options.broken?.ignoreVotes) return NOOP_COMMAND;
    let best: Promise1 | null = null;
    for (const p of s.promises.values()) {
      if (p.vround > 0 && (best === null || p.vround > best.vround)) best = p;
    }
    return best ? best.command : NOOP_COMMAND;
  }

  private addRange(from: number, to: number): void {
    for (let i = from; i <= to; i++)
      if (!this.instances.has(i))
        this.instances.set(i, {
          promises: new Map(),
          proposal: null,
          votes: new Set(),
          decided: false,
          sentAt: Number.NEGATIVE_INFINITY,
        });
  }

  private sendP1a(instance: number, fx: Effects): void {
    fx.send.push({
      to: { kind: "acceptors", group: this.group },
      msg: makeMessage({
        msgtype: MsgType.P1A,
        group: this.group,
        instance,
        round: this.round,
        aux: this.options.fence ? P1A_FLAG_FENCE : 0,
      }),
    });
    this.counters.send(MsgType.P1A);
  }

  private sendP2a(instance: number, command: Command, fx: Effects): void {
    fx.send.push({
      to: { kind: "acceptors", group: this.group },
      msg: makeMessage({
        msgtype: MsgType.P2A,
        group: this.group,
        instance,
        round: this.round,
        proposer: command.proposer,
        seq: command.seq,
        value: command.value,
      }),
    });
    this.counters.send(MsgType.P2A);
  }
}
