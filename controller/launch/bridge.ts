// A host's network card on loopback. The host's cable carries raw Ethernet frames as UDP
// datagrams (the switch's UDP-tunnel port at the other end); its agent daemons use kernel UDP on
// 127.0.0.1. Frames for one of the host's deployment addresses are unwrapped and handed to the
// daemon socket planned for it, from a loopback proxy socket standing for the frame's source;
// what a daemon sends to a proxy leaves on the cable as an Ethernet/IPv4/UDP frame from the
// host's address to the address the proxy stands for (UDP checksum zero: allowed over IPv4).
import { createSocket, type Socket } from "node:dgram";
import { formatIPv4, parseIPv4, parseMac } from "../../src/wire/addr.js";
import { decodeFrame, encodeFrame } from "../../src/wire/frame.js";
import { type BridgePlan, LOOPBACK } from "./plan.js";

const key = (ip: string, port: number) => `${ip}:${port}`;
// Switches route on IPv4 and rewrite the destination MAC hop by hop; the first hop ignores it.
const FIRST_HOP_MAC = parseMac("02:00:00:00:00:ff");

export interface BridgeCounters {
  /** Frames from the cable handed to a daemon. */
  in: number;
  /** Datagrams from daemons sent on the cable. */
  out: number;
  /** Frames that were not IPv4/UDP (dropped). */
  malformed: number;
  /** Frames for an address no daemon owns (dropped). */
  undeliverable: number;
  sendErrors: number;
}

function bindUdp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(port, LOOPBACK, () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

export class HostBridge {
  /** Deployment address → daemon's loopback port. */
  private readonly local = new Map<string, number>();
  /** Daemon's loopback port → deployment address it speaks as. */
  private readonly reverse = new Map<number, { ip: string; port: number }>();
  /** Remote deployment address → proxy socket. */
  private readonly proxies = new Map<string, Promise<Socket>>();
  readonly counters: BridgeCounters = { in: 0, out: 0, malformed: 0, undeliverable: 0, sendErrors: 0 };

  private constructor(
    readonly plan: BridgePlan,
    private readonly nic: Socket,
  ) {
    const mac = parseMac(plan.mac);
    this.mac = mac;
    nic.on("message", (b) => void this.fromCable(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    nic.on("error", () => this.counters.sendErrors++);
    for (const d of plan.deliveries) {
      this.local.set(key(d.ip, d.port), d.to);
      this.reverse.set(d.to, { ip: d.ip, port: d.port });
    }
  }

  private readonly mac: number;

  /** Binds the NIC and every planned proxy port. */
  static async open(plan: BridgePlan): Promise<HostBridge> {
    const nic = await bindUdp(plan.nic);
    const b = new HostBridge(plan, nic);
    for (const p of plan.proxies)
      b.proxies.set(key(p.ip, p.port), b.armProxy(bindUdp(p.local), p.ip, p.port));
    await Promise.all(b.proxies.values());
    return b;
  }

  private armProxy(p: Promise<Socket>, ip: string, port: number): Promise<Socket> {
    return p.then((s) => {
      s.on("message", (payload, rinfo) => this.toCable(ip, port, payload, rinfo.port));
      s.on("error", () => this.counters.sendErrors++);
      return s;
    });
  }

  /** The proxy for `ip:port`; sources nobody planned for (replies to a client) get one on demand. */
  private proxySocket(ip: string, port: number): Promise<Socket> {
    const k = key(ip, port);
    let p = this.proxies.get(k);
    if (!p) {
      p = this.armProxy(bindUdp(0), ip, port);
      this.proxies.set(k, p);
    }
    return p;
  }

  private toCable(dstIp: string, dstPort: number, payload: Uint8Array, fromPort: number): void {
    // A socket nobody planned (a proposer's ephemeral port) speaks as the host's ip:its port,
    // and frames back to that address reach it.
    let src = this.reverse.get(fromPort);
    if (!src) {
      src = { ip: this.plan.ip, port: fromPort };
      this.reverse.set(fromPort, src);
      this.local.set(key(src.ip, src.port), fromPort);
    }
    let frame: Uint8Array;
    try {
      frame = encodeFrame({
        eth: { dst: FIRST_HOP_MAC, src: this.mac },
        ip: { src: parseIPv4(src.ip), dst: parseIPv4(dstIp) },
        udp: { srcPort: src.port, dstPort },
        payload,
        udpChecksum: false,
      });
    } catch {
      this.counters.malformed++;
      return;
    }
    this.counters.out++;
    this.nic.send(frame, this.plan.switchEnd, LOOPBACK);
  }

  private async fromCable(bytes: Uint8Array): Promise<void> {
    const f = decodeFrame(bytes);
    if (!f.ok) {
      this.counters.malformed++;
      return;
    }
    const { ip, udp, payload } = f.value;
    const to = this.local.get(key(formatIPv4(ip.dst), udp.dstPort));
    if (to === undefined) {
      this.counters.undeliverable++;
      return;
    }
    this.counters.in++;
    const s = await this.proxySocket(formatIPv4(ip.src), udp.srcPort);
    s.send(payload, to, LOOPBACK);
  }

  async close(): Promise<void> {
    const socks = [this.nic, ...(await Promise.all(this.proxies.values()))];
    await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
