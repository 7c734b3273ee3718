// The whole system on loopback for controller tests: embedded switches (fabric.ts), the hosts'
// real daemons behind their cables (bridge.ts): the server coordinator `rc` with its control
// channel, the learner `l1`, the proposer `p1`, and the controller with its agent socket (`ctl`).
import { agentPlan } from "../../../controller/cli/agent-plan.js";
import { Controller, type ControllerOptions } from "../../../controller/runtime/controller.js";
import { loadPipeline, type Pipeline } from "../../../controller/runtime/pipeline.js";
import { type RunningAgent, startAgent } from "../../../hosts/agent.js";
import type { Address } from "../../../hosts/net/address.js";
import type { PeerTableInit } from "../../../hosts/net/peers.js";
import { counterEntity } from "../../../src/p4runtime/entities.js";
import { P4InfoIndex } from "../../../src/p4runtime/p4info-index.js";
import type { Delivery } from "../../../src/paxos/effects.js";
import { HostBridge } from "./bridge.js";
import { Fabric, LOCAL, smallDeployment } from "./fabric.js";
import { Requests } from "./requests.js";

const ANY: Address = { host: LOCAL, port: 0 };
let cachedPipeline: Pipeline | null = null;

export class Cluster {
  readonly bridges = new Map<string, HostBridge>();
  rc: RunningAgent | null = null;
  l1: RunningAgent | null = null;
  l2: RunningAgent | null = null;
  /** What l2 delivered (applied), for the agreement check. */
  readonly delivered2: Delivery[] = [];
  proposer: Requests | null = null;
  controller: Controller | null = null;
  /** Everything l1 delivered, in order. */
  readonly delivered: Delivery[] = [];
  readonly logs: string[] = [];

  private constructor(readonly fabric: Fabric) {}

  /** The deployment's pipeline, compiled once per test file. */
  get pipeline(): Pipeline {
    cachedPipeline ??= loadPipeline(this.fabric.deployment);
    return cachedPipeline;
  }

  static async start(
    fixed: {
      grpc?: Record<string, number>;
      dir?: string;
      stateFile?: string;
      timeouts?: { heartbeatMs: number; failoverMs: number };
    } = {},
  ): Promise<Cluster> {
    const make = (grpc: Record<string, number>, state: string) =>
      smallDeployment(grpc, state, fixed.timeouts);
    const fabric = await Fabric.create(make, undefined, fixed);
    const c = new Cluster(fabric);
    const d = fabric.deployment;
    for (const h of d.hosts)
      c.bridges.set(h.name, new HostBridge(h, fabric.nics.get(h.name)!, fabric.hostEnds.get(h.name)!));
    return c;
  }

  get d() {
    return this.fabric.deployment;
  }

  /**
   * The usual start: server coordinator rc, learners l1 and l2, a controller that ran `up` and
   * its daemon, its agent socket wired. `keep` sees the cluster first, so the test closes it
   * whatever fails later.
   */
  static async running(
    keep: (c: Cluster) => void,
  ): Promise<{ c: Cluster; ctl: Controller; up: Awaited<ReturnType<Controller["up"]>> }> {
    const c = await Cluster.start();
    keep(c);
    await c.startServerCoordinator();
    await c.startLearner();
    const ctl = await c.startController();
    const up = await ctl.up();
    await ctl.startDaemon();
    c.wireAgent();
    return { c, ctl, up };
  }

  private async mapPeers(bridge: HostBridge, p: PeerTableInit): Promise<PeerTableInit> {
    const m = (a: Address) => bridge.proxy(a);
    const list = async (l?: readonly Address[]) => (l ? Promise.all(l.map(m)) : undefined);
    const rec = async <K extends string | number>(r?: Readonly<Record<K, Address>>) =>
      r
        ? Object.fromEntries(
            await Promise.all(Object.entries(r).map(async ([k, a]) => [k, await m(a as Address)])),
          )
        : undefined;
    return {
      acceptors: await list(p.acceptors),
      learners: await list(p.learners),
      coordinators: await rec(p.coordinators),
      controller: p.controller ? await m(p.controller) : undefined,
      recovery: await list(p.recovery),
      learnerPeers: await list(p.learnerPeers),
      proposers: await rec(p.proposers),
    };
  }

  /** The server coordinator rc (with its control channel on loopback). */
  async startServerCoordinator(control: Address = ANY): Promise<RunningAgent> {
    const h = this.d.hosts.find((x) => x.name === "rc")!;
    const b = this.bridges.get("rc")!;
    const plan = agentPlan(this.d, "rc", { bindIp: LOCAL, control });
    plan.coordinator = { ...plan.coordinator!, bind: ANY, service: [ANY] };
    plan.peers = await this.mapPeers(b, plan.peers);
    const a = await startAgent(plan);
    b.deliver(h.ip, h.udpPort, a.coordinator!.address);
    b.deliver(this.d.paxos.groups[0]!.serviceIp, 34952, a.coordinator!.serviceAddresses[0]!);
    this.rc = a;
    return a;
  }

  /** Learners l1 and l2 (l1's deliveries in `delivered`, l2's in `delivered2`). */
  async startLearner(): Promise<RunningAgent> {
    this.l2 = await this.startLearnerOn("l2", this.delivered2);
    this.l1 = await this.startLearnerOn("l1", this.delivered);
    this.l1.learner!.onDelivery((d, verdict) => {
      if (verdict === "apply") this.proposer?.delivered(d);
    });
    return this.l1;
  }

