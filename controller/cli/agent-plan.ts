// Deployment file → the plan of one host's agent (hosts/agent.ts): which daemons it runs, on
// which addresses, and the peer table every one of them uses, following docs/deployment.md
// ("Addresses, ports and message paths").

import type { AgentPlan } from "../../hosts/agent.js";
import type { Address } from "../../hosts/net/address.js";
import { PAXOS_UDP_PORT } from "../../src/wire/header.js";
import type { Deployment, HostConfig } from "../config/types.js";

export class AgentPlanError extends Error {
  override readonly name = "AgentPlanError";
}

export interface AgentPlanOptions {
  /** Bind to this address instead of the host's deployment IP (e.g. 0.0.0.0). */
  bindIp?: string;
  /** Control channel of a server coordinator (default 127.0.0.1:34960). */
  control?: Address;
  /** KV HTTP API (default 0.0.0.0:8080). */
  http?: Address;
  /** Bind the groups' service addresses (default true; needs the IPs on this host). */
  bindService?: boolean;
  dataDir?: string;
}

const at = (h: HostConfig): Address => ({ host: h.ip, port: h.udpPort });

export function agentPlan(d: Deployment, hostName: string, opts: AgentPlanOptions = {}): AgentPlan {
  const host = d.hosts.find((h) => h.name === hostName);
  if (!host)
    throw new AgentPlanError(
      `no host '${hostName}' in deployment '${d.name}' (hosts: ${d.hosts.map((h) => h.name).join(", ")})`,
    );
  const r = host.roles;
  const udpRoles = [
    r.learner && "learner",
    r["server-acceptor"] && "server-acceptor",
    r["server-coordinator"] && "server-coordinator",
  ].filter(Boolean);
  if (udpRoles.length > 1) {
    throw new AgentPlanError(
      `host '${hostName}' has roles ${udpRoles.join(" + ")} on one udpPort; the agent runs one of them per port`,
    );
  }
  if (udpRoles.length === 0) {
    throw new AgentPlanError(
      `host '${hostName}' runs no agent daemon (roles: ${Object.keys(r).join(", ")}); proposers use 'paxosctl propose' / 'paxosctl kv'`,
    );
  }
  const acceptors: Address[] = d.acceptors.map((a) => {
    if (a.kind === "switch") {
      const s = d.switches.find((x) => x.name === a.name)!;
      return { host: s.ip!, port: PAXOS_UDP_PORT };
    }
    return at(d.hosts.find((h) => h.name === a.name)!);
  });
  const learnerHosts = d.hosts.filter((h) => h.roles.learner);
  const coordHosts = d.hosts.filter((h) => h.roles["server-coordinator"]);
  const agentHost = d.hosts.find((h) => h.roles["controller-agent"]);
  const groups = d.paxos.groups.map((g) => g.id);
  const bind = (a: Address): Address => ({ host: opts.bindIp ?? a.host, port: a.port });
  const proposers: Record<number, Address> = {};
  for (const h of d.hosts) if (h.roles.proposer) proposers[h.roles.proposer.id] = at(h);
  const t = d.paxos.timeouts;
  const plan: AgentPlan = {
    groups,
    ringSize: d.p4.ringSize,
    acceptorCount: d.acceptors.length,
    timing: {
      tickMs: Math.max(1, Math.min(10, Math.floor(t.gapMs / 4))),
      gapTimeoutMs: t.gapMs,
      noopDelayMs: t.gapMs,
      catchupMs: 2 * t.retryMs,
      retryMs: t.retryMs,
    },
    peers: {
      acceptors,
      learners: [...learnerHosts, ...coordHosts].map(at),
      coordinators: Object.fromEntries(
        d.paxos.groups.map((g) => [g.id, { host: g.serviceIp, port: PAXOS_UDP_PORT }]),
      ),
      // Without a controller agent, the server coordinator computes the trim watermark itself.
      controller: agentHost ? at(agentHost) : coordHosts[0] ? at(coordHosts[0]) : undefined,
      recovery: [...coordHosts, ...(agentHost ? [agentHost] : [])].map(at),
      learnerPeers: learnerHosts.filter((h) => h !== host).map(at),
      proposers,
    },
    dataDir: opts.dataDir,
  };
  const sa = r["server-acceptor"];
  if (sa) plan.acceptor = { id: sa.id, bind: bind(at(host)) };
  const sc = r["server-coordinator"];
  if (sc) {
    plan.coordinator = {
      id: sc.id,
      groups: sc.groups,
      bind: bind(at(host)),
      service:
        opts.bindService === false
          ? []
          : d.paxos.groups
              .filter((g) => sc.groups.includes(g.id))
              .map((g) => ({ host: g.serviceIp, port: PAXOS_UDP_PORT })),
      control: opts.control ?? { host: "127.0.0.1", port: 34960 },
    };
    if (!agentHost && host === coordHosts[0])
      plan.coordinator.trimFor = learnerHosts.map((h) => h.roles.learner!.id);
  }
  const l = r.learner;
  if (l) {
    plan.learner = { id: l.id, rank: learnerHosts.indexOf(host), bind: bind(at(host)) };
    if (r.kv)
      plan.learner.kv = {
        http: opts.http ?? { host: "0.0.0.0", port: 8080 },
        window: 16,
        requestTimeoutMs: 5000,
      };
  }
  return plan;
}
