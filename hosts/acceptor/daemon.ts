// Server-side acceptor daemon: the Acceptor role of src/paxos on a UDP socket. It speaks the
// switches' wire format, so learners cannot tell its 2Bs from a switch's. Its registers live in
// memory: a restart is amnesia (protocol §9), which the marker file in `dataDir` catches.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Acceptor, type AcceptorRole } from "../../src/paxos/acceptor.js";
import type { Address } from "../net/address.js";
import { formatAddress } from "../net/address.js";
import type { PeerTable } from "../net/peers.js";
import { performSends } from "../net/runtime.js";
import { type EndpointStats, UdpEndpoint } from "../net/udp.js";

export interface AcceptorDaemonOptions {
  /** Acceptor id, unique over switches and servers. */
  id: number;
  ringSize: number;
  groups: readonly number[];
  bind: Address;
  /** Needs `learners` (2B receivers); replies to 1As go back to their sender. */
  peers: PeerTable;
  /** Role entry per group (protocol §9); default floor 0, join 0: never lost state. */
  role?: AcceptorRole;
  /**
   * Directory for the "has run" marker. A start that finds it without an explicit `role` is a
   * restart after amnesia and is refused: the controller must supply floor and join.
   */
  dataDir?: string;
}

export class AmnesiaError extends Error {
  override readonly name = "AmnesiaError";
}

const MARKER = "acceptor-started";

export class AcceptorDaemon {
  readonly acceptor: Acceptor;
  private constructor(
    private readonly endpoint: UdpEndpoint,
    acceptor: Acceptor,
  ) {
    this.acceptor = acceptor;
  }

  static async start(options: AcceptorDaemonOptions): Promise<AcceptorDaemon> {
    if (options.dataDir) {
      const marker = join(options.dataDir, MARKER);
      if (existsSync(marker) && !options.role) {
        throw new AmnesiaError(
          `acceptor ${options.id} ran before (${marker}) and lost its votes on restart; ` +
            "start it with the floor and join the controller hands out (protocol §9)",
        );
      }
      mkdirSync(options.dataDir, { recursive: true });
      writeFileSync(marker, `${new Date().toISOString()}\n`);
    }
    const acceptor = new Acceptor({ id: options.id, ringSize: options.ringSize });
    for (const g of options.groups) acceptor.installRole(g, options.role ?? { floor: 0, join: 0 });
    let daemon: AcceptorDaemon | undefined;
    const endpoint = await UdpEndpoint.bind(options.bind, {
      paxos: (msg, from) => {
        if (!daemon) return;
        performSends(acceptor.handle(msg, formatAddress(from)), options.peers, endpoint);
      },
    });
    daemon = new AcceptorDaemon(endpoint, acceptor);
    return daemon;
  }

  get address(): Address {
    return this.endpoint.address;
  }

  /** Replaces the role entry of a group (the controller fencing an amnesiac acceptor). */
  setRole(group: number, role: AcceptorRole): void {
    this.acceptor.installRole(group, role);
  }

  stats(): {
    endpoint: EndpointStats;
    received: Record<string, number>;
    sent: Record<string, number>;
    drops: Record<string, number>;
  } {
    const c = this.acceptor.counters;
    return {
      endpoint: { ...this.endpoint.stats },
      received: { ...c.received },
      sent: { ...c.sent },
      drops: { ...c.drops },
    };
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }
}
