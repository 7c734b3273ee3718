// Puts a host's daemons, which use kernel UDP on 127.0.0.1, behind its switch cable, which
// carries raw Ethernet frames. Frames for one of the host's deployment addresses (its ip:udpPort,
// a service address) are unwrapped and handed to the daemon socket registered for it, from a
// loopback "proxy" socket standing for the frame's source; what a daemon sends to a proxy
// leaves on the cable as a frame from the host to the address that proxy stands for. A test
// harness only: in Mininet the hosts have real interfaces.
import { createSocket, type Socket } from "node:dgram";
import type { HostConfig } from "../../../controller/config/types.js";
import type { Address } from "../../../hosts/net/address.js";
import { formatIPv4, parseIPv4, parseMac } from "../../../src/wire/addr.js";
import { decodeFrame, encodeFrame } from "../../../src/wire/frame.js";

const LOCAL = "127.0.0.1";
const key = (ip: string, port: number) => `${ip}:${port}`;

export class HostBridge {
  /** Deployment address → daemon socket on loopback. */
  private readonly local = new Map<string, Address>();
  /** Daemon loopback address → deployment address it stands for. */
  private readonly reverse = new Map<string, { ip: string; port: number }>();
  /** Remote deployment address → proxy socket. */
  private readonly proxies = new Map<string, Promise<Socket>>();
  readonly counters = { in: 0, out: 0, undeliverable: 0 };

  constructor(
    readonly host: HostConfig,
    private readonly nic: Socket,
    private readonly switchEnd: number,
  ) {
    nic.removeAllListeners("message");
    nic.on("message", (b) => void this.fromCable(new Uint8Array(b)));
  }

  /** Frames to `ip:port` go to `to` (a daemon socket); its datagrams leave from `ip:port`. */
  deliver(ip: string, port: number, to: Address): void {
    this.local.set(key(ip, port), to);
    this.reverse.set(key(to.host, to.port), { ip, port });
  }

  /** The loopback address a daemon sends to in order to reach `remote` through the cable. */
  async proxy(remote: Address): Promise<Address> {
    const s = await this.proxySocket(remote.host, remote.port);
    return { host: LOCAL, port: s.address().port };
  }

  private proxySocket(ip: string, port: number): Promise<Socket> {
    const k = key(ip, port);
    let p = this.proxies.get(k);
    if (!p) {
      p = new Promise<Socket>((resolve) => {
        const s = createSocket("udp4");
        s.on("message", (payload, rinfo) => this.toCable(ip, port, new Uint8Array(payload), rinfo));
        s.bind(0, LOCAL, () => resolve(s));
      });
      this.proxies.set(k, p);
    }
    return p;
  }

  private toCable(
    dstIp: string,
    dstPort: number,
    payload: Uint8Array,
    from: { address: string; port: number },
  ): void {
    // A daemon socket not registered (an ephemeral proposer port) speaks as host.ip:its port.
    let src = this.reverse.get(key(from.address, from.port));
    if (!src) {
      src = { ip: this.host.ip, port: from.port };
      this.deliver(src.ip, src.port, { host: from.address, port: from.port });
    }
    const frame = encodeFrame({
      // Switches route IPv4 by address and rewrite the destination MAC on every hop.
      eth: { dst: parseMac("02:00:00:00:00:ff"), src: parseMac(this.host.mac) },
      ip: { src: parseIPv4(src.ip), dst: parseIPv4(dstIp) },
      udp: { srcPort: src.port, dstPort },
      payload,
      udpChecksum: false,
    });
    this.counters.out++;
    this.nic.send(frame, this.switchEnd, LOCAL);
  }

  private async fromCable(bytes: Uint8Array): Promise<void> {
    const f = decodeFrame(bytes);
    if (!f.ok) return;
    const { ip, udp, payload } = f.value;
    const to = this.local.get(key(formatIPv4(ip.dst), udp.dstPort));
    if (!to) {
      this.counters.undeliverable++;
      return;
    }
    this.counters.in++;
    const s = await this.proxySocket(formatIPv4(ip.src), udp.srcPort);
    s.send(payload, to.port, to.host);
  }

  async close(): Promise<void> {
    for (const p of this.proxies.values()) {
      const s = await p;
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
}
