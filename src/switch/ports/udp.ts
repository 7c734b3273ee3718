// UDP-tunnel port: each Ethernet frame travels as the payload of one UDP datagram between a local
// socket and a configured remote host:port (loopback in tests; no privileges needed).

import { createSocket, type Socket } from "node:dgram";
import type { FrameHandler, Port } from "./port.js";

export interface UdpPortOptions {
  /** Local address and port to bind (port 0 = any free port). */
  bindHost?: string;
  bindPort?: number;
  remoteHost: string;
  remotePort: number;
}

export class UdpTunnelPort implements Port {
  name: string;
  private readonly sock: Socket;
  private remoteHost: string;
  private remotePort: number;
  private handler: FrameHandler | undefined;
  private closed = false;
  /** Datagrams from other sources than the configured remote are ignored and counted. */
  foreignDrops = 0;
  sendErrors = 0;

  private constructor(opts: UdpPortOptions, sock: Socket) {
    this.sock = sock;
    this.remoteHost = opts.remoteHost;
    this.remotePort = opts.remotePort;
    this.name = `udp:${opts.remoteHost}:${opts.remotePort}`;
    sock.on("message", (msg, rinfo) => {
      if (rinfo.port !== this.remotePort) {
        this.foreignDrops += 1;
        return;
      }
      this.handler?.(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength).slice());
    });
    sock.on("error", () => {
      this.sendErrors += 1;
    });
  }

  static async open(opts: UdpPortOptions): Promise<UdpTunnelPort> {
    const sock = createSocket(opts.remoteHost.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(opts.bindPort ?? 0, opts.bindHost ?? "127.0.0.1", () => {
        sock.off("error", reject);
        resolve();
      });
    });
    return new UdpTunnelPort(opts, sock);
  }

  /** The local UDP port actually bound. */
  get localPort(): number {
    return this.sock.address().port;
  }

  /** Points the tunnel at another peer (e.g. once the peer's port is known). */
  setRemote(host: string, port: number): void {
    this.remoteHost = host;
    this.remotePort = port;
    this.name = `udp:${host}:${port}`;
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.sock.send(frame, this.remotePort, this.remoteHost, (err) => {
      if (err) this.sendErrors += 1;
    });
  }

  onReceive(handler: FrameHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.sock.close(() => resolve()));
  }
}
