// Performing a role's Effects on real sockets and timers: sends resolved through the peer
// table, tick times (absolute, on the agent's monotonic clock) turned into setTimeout calls.
import type { Effects } from "../../src/paxos/effects.js";
import type { PeerTable } from "./peers.js";
import type { UdpEndpoint } from "./udp.js";

/** Milliseconds on a monotonic clock: what roles receive as `now`. */
export type Clock = () => number;

export const monotonicClock: Clock = () => performance.now();

/** Calls `tick` at the absolute times roles ask for; several requests for one time collapse. */
export class TickScheduler {
  private readonly pending = new Map<number, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly tick: () => void,
  ) {}

  schedule(times: readonly number[]): void {
    if (this.stopped) return;
    for (const at of times) {
      // Timer resolution is ~1 ms: one timer per millisecond is enough.
      const key = Math.ceil(at);
      if (!this.pending.has(key)) this.arm(key);
    }
  }

  private arm(key: number): void {
    const timer = setTimeout(
      () => {
        if (this.stopped) return;
        // setTimeout may fire up to ~1 ms before the monotonic deadline. A role ticked early sees
        // "not yet", does nothing and asks for no new tick, so that deadline would be lost: wait
        // out the remainder instead.
        if (this.clock() < key) {
          this.arm(key);
          return;
        }
        this.pending.delete(key);
        this.tick();
      },
      Math.max(0, key - this.clock()),
    );
    this.pending.set(key, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}

/** Sends every outbound message of `fx` and schedules its timers; deliveries and gap reports are the caller's. */
export function performSends(
  fx: Effects,
  peers: PeerTable,
  endpoint: UdpEndpoint,
  timers?: TickScheduler,
): void {
  for (const out of fx.send) endpoint.sendPaxos(out.msg, peers.resolve(out.to));
  if (timers && fx.timers.length > 0) timers.schedule(fx.timers);
}
