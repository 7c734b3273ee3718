// A host agent: the daemons one host runs, started from a plan (built from a deployment file by
// `paxosctl agent --config`, or read from an explicit plan file). One daemon per UDP port: a
// host's roles must not share its udpPort (the learner of a KV replica is one daemon).

import { join } from "node:path";
import type { AcceptorRole } from "../src/paxos/acceptor.js";
import { AcceptorDaemon } from "./acceptor/daemon.js";
import { ControlServer } from "./coordinator/control.js";
import { ServerCoordinatorDaemon } from "./coordinator/daemon.js";
import { KvHttpServer } from "./kv/http.js";
import { KvReplica } from "./kv/replica.js";
import { LearnerDaemon } from "./learner/daemon.js";
import type { Address } from "./net/address.js";
import { PeerTable, type PeerTableInit } from "./net/peers.js";

export interface AgentTiming {
  tickMs: number;
  gapTimeoutMs: number;
  noopDelayMs: number;
  catchupMs: number;
  retryMs: number;
}

export interface AgentPlan {
  /** Every group, in merge order. */
  groups: number[];
  ringSize: number;
  /** Acceptors per group (N). */
  acceptorCount: number;
  timing: AgentTiming;
  peers: PeerTableInit;
  acceptor?: { id: number; bind: Address; role?: AcceptorRole };
  coordinator?: {
    id: number;
    groups: number[];
    bind: Address;
    service: Address[];
    control: Address;
    /** Learner ids to trim for, when no controller does (see ServerCoordinatorOptions.trimFor). */
    trimFor?: number[];
  };
  learner?: {
    id: number;
    rank: number;
    bind: Address;
    kv?: { http: Address; window: number; requestTimeoutMs: number };
  };
  /** Durable state (learner log and snapshots, coordinator rounds, acceptor marker). */
  dataDir?: string;
}

export interface RunningAgent {
  acceptor: AcceptorDaemon | null;
  coordinator: ServerCoordinatorDaemon | null;
  control: ControlServer | null;
  learner: LearnerDaemon | null;
  kv: KvReplica | null;
  kvHttp: KvHttpServer | null;
  /** One line per listening endpoint. */
  describe(): string[];
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

const fmt = (a: Address): string => `${a.host}:${a.port}`;

export async function startAgent(plan: AgentPlan): Promise<RunningAgent> {
  const closers: (() => Promise<void>)[] = [];
  const agent: RunningAgent = {
    acceptor: null,
    coordinator: null,
    control: null,
    learner: null,
    kv: null,
    kvHttp: null,
    describe() {
      const lines: string[] = [];
      if (this.acceptor)
        lines.push(`server acceptor ${plan.acceptor!.id} on udp ${fmt(this.acceptor.address)}`);
      if (this.coordinator) {
        lines.push(`server coordinator ${plan.coordinator!.id} on udp ${fmt(this.coordinator.address)}`);
        for (const s of this.coordinator.serviceAddresses) lines.push(`  service address udp ${fmt(s)}`);
      }
      if (this.control) lines.push(`  control channel http://${fmt(this.control.address)}/status`);
      if (this.learner) lines.push(`learner ${plan.learner!.id} on udp ${fmt(this.learner.address)}`);
      if (this.kvHttp) lines.push(`  KV API ${this.kvHttp.url}/kv/KEY`);
      return lines;
    },
    stats() {
      return {
        acceptor: this.acceptor?.stats() ?? null,
        coordinator: this.coordinator?.stats() ?? null,
        learner: this.kv ? this.kv.stats() : (this.learner?.stats() ?? null),
      };
    },
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
  const t = plan.timing;
  const sub = (name: string): string | undefined => (plan.dataDir ? join(plan.dataDir, name) : undefined);
  try {
    if (plan.acceptor) {
      const a = await AcceptorDaemon.start({
        id: plan.acceptor.id,
        ringSize: plan.ringSize,
        groups: plan.groups,
        bind: plan.acceptor.bind,
        peers: new PeerTable(plan.peers),
        role: plan.acceptor.role,
        dataDir: sub("acceptor"),
      });
      agent.acceptor = a;
      closers.push(() => a.close());
    }
    if (plan.coordinator) {
      const c = await ServerCoordinatorDaemon.start({
        id: plan.coordinator.id,
        groups: plan.coordinator.groups,
        acceptors: plan.acceptorCount,
        ringSize: plan.ringSize,
        bind: plan.coordinator.bind,
        service: plan.coordinator.service,
        peers: new PeerTable(plan.peers),
        retransmitMs: t.retryMs,
        dataDir: sub("coordinator"),
        trimFor: plan.coordinator.trimFor,
      });
      agent.coordinator = c;
      closers.push(() => c.close());
      const control = await ControlServer.start(c, plan.coordinator.control);
      agent.control = control;
      closers.push(() => control.close());
    }
    if (plan.learner) {
      const common = {
        id: plan.learner.id,
        groups: plan.groups,
        acceptors: plan.acceptorCount,
        rank: plan.learner.rank,
        peers: new PeerTable(plan.peers),
        tickMs: t.tickMs,
        gapTimeoutMs: t.gapTimeoutMs,
        noopDelayMs: t.noopDelayMs,
        catchupMs: t.catchupMs,
        dataDir: sub("learner"),
      };
      const kv = plan.learner.kv;
      if (kv) {
        const r = await KvReplica.start({
          ...common,
          learnerBind: plan.learner.bind,
          proposerBind: { host: plan.learner.bind.host, port: 0 },
          window: kv.window,
          retryMs: t.retryMs,
          maxRetryMs: 16 * t.retryMs,
          requestTimeoutMs: kv.requestTimeoutMs,
        });
        agent.kv = r;
        agent.learner = r.learner;
        closers.push(() => r.close());
        const http = await KvHttpServer.start(r, kv.http);
        agent.kvHttp = http;
        closers.push(() => http.close());
      } else {
        const l = await LearnerDaemon.start({ ...common, bind: plan.learner.bind });
        agent.learner = l;
        closers.push(() => l.close());
      }
    }
  } catch (error) {
    await agent.close();
    throw error;
  }
  return agent;
}
