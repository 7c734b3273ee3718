// A deployment laid out on 127.0.0.1 (pure): every switch gets a gRPC port and one UDP port per
// cable end, wired to the port at the cable's other end; every host gets a "NIC" (a UDP port that
// carries its cable's raw Ethernet frames) and a bridge that hands frames for its deployment
// addresses to its agent's loopback sockets, and stands for each remote deployment address its
// agent talks to with a loopback "proxy" port. The port numbers come from an allocator, so the
// same plan can be computed, counted and tested without opening a socket.
import type { AgentPlan } from "../../hosts/agent.js";
import type { Address } from "../../hosts/net/address.js";
import type { PeerTableInit } from "../../hosts/net/peers.js";
import { agentPlan } from "../cli/agent-plan.js";
import type { Deployment, HostConfig } from "../config/types.js";

export const LOOPBACK = "127.0.0.1";

/** Hands out port numbers: UDP and TCP are separate spaces. */
export interface PortAllocator {
  udp(): number;
  tcp(): number;
}

export interface SwitchPortPlan {
  num: number;
  /** UDP port this end binds. */
  local: number;
  /** UDP port of the other end (a switch port or a host NIC). */
  peer: number;
}

export interface SwitchPlan {
  name: string;
  grpc: string;
  deviceId: number;
  cpuPort: number;
  ports: SwitchPortPlan[];
}

/** Frames to `ip:port` are handed to the loopback UDP port `to`; datagrams from `to` leave as `ip:port`. */
export interface Delivery {
  ip: string;
  port: number;
  to: number;
}

/** The loopback UDP port `local` stands for the remote deployment address `ip:port`. */
export interface Proxy {
  ip: string;
  port: number;
  local: number;
}

export interface BridgePlan {
  host: string;
  ip: string;
  mac: string;
  /** UDP port of the host's end of its cable. */
  nic: number;
  /** UDP port of the switch's end. */
  switchEnd: number;
  deliveries: Delivery[];
  proxies: Proxy[];
}

export interface AgentLaunch {
  host: string;
  plan: AgentPlan;
  /** KV HTTP API, when the host is a KV replica. */
  kvUrl?: string;
  /** Control channel, when the host is a server coordinator. */
  control?: string;
}

export interface ControllerLaunch {
  /** UDP port of the controller's DELIVERED socket (behind the controller-agent host's cable). */
  agentPort: number | null;
  /** Server-coordinator host name → its control channel "127.0.0.1:PORT". */
  serverControl: Record<string, string>;
}

export interface ClusterPlan {
  name: string;
  switches: SwitchPlan[];
  bridges: BridgePlan[];
  agents: AgentLaunch[];
  controller: ControllerLaunch;
}

export interface PlanOptions {
  /** Data directory of host NAME's agent (learner log, coordinator rounds). */
  dataDir?: (host: string) => string;
}

const key = (ip: string, port: number) => `${ip}:${port}`;

/** Builds the plan; every port comes from `alloc`, in a fixed order. */
export function planCluster(d: Deployment, alloc: PortAllocator, opts: PlanOptions = {}): ClusterPlan {
  // One UDP port per cable end: switch ports, then host NICs.
  const end = new Map<string, number>();
  for (const s of d.switches) for (const p of s.ports) end.set(`${s.name}:${p.port}`, alloc.udp());
  for (const h of d.hosts) end.set(`host:${h.name}`, alloc.udp());
  const switches: SwitchPlan[] = d.switches.map((s) => ({
    name: s.name,
    grpc: `${LOOPBACK}:${alloc.tcp()}`,
    deviceId: s.deviceId,
    cpuPort: s.cpuPort,
    ports: s.ports.map((p) => ({
      num: p.port,
      local: end.get(`${s.name}:${p.port}`)!,
      peer:
        p.peer.kind === "host"
          ? end.get(`host:${p.peer.host}`)!
          : end.get(`${p.peer.switch}:${p.peer.port}`)!,
    })),
  }));

  const bridges: BridgePlan[] = [];
  const agents: AgentLaunch[] = [];
  const controller: ControllerLaunch = { agentPort: null, serverControl: {} };
  for (const h of d.hosts) {
    const bridge: BridgePlan = {
      host: h.name,
      ip: h.ip,
      mac: h.mac,
      nic: end.get(`host:${h.name}`)!,
      switchEnd: end.get(`${h.switch}:${h.port}`)!,
      deliveries: [],
      proxies: [],
    };
    bridges.push(bridge);
    if (h.roles["controller-agent"]) {
      controller.agentPort = alloc.udp();
      bridge.deliveries.push({ ip: h.ip, port: h.udpPort, to: controller.agentPort });
    }
    const launch = planAgent(d, h, bridge, alloc, opts);
    if (launch) {
      agents.push(launch);
      if (launch.control) controller.serverControl[h.name] = launch.control;
    }
  }
  return { name: d.name, switches, bridges, agents, controller };
}

