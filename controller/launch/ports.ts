// Free loopback ports, picked by binding to port 0 and releasing. All of a kind are held open
// together, so one call never hands out the same port twice.
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import type { PortAllocator } from "./plan.js";
import { LOOPBACK } from "./plan.js";

async function udpPorts(n: number): Promise<number[]> {
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = createSocket("udp4");
          s.once("error", reject);
          s.bind(0, LOOPBACK, () => resolve(s));
        }),
    ),
  );
  const ports = socks.map((s) => s.address().port);
  await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

async function tcpPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, LOOPBACK, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

export class PortsExhausted extends Error {
  override readonly name = "PortsExhausted";
}

/** An allocator over `udp` UDP and `tcp` TCP ports that were free a moment ago. */
export async function freePorts(counts: { udp: number; tcp: number }): Promise<PortAllocator> {
  const udp = await udpPorts(counts.udp);
  const tcp = await tcpPorts(counts.tcp);
  const take = (list: number[], kind: string) => () => {
    const p = list.shift();
    if (p === undefined) throw new PortsExhausted(`more ${kind} ports asked for than were reserved`);
    return p;
  };
  return { udp: take(udp, "UDP"), tcp: take(tcp, "TCP") };
}
