// A KV replica: a learner applying the KV state machine, proposers (one per group: keys are
// partitioned over the groups by a hash), and the HTTP API (http.ts). A write or a read is
// proposed through the consensus log and answered when this replica's own learner applies it,
// so every answer reflects a position in the one total order: reads included (linearizable).
import { createHash } from "node:crypto";
import type { DedupVerdict } from "../../src/paxos/dedup.js";
import type { Delivery } from "../../src/paxos/effects.js";
import type { RefusalOutcome } from "../../src/paxos/proposer.js";
import { LearnerDaemon, type LearnerDaemonOptions } from "../learner/daemon.js";
import type { Address } from "../net/address.js";
import type { PeerTable } from "../net/peers.js";
import {
  ProposerClient as Client,
  ProposeRefused,
  type ProposerClient,
  ProposeTimeout,
} from "../proposer/client.js";
import { encodeKv, type KvCommand } from "./command.js";
import { MAX_KV_GROUPS, nextIncarnation, sessionProposerId } from "./session.js";
import { type KvResult, KvStateMachine } from "./state.js";

export interface KvReplicaOptions extends Omit<LearnerDaemonOptions, "app" | "bind"> {
  /** The learner's UDP address (2Bs, catch-up). */
  learnerBind: Address;
  /** The proposers' UDP address (host part; port 0 is fine): NACK_FULL / NACK_NOQUORUM arrive there. */
  proposerBind: Address;
  peers: PeerTable;
  window: number;
  retryMs: number;
  maxRetryMs: number;
  /** How long a client request may wait for its command to be applied. */
  requestTimeoutMs: number;
  /**
   * Stop retransmitting a command as soon as this replica's learner decided it in its group,
   * though the merge of the groups holds it back (default true). false: retransmit until it is
   * applied, so a command held back longer than retryMs is decided again (for comparison).
   */
  stopRetryWhenDecided?: boolean;
}

export class KvUnavailable extends Error {
  override readonly name = "KvUnavailable";
}

/**
 * The group's coordinator refused the command: too few acceptors are alive for a quorum.
 * `outcome` "not_applied": it never takes effect; "unknown": an earlier attempt may still be.
 */
export class KvRefused extends Error {
  override readonly name = "KvRefused";
  constructor(
    message: string,
    readonly outcome: RefusalOutcome,
  ) {
    super(message);
  }
}

export class KvReplica {
  readonly state = new KvStateMachine();
  readonly incarnation: number;
  private learnerDaemon!: LearnerDaemon;
  private readonly proposers: ProposerClient[] = [];
  private readonly byId = new Map<number, ProposerClient>();
  private readonly results = new Map<string, (r: KvResult) => void>();

  private constructor(private readonly options: KvReplicaOptions) {
    if (options.groups.length > MAX_KV_GROUPS)
      throw new RangeError(`a KV replica serves at most ${MAX_KV_GROUPS} groups`);
    this.incarnation = nextIncarnation(options.dataDir);
  }

  static async start(options: KvReplicaOptions): Promise<KvReplica> {
    const r = new KvReplica(options);
    r.learnerDaemon = await LearnerDaemon.start({ ...options, bind: options.learnerBind, app: r.state });
    r.learnerDaemon.onDelivery((d, verdict, result) => r.onDelivery(d, verdict, result));
    if (options.stopRetryWhenDecided ?? true) {
      r.learnerDaemon.onDecided((d) => r.byId.get(d.proposer)?.decided(d.seq));
    }
    try {
      for (const [j, group] of options.groups.entries()) {
        const client = await Client.open({
          id: sessionProposerId(options.id, r.incarnation, j),
          group,
          window: options.window,
          timeout: options.retryMs,
          maxTimeout: options.maxRetryMs,
          bind: options.proposerBind,
          peers: options.peers,
        });
        r.proposers.push(client);
        r.byId.set(client.id, client);
      }
    } catch (error) {
      await r.close();
      throw error;
    }
    return r;
  }

  get learner(): LearnerDaemon {
    return this.learnerDaemon;
  }

  /** The group a key's commands go to: a hash of the key, so all replicas agree. */
  groupIndexOf(key: Uint8Array): number {
    const h = createHash("sha256").update(key).digest();
    return h.readUInt32BE(0) % this.proposers.length;
  }

  /**
   * Proposes `command` and resolves with its result once this replica applied it. Throws
   * KvEncodeError if it does not fit a Paxos value, KvUnavailable (outcome unknown) on timeout,
   * KvRefused (at once, with the outcome) when the coordinator has no quorum of acceptors.
   */
  async execute(command: KvCommand): Promise<KvResult> {
    const value = encodeKv(command);
    const client = this.proposers[this.groupIndexOf(command.key)]!;
    const pending = client.propose(value, this.options.requestTimeoutMs);
    const key = `${client.id}:${pending.seq}`;
    const result = new Promise<KvResult>((resolve) => this.results.set(key, resolve));
    try {
      await pending;
    } catch (error) {
      this.results.delete(key);
      if (error instanceof ProposeTimeout) {
        throw new KvUnavailable(`not applied within ${this.options.requestTimeoutMs} ms; outcome unknown`);
      }
      if (error instanceof ProposeRefused) {
        // "request 5 refused: …": the client knows no request numbers, only the command.
        throw new KvRefused(error.message.replace(/^request \d+ /, "command "), error.outcome);
      }
      throw error;
    }
    return result;
  }

  stats(): Record<string, unknown> {
    return {
      incarnation: this.incarnation,
      proposers: this.proposers.map((p) => ({ id: p.id, ...p.stats() })),
      learner: this.learnerDaemon.stats(),
      keys: this.state.size,
      digest: this.state.digest(),
    };
  }

  async close(): Promise<void> {
    for (const p of this.proposers) await p.close();
    await this.learnerDaemon?.close();
  }

  private onDelivery(d: Delivery, verdict: DedupVerdict, result: unknown): void {
    const client = this.byId.get(d.command.proposer);
    if (!client) return;
    // The result must be registered before the proposer's promise settles: resolve it first.
    if (verdict === "apply") {
      const key = `${client.id}:${d.command.seq}`;
      const resolve = this.results.get(key);
      if (resolve) {
        this.results.delete(key);
        resolve(result as KvResult);
      }
    }
    client.delivered(d.command.seq, { group: d.group, instance: d.instance, applied: verdict === "apply" });
  }
}