/** Whether host `h` runs an agent daemon (learner, server acceptor or server coordinator). */
export function runsAgent(h: HostConfig): boolean {
  return Boolean(h.roles.learner || h.roles["server-acceptor"] || h.roles["server-coordinator"]);
}

function planAgent(
  d: Deployment,
  h: HostConfig,
  bridge: BridgePlan,
  alloc: PortAllocator,
  opts: PlanOptions,
): AgentLaunch | null {
  if (!runsAgent(h)) return null;
  const http = h.roles.kv ? { host: LOOPBACK, port: alloc.tcp() } : undefined;
  const control = h.roles["server-coordinator"] ? { host: LOOPBACK, port: alloc.tcp() } : undefined;
  const plan = agentPlan(d, h.name, { bindIp: LOOPBACK, http, control, dataDir: opts.dataDir?.(h.name) });
  // The daemon's own socket and the service addresses it owns: frames for them come to it.
  const own = (a: Address, ip: string, port: number): Address => {
    const to = alloc.udp();
    bridge.deliveries.push({ ip, port, to });
    return { host: a.host, port: to };
  };
  if (plan.acceptor) plan.acceptor.bind = own(plan.acceptor.bind, h.ip, h.udpPort);
  if (plan.learner) plan.learner.bind = own(plan.learner.bind, h.ip, h.udpPort);
  if (plan.coordinator) {
    plan.coordinator.bind = own(plan.coordinator.bind, h.ip, h.udpPort);
    plan.coordinator.service = plan.coordinator.service.map((s) =>
      own({ host: LOOPBACK, port: 0 }, s.host, s.port),
    );
  }
  // Every peer becomes the loopback proxy that stands for it on this host's bridge.
  const proxies = new Map<string, Proxy>();
  const proxy = (a: Address): Address => {
    let p = proxies.get(key(a.host, a.port));
    if (!p) {
      p = { ip: a.host, port: a.port, local: alloc.udp() };
      proxies.set(key(a.host, a.port), p);
      bridge.proxies.push(p);
    }
    return { host: LOOPBACK, port: p.local };
  };
  plan.peers = mapPeers(plan.peers, proxy);
  return {
    host: h.name,
    plan,
    kvUrl: http ? `http://${http.host}:${http.port}` : undefined,
    control: control ? `${control.host}:${control.port}` : undefined,
  };
}

function mapPeers(p: PeerTableInit, m: (a: Address) => Address): PeerTableInit {
  const list = (l?: readonly Address[]) => l?.map(m);
  const rec = (r?: Readonly<Record<number, Address>>) =>
    r ? Object.fromEntries(Object.entries(r).map(([k, a]) => [k, m(a)])) : undefined;
  return {
    acceptors: list(p.acceptors),
    learners: list(p.learners),
    coordinators: rec(p.coordinators),
    controller: p.controller ? m(p.controller) : undefined,
    recovery: list(p.recovery),
    learnerPeers: list(p.learnerPeers),
    proposers: rec(p.proposers),
  };
}

/** `paxosctl switch` arguments for one switch of the plan. */
export function switchArgs(s: SwitchPlan): string[] {
  return [
    "switch",
    "--grpc",
    s.grpc,
    "--device-id",
    String(s.deviceId),
    "--cpu-port",
    String(s.cpuPort),
    ...s.ports.flatMap((p) => ["--port", `${p.num}@udp:${p.local}:${LOOPBACK}:${p.peer}`]),
  ];
}

/** A counting allocator: how many ports of each kind a plan needs. */
export function countPorts(d: Deployment): { udp: number; tcp: number } {
  let udp = 0;
  let tcp = 0;
  planCluster(d, { udp: () => 20000 + udp++, tcp: () => 20000 + tcp++ });
  return { udp, tcp };
}
