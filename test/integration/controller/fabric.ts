// A deployment's switches as embedded switch daemons on 127.0.0.1: real gRPC servers and
// UDP-tunnel ports wired cable for cable as the deployment says. Host cables end at a UDP
// socket the test owns (a "host NIC" that sees the raw Ethernet frames). Ports are picked free
// first, so the deployment file can name the switches' P4Runtime addresses.
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDeployment } from "../../../controller/config/load.js";
import type { Deployment } from "../../../controller/config/types.js";
import { type PortSpec, type SwitchDaemon, startSwitchDaemon } from "../../../src/switch/daemon.js";
import { createLogger } from "../../../src/switch/p4rt/log.js";

export const LOCAL = "127.0.0.1";

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, LOCAL, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function freeUdpPorts(n: number): Promise<number[]> {
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((r) => {
          const s = createSocket("udp4");
          s.bind(0, LOCAL, () => r(s));
        }),
    ),
  );
  const ports = socks.map((s) => s.address().port);
  await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** The small test deployment: coordinator, three acceptor switches, one edge with every host. */
export function smallDeployment(
  grpc: Record<string, number>,
  stateFile: string,
  timeouts = { heartbeatMs: 50, failoverMs: 300 },
): string {
  return `name: ctltest
p4: { ringSize: 64, maxGroups: 2, cpuPort: 255 }
paxos:
  groups:
    - { id: 0, serviceIp: 10.0.100.1 }
  timeouts: { heartbeatMs: ${timeouts.heartbeatMs}, failoverMs: ${timeouts.failoverMs}, gapMs: 200, retryMs: 40 }
  stateFile: ${stateFile}
switches:
  - name: coord
    address: 127.0.0.1:${grpc.coord}
    deviceId: 1
    ip: 10.0.1.1
    mac: 02:00:00:00:01:01
    roles: { coordinator: { id: 1 } }
    ports:
      - { port: 1, to: "switch:acc1:1" }
      - { port: 2, to: "switch:acc2:1" }
      - { port: 3, to: "switch:acc3:1" }
      - { port: 4, to: "switch:edge:1" }
  - name: acc1
    address: 127.0.0.1:${grpc.acc1}
    deviceId: 2
    ip: 10.0.1.2
    mac: 02:00:00:00:01:02
    roles: { acceptor: { id: 1 } }
    ports:
      - { port: 1, to: "switch:coord:1" }
      - { port: 2, to: "switch:edge:2" }
  - name: acc2
    address: 127.0.0.1:${grpc.acc2}
    deviceId: 3
    ip: 10.0.1.3
    mac: 02:00:00:00:01:03
    roles: { acceptor: { id: 2 } }
    ports:
      - { port: 1, to: "switch:coord:2" }
      - { port: 2, to: "switch:edge:3" }
  - name: acc3
    address: 127.0.0.1:${grpc.acc3}
    deviceId: 4
    ip: 10.0.1.4
    mac: 02:00:00:00:01:04
    roles: { acceptor: { id: 3 } }
    ports:
      - { port: 1, to: "switch:coord:3" }
      - { port: 2, to: "switch:edge:4" }
  - name: edge
    address: 127.0.0.1:${grpc.edge}
    deviceId: 5
    ports:
      - { port: 1, to: "switch:coord:4" }
      - { port: 2, to: "switch:acc1:2" }
      - { port: 3, to: "switch:acc2:2" }
      - { port: 4, to: "switch:acc3:2" }
      - { port: 10, to: p1 }
      - { port: 11, to: rc }
      - { port: 12, to: l1 }
      - { port: 13, to: ctl }
      - { port: 14, to: l2 }
hosts:
  - { name: p1, ip: 10.0.0.1, mac: "00:00:00:00:00:01", switch: edge, port: 10, roles: { proposer: { id: 1 } } }
  - { name: rc, ip: 10.0.0.10, mac: "00:00:00:00:00:0a", switch: edge, port: 11, roles: { server-coordinator: { id: 2 } } }
  - { name: l1, ip: 10.0.0.11, mac: "00:00:00:00:00:0b", switch: edge, port: 12, roles: { learner: { id: 0 } } }
  - { name: l2, ip: 10.0.0.12, mac: "00:00:00:00:00:0c", switch: edge, port: 14, roles: { learner: { id: 1 } } }
  - { name: ctl, ip: 10.0.0.20, mac: "00:00:00:00:00:14", switch: edge, port: 13, roles: { controller-agent: true } }
`;
}

