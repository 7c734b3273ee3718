// A host agent's UDP socket: decodes Paxos headers with the wire codec and host messages with
// the host protocol, counts every bad datagram by reason and never lets one throw.
import { createSocket, type Socket } from "node:dgram";
import { decodePaxos, dropCounterFor, encodePaxos } from "../../src/wire/index.js";
import type { PaxosMessage } from "../../src/wire/message.js";
import type { Address } from "./address.js";
import { decodeHost, encodeHost, type HostMessage, isHostDatagram } from "./hostproto.js";

export interface EndpointHandlers {
  paxos?: (msg: PaxosMessage, from: Address) => void;
  host?: (msg: HostMessage, from: Address) => void;
}

export interface EndpointStats {
  datagramsIn: number;
  datagramsOut: number;
  /** Paxos headers that did not decode (protocol §11 `malformed`). */
  malformed: number;
  /** Paxos headers with a version other than 1 (§11 `bad_version`). */
  badVersion: number;
  /** Host-protocol datagrams that did not decode. */
  hostMalformed: number;
  /** Well-formed datagrams of a kind this agent has no handler for. */
  unhandled: number;
  /** Handler exceptions (a bug): counted and kept out of the event loop. */
  handlerErrors: number;
  sendErrors: number;
  lastError: string | null;
}

export class UdpEndpoint {
  readonly stats: EndpointStats = {
    datagramsIn: 0,
    datagramsOut: 0,
    malformed: 0,
    badVersion: 0,
    hostMalformed: 0,
    unhandled: 0,
    handlerErrors: 0,
    sendErrors: 0,
    lastError: null,
  };
  private closed = false;
  /** Sends handed to the socket and not yet flushed: close() lets them go out first. */
  private inflight = 0;
  private drained: (() => void) | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly address: Address,
    private readonly handlers: EndpointHandlers,
  ) {}

  /** Binds `addr` (port 0 picks a free port; see `address`). Rejects if the bind fails. */
  static bind(addr: Address, handlers: EndpointHandlers): Promise<UdpEndpoint> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: "udp4", reuseAddr: false });
      const onBindError = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once("error", onBindError);
      socket.bind(addr.port, addr.host, () => {
        socket.off("error", onBindError);
        const bound = socket.address();
        const ep = new UdpEndpoint(socket, { host: bound.address, port: bound.port }, handlers);
        socket.on("error", (e) => ep.noteError(e));
        socket.on("message", (data, rinfo) => ep.receive(data, { host: rinfo.address, port: rinfo.port }));
        resolve(ep);
      });
    });
  }

  sendPaxos(msg: PaxosMessage, to: readonly Address[]): void {
    if (to.length === 0) return;
    this.sendBytes(encodePaxos(msg), to);
  }

  sendHost(msg: HostMessage, to: readonly Address[]): void {
    if (to.length === 0) return;
    this.sendBytes(encodeHost(msg), to);
  }

  sendBytes(bytes: Uint8Array, to: readonly Address[]): void {
    if (this.closed) return;
    for (const a of to) {
      this.stats.datagramsOut++;
      this.inflight++;
      this.socket.send(bytes, a.port, a.host, (error) => {
        if (error) this.noteError(error);
        if (--this.inflight === 0) this.drained?.();
      });
    }
  }

  /** Stops receiving, flushes queued sends (at most 200 ms), closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private noteError(error: Error): void {
    this.stats.sendErrors++;
    this.stats.lastError = error.message;
  }

  private receive(data: Buffer, from: Address): void {
    if (this.closed) return;
    this.stats.datagramsIn++;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    try {
      if (isHostDatagram(bytes)) {
        const d = decodeHost(bytes);
        if (!d.ok) this.stats.hostMalformed++;
        else if (this.handlers.host) this.handlers.host(d.value, from);
        else this.stats.unhandled++;
        return;
      }
      const d = decodePaxos(bytes);
      if (!d.ok) {
        if (dropCounterFor(d.error.kind) === "bad_version") this.stats.badVersion++;
        else this.stats.malformed++;
        return;
      }
      if (this.handlers.paxos) this.handlers.paxos(d.value, from);
      else this.stats.unhandled++;
    } catch (error) {
      this.stats.handlerErrors++;
      this.stats.lastError = error instanceof Error ? error.message : String(error);
    }
  }
}
