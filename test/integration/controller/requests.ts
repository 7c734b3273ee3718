// Proposer p1 for the controller tests: REQUESTs through p1's cable to the service address,
// each retransmitted every `retryMs` until learner l1 applies it. (The hosts' ProposerClient
// does the same; this one keeps the tests independent of its timer handling, and lets the lab
// keep requests in flight without a window.)
import { createSocket, type Socket } from "node:dgram";
import type { Address } from "../../../hosts/net/address.js";
import type { Delivery } from "../../../src/paxos/effects.js";
import { encodePaxos, makeMessage } from "../../../src/wire/codec.js";
import { MsgType } from "../../../src/wire/header.js";

interface Pending {
  bytes: Uint8Array;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Requests {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly retry: NodeJS.Timeout;
  readonly counts = { sent: 0, decided: 0, timedOut: 0 };

  private constructor(
    private readonly sock: Socket,
    private readonly service: Address,
    readonly proposerId: number,
    retryMs: number,
  ) {
    this.retry = setInterval(() => {
      for (const p of this.pending.values()) this.send(p.bytes);
    }, retryMs);
  }

  static async open(service: Address, proposerId = 1, retryMs = 150): Promise<Requests> {
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    return new Requests(sock, service, proposerId, retryMs);
  }

  private send(bytes: Uint8Array): void {
    this.counts.sent++;
    this.sock.send(bytes, this.service.port, this.service.host);
  }

  /** Feed l1's applied deliveries here. */
  delivered(d: Delivery): void {
    if (d.command.proposer !== this.proposerId) return;
    const p = this.pending.get(d.command.seq);
    if (!p) return;
    this.pending.delete(d.command.seq);
    clearTimeout(p.timer);
    this.counts.decided++;
    p.resolve();
  }

  get waiting(): number {
    return this.pending.size;
  }

  propose(value: Uint8Array, timeoutMs: number): Promise<void> {
    const seq = ++this.seq;
    const bytes = encodePaxos(
      makeMessage({ msgtype: MsgType.REQUEST, group: 0, proposer: this.proposerId, seq, value }),
    );
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        this.counts.timedOut++;
        reject(new Error(`request ${seq} not decided within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { bytes, resolve, reject, timer });
      this.send(bytes);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.retry);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await new Promise<void>((r) => this.sock.close(() => r()));
  }
}