interface PortPlan {
  spec: PortSpec;
}

export class Fabric {
  readonly daemons = new Map<string, SwitchDaemon>();
  /** Host name → the test's end of its cable (raw Ethernet frames). */
  readonly nics = new Map<string, Socket>();
  readonly frames = new Map<string, Uint8Array[]>();
  /** Host name → the UDP port of the switch end of its cable. */
  readonly hostEnds = new Map<string, number>();
  private readonly plans = new Map<
    string,
    { grpc: string; deviceId: bigint; cpuPort: number; ports: PortPlan[] }
  >();

  private constructor(
    readonly dir: string,
    readonly configPath: string,
    readonly deployment: Deployment,
  ) {}

  static async create(
    make: (grpc: Record<string, number>, stateFile: string) => string = smallDeployment,
    names = ["coord", "acc1", "acc2", "acc3", "edge"],
    fixed: { grpc?: Record<string, number>; dir?: string; stateFile?: string } = {},
  ): Promise<Fabric> {
    const dir = fixed.dir ?? mkdtempSync(join(tmpdir(), "p4paxos-ctl-"));
    const grpc: Record<string, number> = {};
    for (const n of names) grpc[n] = fixed.grpc?.[n] ?? (await freeTcpPort());
    const configPath = join(dir, "deploy.yaml");
    writeFileSync(configPath, make(grpc, fixed.stateFile ?? join(dir, "state.json")));
    const loaded = await loadDeployment(configPath);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const d = loaded.deployment;
    const f = new Fabric(dir, configPath, d);
    // One UDP port per cable end.
    const ends: { sw: string; port: number }[] = [];
    for (const s of d.switches) for (const p of s.ports) ends.push({ sw: s.name, port: p.port });
    const udp = await freeUdpPorts(ends.length + d.hosts.length);
    const at = new Map<string, number>();
    for (const [i, e] of ends.entries()) at.set(`${e.sw}:${e.port}`, udp[i]!);
    for (const [i, h] of d.hosts.entries()) at.set(`host:${h.name}`, udp[ends.length + i]!);
    for (const s of d.switches) {
      const ports: PortPlan[] = s.ports.map((p) => {
        const peer =
          p.peer.kind === "host"
            ? at.get(`host:${p.peer.host}`)!
            : at.get(`${p.peer.switch}:${p.peer.port}`)!;
        return {
          spec: {
            num: p.port,
            kind: "udp",
            localPort: at.get(`${s.name}:${p.port}`)!,
            peerHost: LOCAL,
            peerPort: peer,
          },
        };
      });
      f.plans.set(s.name, { grpc: s.address, deviceId: BigInt(s.deviceId), cpuPort: s.cpuPort, ports });
    }
    for (const h of d.hosts) {
      const sock = createSocket("udp4");
      await new Promise<void>((r) => sock.bind(at.get(`host:${h.name}`)!, LOCAL, () => r()));
      const got: Uint8Array[] = [];
      f.frames.set(h.name, got);
      sock.on("message", (b) => got.push(new Uint8Array(b)));
      f.nics.set(h.name, sock);
      f.hostEnds.set(h.name, at.get(`${h.switch}:${h.port}`)!);
    }
    for (const n of names) await f.start(n);
    return f;
  }

  /** Starts (or restarts, empty: no pipeline, no state) a switch on its address and ports. */
  async start(name: string): Promise<SwitchDaemon> {
    const p = this.plans.get(name)!;
    const d = await startSwitchDaemon({
      grpc: p.grpc,
      deviceId: p.deviceId,
      cpuPort: p.cpuPort,
      ports: p.ports.map((x) => x.spec),
      log: createLogger("silent"),
    });
    this.daemons.set(name, d);
    return d;
  }

  async stop(name: string): Promise<void> {
    const d = this.daemons.get(name);
    this.daemons.delete(name);
    await d?.close();
  }

  async close(): Promise<void> {
    for (const n of [...this.daemons.keys()]) await this.stop(n);
    for (const s of this.nics.values()) await new Promise<void>((r) => s.close(() => r()));
  }
}
