// A server-side p4paxos cluster on 127.0.0.1 with real UDP, all in this process: server
// coordinators, server acceptors, KV replicas (learner + proposers + HTTP), as in the full
// server-side mode of docs/hosts.md. Ports are picked free up front so every peer table can be
// written before anything starts.
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AcceptorDaemon } from "../../../hosts/acceptor/daemon.js";
import { ServerCoordinatorDaemon } from "../../../hosts/coordinator/daemon.js";
import { KvHttpServer } from "../../../hosts/kv/http.js";
import { KvReplica } from "../../../hosts/kv/replica.js";
import type { Address } from "../../../hosts/net/address.js";
import { PeerTable } from "../../../hosts/net/peers.js";

export const LOCAL = "127.0.0.1";

/** n distinct free UDP ports (all bound at once, then released). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createSocket>>((resolve) => {
          const s = createSocket("udp4");
          s.bind(0, LOCAL, () => resolve(s));
        }),
    ),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

export interface ClusterOptions {
  groups?: number[];
  coordinators?: number;
  acceptors?: number;
  replicas?: number;
  ringSize?: number;
  retryMs?: number;
  /** Where learners send DELIVERED reports (none by default). */
  controller?: Address | null;
  /** The first server coordinator trims from the learners' DELIVERED reports (no controller). */
  coordinatorTrims?: boolean;
  /** How long a group may stall the merge before learners ask for no-ops (TIMING.noopDelayMs). */
  noopDelayMs?: number;
  /** The replicas' proposers stop retransmitting once their learner decided a command (default). */
  stopRetryWhenDecided?: boolean;
}

export const TIMING = { tickMs: 10, gapTimeoutMs: 60, noopDelayMs: 30, catchupMs: 40, retryMs: 40 };

export class Cluster {
  readonly groups: number[];
  readonly acceptorAddrs: Address[];
  readonly coordAddrs: Address[];
  readonly serviceAddrs: Address[];
  readonly learnerAddrs: Address[];
  readonly acceptors: (AcceptorDaemon | null)[] = [];
  readonly coordinators: (ServerCoordinatorDaemon | null)[] = [];
  readonly replicas: (KvReplica | null)[] = [];
  readonly http: (KvHttpServer | null)[] = [];
  readonly dataDirs: string[];
  /** Each replica's peer table: its coordinator route is what a failover changes. */
  readonly replicaPeers: PeerTable[] = [];
  private readonly root: string;
  private readonly options: Required<ClusterOptions>;

