// In-process links: a switch-side Port and the far end (a host, a test, another switch's port).
// Delivery is asynchronous (microtask) so a reply never re-enters the sender's stack.

import type { FrameHandler, Port } from "./port.js";

class Endpoint implements Port {
  private handler: FrameHandler | undefined;
  peer: Endpoint | undefined;
  closed = false;
  /** Frames that arrived before a handler was registered. */
  private backlog: Uint8Array[] = [];
  constructor(readonly name: string) {}

  send(frame: Uint8Array): void {
    const peer = this.peer;
    if (this.closed || !peer || peer.closed) return;
    const copy = frame.slice();
    queueMicrotask(() => peer.deliver(copy));
  }

  deliver(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.handler) this.handler(frame);
    else this.backlog.push(frame);
  }

  onReceive(handler: FrameHandler): void {
    this.handler = handler;
    const b = this.backlog;
    this.backlog = [];
    for (const f of b) handler(f);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Two connected endpoints: what one sends, the other receives. */
export function createLink(nameA = "inproc:a", nameB = "inproc:b"): [Port, Port] {
  const a = new Endpoint(nameA);
  const b = new Endpoint(nameB);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
