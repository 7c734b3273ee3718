// The launcher's loopback layout (pure): cables wired end to end, host bridges standing for the
// right deployment addresses, agent plans that survive the plan-file round trip.
import { describe, expect, it } from "vitest";
import { agentPlan } from "../../../../controller/cli/agent-plan.js";
import { loadDeployment } from "../../../../controller/config/load.js";
import type { Deployment } from "../../../../controller/config/types.js";
import { agentPlanJson } from "../../../../controller/launch/agent-file.js";
import {
  type ClusterPlan,
  countPorts,
  LOOPBACK,
  planCluster,
  switchArgs,
} from "../../../../controller/launch/plan.js";
import { parsePlan } from "../../../../hosts/plan-file.js";
import { parsePortSpec } from "../../../../src/switch/daemon.js";

async function load(file: string): Promise<Deployment> {
  const r = await loadDeployment(file);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.deployment;
}

function plan(d: Deployment): { p: ClusterPlan; udp: number[]; tcp: number[] } {
  const udp: number[] = [];
  const tcp: number[] = [];
  let next = 10000;
  const p = planCluster(
    d,
    {
      udp: () => {
        udp.push(next);
        return next++;
      },
      tcp: () => {
        tcp.push(next);
        return next++;
      },
    },
    { dataDir: (h) => `/run/data/${h}` },
  );
  return { p, udp, tcp };
}

describe.each(["examples/demo.yaml", "examples/classic.yaml"])("planCluster(%s)", (file) => {
  it("wires every cable end to the port at its other end", async () => {
    const d = await load(file);
    const { p, udp, tcp } = plan(d);
    expect(new Set([...udp, ...tcp]).size).toBe(udp.length + tcp.length);
    expect(countPorts(d)).toEqual({ udp: udp.length, tcp: tcp.length });
    const local = new Map<string, number>();
    for (const s of p.switches) for (const port of s.ports) local.set(`${s.name}:${port.num}`, port.local);
    for (const s of d.switches) {
      const sp = p.switches.find((x) => x.name === s.name)!;
      expect(sp.ports.map((x) => x.num)).toEqual(s.ports.map((x) => x.port));
      for (const port of s.ports) {
        const planned = sp.ports.find((x) => x.num === port.port)!;
        if (port.peer.kind === "switch") {
          expect(planned.peer).toBe(local.get(`${port.peer.switch}:${port.peer.port}`));
        } else {
          const host = port.peer.host;
          const b = p.bridges.find((x) => x.host === host)!;
          expect(planned.peer).toBe(b.nic);
          expect(b.switchEnd).toBe(planned.local);
        }
      }
      // The switch command line parses back to the same wiring.
      const args = switchArgs(sp);
      expect(args.slice(0, 7)).toEqual([
        "switch",
        "--grpc",
        sp.grpc,
        "--device-id",
        String(s.deviceId),
        "--cpu-port",
        String(s.cpuPort),
      ]);
      const specs = args.filter((_, i) => args[i - 1] === "--port").map(parsePortSpec);
      expect(specs).toEqual(
        sp.ports.map((x) => ({
          num: x.num,
          kind: "udp",
          localPort: x.local,
          peerHost: LOOPBACK,
          peerPort: x.peer,
        })),
      );
    }
    expect(p.bridges.map((b) => [b.host, b.ip, b.mac])).toEqual(d.hosts.map((h) => [h.name, h.ip, h.mac]));
  });

  it("puts every agent peer behind a proxy of its own host's bridge", async () => {
    const d = await load(file);
    const { p } = plan(d);
    for (const a of p.agents) {
      const b = p.bridges.find((x) => x.host === a.host)!;
      const original = agentPlan(d, a.host);
      const proxied = (x: { host: string; port: number }) => {
        expect(x.host).toBe(LOOPBACK);
        const px = b.proxies.find((q) => q.local === x.port);
        expect(px, `proxy for port ${x.port}`).toBeDefined();
        return `${px!.ip}:${px!.port}`;
      };
      const str = (x: { host: string; port: number }) => `${x.host}:${x.port}`;
      const o = original.peers;
      const m = a.plan.peers;
      expect(m.acceptors!.map(proxied)).toEqual(o.acceptors!.map(str));
      expect(m.learners!.map(proxied)).toEqual(o.learners!.map(str));
      expect(m.learnerPeers!.map(proxied)).toEqual(o.learnerPeers!.map(str));
      expect(m.recovery!.map(proxied)).toEqual(o.recovery!.map(str));
      expect(Object.values(m.coordinators!).map(proxied)).toEqual(Object.values(o.coordinators!).map(str));
      if (o.controller) expect(proxied(m.controller!)).toBe(str(o.controller));
      // Frames for the host's own address reach the daemon's socket.
      const h = d.hosts.find((x) => x.name === a.host)!;
      const bind = a.plan.learner?.bind ?? a.plan.coordinator?.bind ?? a.plan.acceptor?.bind;
      expect(bind?.host).toBe(LOOPBACK);
      expect(b.deliveries).toContainEqual({ ip: h.ip, port: h.udpPort, to: bind!.port });
      if (a.plan.coordinator) {
        const services = d.paxos.groups.map((g) => g.serviceIp);
        expect(b.deliveries.filter((x) => x.port === 34952).map((x) => x.ip)).toEqual(services);
        expect(a.control).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(p.controller.serverControl[a.host]).toBe(a.control);
      }
      if (h.roles.kv) expect(a.kvUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.plan.dataDir).toBe(`/run/data/${a.host}`);
      // What paxosctl agent --plan reads back is the same plan.
      expect(parsePlan(JSON.parse(JSON.stringify(agentPlanJson(a.plan))))).toEqual(
        JSON.parse(JSON.stringify(a.plan)),
      );
    }
    const ctl = d.hosts.find((h) => h.roles["controller-agent"])!;
    expect(p.bridges.find((b) => b.host === ctl.name)!.deliveries).toEqual([
      { ip: ctl.ip, port: ctl.udpPort, to: p.controller.agentPort },
    ]);
  });
});

describe("planCluster on classic.yaml", () => {
  it("runs agents only for hosts with a daemon role", async () => {
    const d = await load("examples/classic.yaml");
    const { p } = plan(d);
    expect(p.agents.map((a) => a.host).sort()).toEqual(["l1", "l2", "rc", "sa4", "sa5"]);
    const sa4 = p.agents.find((a) => a.host === "sa4")!;
    expect(sa4.plan.acceptor?.id).toBe(4);
    expect(p.bridges.find((b) => b.host === "p1")!.deliveries).toEqual([]);
  });
});