  private constructor(options: Required<ClusterOptions>, ports: number[]) {
    this.options = options;
    this.groups = options.groups;
    const take = (n: number): Address[] => ports.splice(0, n).map((port) => ({ host: LOCAL, port }));
    this.acceptorAddrs = take(options.acceptors);
    this.coordAddrs = take(options.coordinators);
    this.serviceAddrs = take(options.coordinators);
    this.learnerAddrs = take(options.replicas);
    this.root = mkdtempSync(join(tmpdir(), "p4paxos-cluster-"));
    this.dataDirs = this.learnerAddrs.map((_, k) => join(this.root, `replica${k + 1}`));
  }

  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const options: Required<ClusterOptions> = {
      groups: opts.groups ?? [0],
      coordinators: opts.coordinators ?? 1,
      acceptors: opts.acceptors ?? 3,
      replicas: opts.replicas ?? 2,
      ringSize: opts.ringSize ?? 4096,
      retryMs: opts.retryMs ?? TIMING.retryMs,
      controller: opts.controller ?? null,
      coordinatorTrims: opts.coordinatorTrims ?? false,
      noopDelayMs: opts.noopDelayMs ?? TIMING.noopDelayMs,
      stopRetryWhenDecided: opts.stopRetryWhenDecided ?? true,
    };
    const ports = await freeUdpPorts(options.acceptors + 2 * options.coordinators + options.replicas);
    const c = new Cluster(options, ports);
    for (let k = 0; k < options.acceptors; k++) c.acceptors.push(await c.startAcceptor(k));
    for (let k = 0; k < options.coordinators; k++) c.coordinators.push(await c.startCoordinator(k));
    for (let k = 0; k < options.replicas; k++) {
      c.replicas.push(null);
      c.http.push(null);
      c.replicaPeers.push(c.peersForReplica(k, 0));
      await c.startReplica(k);
    }
    return c;
  }

  /** Peers as every server-side role sees them (2B receivers include the server coordinators). */
  basePeers(coordinatorIndex: number): PeerTable {
    return new PeerTable({
      acceptors: this.acceptorAddrs,
      learners: [...this.learnerAddrs, ...this.coordAddrs],
      coordinators: Object.fromEntries(this.groups.map((g) => [g, this.serviceAddrs[coordinatorIndex]!])),
      recovery: [this.coordAddrs[0]!],
    });
  }

  peersForReplica(k: number, coordinatorIndex: number): PeerTable {
    return new PeerTable({
      acceptors: this.acceptorAddrs,
      learners: [...this.learnerAddrs, ...this.coordAddrs],
      coordinators: Object.fromEntries(this.groups.map((g) => [g, this.serviceAddrs[coordinatorIndex]!])),
      recovery: this.coordAddrs,
      learnerPeers: this.learnerAddrs.filter((_, j) => j !== k),
      controller: this.options.coordinatorTrims ? this.coordAddrs[0] : (this.options.controller ?? undefined),
    });
  }

  startAcceptor(k: number): Promise<AcceptorDaemon> {
    return AcceptorDaemon.start({
      id: k + 1,
      ringSize: this.options.ringSize,
      groups: this.groups,
      bind: this.acceptorAddrs[k]!,
      peers: this.basePeers(0),
    });
  }

  startCoordinator(k: number): Promise<ServerCoordinatorDaemon> {
    return ServerCoordinatorDaemon.start({
      id: k + 1,
      groups: this.groups,
      acceptors: this.options.acceptors,
      ringSize: this.options.ringSize,
      bind: this.coordAddrs[k]!,
      service: this.serviceAddrs[k]!,
      peers: this.basePeers(k),
      retransmitMs: this.options.retryMs,
      dataDir: join(this.root, `coordinator${k + 1}`),
      trimFor: this.options.coordinatorTrims && k === 0 ? this.learnerAddrs.map((_, j) => j + 1) : undefined,
    });
  }

  async startReplica(k: number, dataDir = this.dataDirs[k]!): Promise<KvReplica> {
    const replica = await KvReplica.start({
      id: k + 1,
      groups: this.groups,
      acceptors: this.options.acceptors,
      rank: k,
      learnerBind: this.learnerAddrs[k]!,
      proposerBind: { host: LOCAL, port: 0 },
      peers: this.replicaPeers[k]!,
      tickMs: TIMING.tickMs,
      gapTimeoutMs: TIMING.gapTimeoutMs,
      noopDelayMs: this.options.noopDelayMs,
      catchupMs: TIMING.catchupMs,
      dataDir,
      snapshotEvery: 25,
      window: 8,
      retryMs: this.options.retryMs,
      maxRetryMs: 8 * this.options.retryMs,
      requestTimeoutMs: 4000,
      stopRetryWhenDecided: this.options.stopRetryWhenDecided,
    });
    this.replicas[k] = replica;
    this.http[k] = await KvHttpServer.start(replica, { host: LOCAL, port: 0 });
    return replica;
  }

  async stopReplica(k: number): Promise<void> {
    await this.http[k]?.close();
    await this.replicas[k]?.close();
    this.http[k] = null;
    this.replicas[k] = null;
  }

  url(k: number): string {
    return this.http[k]!.url;
  }

  /** Routes every replica's REQUESTs of every group to coordinator `k` (what the controller does at failover). */
  routeTo(k: number): void {
    for (const p of this.replicaPeers)
      for (const g of this.groups) p.setCoordinator(g, this.serviceAddrs[k]!);
  }

  /** Waits until every running replica has applied the same number of entries ≥ `atLeast`. */
  async converged(atLeast = 0, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = this.replicas.filter((r): r is KvReplica => r !== null);
      const counts = live.map((r) => r.learner.merged);
      if (counts.every((n) => n === counts[0] && n >= atLeast)) {
        // Quiet for a moment: nothing more in flight.
        await sleep(3 * TIMING.catchupMs);
        const again = live.map((r) => r.learner.merged);
        if (again.every((n, j) => n === counts[j])) return;
      }
      if (Date.now() > deadline)
        throw new Error(`replicas did not converge: merged counts ${counts.join(", ")}`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    for (let k = 0; k < this.replicas.length; k++) await this.stopReplica(k);
    for (const c of this.coordinators) await c?.close();
    for (const a of this.acceptors) await a?.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