  private async startLearnerOn(name: string, into: Delivery[]): Promise<RunningAgent> {
    const h = this.d.hosts.find((x) => x.name === name)!;
    const b = this.bridges.get(name)!;
    const plan = agentPlan(this.d, name, { bindIp: LOCAL });
    plan.learner = { ...plan.learner!, bind: ANY };
    plan.peers = await this.mapPeers(b, plan.peers);
    const a = await startAgent(plan);
    b.deliver(h.ip, h.udpPort, a.learner!.address);
    // Applied deliveries only: a retried request decided twice is skipped by deduplication.
    a.learner!.onDelivery((d, verdict) => {
      if (verdict === "apply") into.push(d);
    });
    return a;
  }

  /** Proposer p1 (requests.ts), fed by l1's deliveries. */
  async startProposer(): Promise<Requests> {
    const service = await this.bridges
      .get("p1")!
      .proxy({ host: this.d.paxos.groups[0]!.serviceIp, port: 34952 });
    this.proposer = await Requests.open(service);
    return this.proposer;
  }

  /** A controller on this deployment; its agent socket sits behind ctl's cable. */
  async startController(extra: Partial<ControllerOptions> = {}): Promise<Controller> {
    const rc = this.rc ? `${LOCAL}:${this.rc.control!.address.port}` : "127.0.0.1:9";
    const c = new Controller({
      deployment: this.d,
      pipeline: this.pipeline,
      stateFile: this.d.paxos.stateFile,
      log: (l) => this.logs.push(`${new Date().toISOString().slice(14, 23)} ${l}`),
      serverControl: { rc },
      agentBind: ANY,
      watchMs: 300,
      ...extra,
    });
    this.controller = c;
    return c;
  }

  /** Binds the controller's agent socket (default: the in-process controller's) behind ctl's cable. */
  wireAgent(to?: Address): void {
    const ctl = this.d.hosts.find((x) => x.name === "ctl")!;
    this.bridges.get("ctl")!.deliver(ctl.ip, ctl.udpPort, to ?? this.controller!.agentAddress!);
  }

  async close(): Promise<void> {
    await this.controller?.close();
    await this.proposer?.close();
    await this.l1?.close();
    await this.l2?.close();
    await this.rc?.close();
    await this.fabric.close();
    for (const b of this.bridges.values()) await b.close();
  }
}

export async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The group is settled (no procedure running) and served as `mode` says. */
export function settled(c: Cluster, mode: "switch" | "server", group = 0): boolean {
  const ctl = c.controller!;
  const g = ctl.group(group);
  return !ctl.groups.get(group)!.busy && g.requestsTo === mode && (mode === "server" || g.switchRole);
}

/**
 * Agreement: wherever both learners delivered an instance, they delivered the same command, and
 * each delivered every instance once and in order.
 */
export function checkAgreement(c: Cluster): string[] {
  const problems: string[] = [];
  const key = (d: Delivery) => `${d.command.proposer}/${d.command.seq}`;
  const logs = [c.delivered, c.delivered2].map((list) => {
    const m = new Map<number, string>();
    let last = 0;
    for (const d of list) {
      if (m.has(d.instance)) problems.push(`instance ${d.instance} delivered twice`);
      if (d.instance <= last) problems.push(`instance ${d.instance} after ${last}`);
      last = d.instance;
      m.set(d.instance, key(d));
    }
    return m;
  });
  for (const [i, v] of logs[0]!) {
    const w = logs[1]!.get(i);
    if (w !== undefined && w !== v) problems.push(`instance ${i}: l1 ${v}, l2 ${w}`);
  }
  return problems;
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The non-no-op values a learner delivered, as text. */
export function deliveredValues(c: Cluster): string[] {
  return c.delivered
    .filter((x) => x.command.proposer !== 0)
    .map((x) => new TextDecoder().decode(x.command.value).replace(/\0+$/, ""));
}

/** Drop and message counters of every switch, the learner's and server coordinator's stats (for failure reports). */
export function dump(c: Cluster): string {
  const idx = new P4InfoIndex(c.pipeline.p4info);
  const lines: string[] = [...c.logs];
  for (const [name, d] of c.fabric.daemons) {
    const row: string[] = [];
    for (const ctr of ["MyIngress.drops", "MyIngress.paxos_rx", "MyEgress.paxos_tx"]) {
      const cells = d.device
        .read([counterEntity(idx.counter(ctr).preamble!.id)])
        .map((e) =>
          e.entity.case === "counterEntry"
            ? [Number(e.entity.value.index?.index ?? 0n), Number(e.entity.value.data?.packetCount ?? 0n)]
            : [0, 0],
        )
        .filter(([, n]) => n! > 0)
        .map(([i, n]) => `${i}:${n}`);
      row.push(`${ctr.split(".")[1]} ${cells.join(" ")}`);
    }
    lines.push(`${name}: ${row.join(" | ")}`);
  }
  lines.push(`l1: ${JSON.stringify(c.l1?.stats())}`);
  lines.push(`rc: ${JSON.stringify(c.rc?.stats())}`);
  lines.push(`bridges: ${[...c.bridges].map(([n, b]) => `${n} ${JSON.stringify(b.counters)}`).join(", ")}`);
  return lines.join("\n");
}
