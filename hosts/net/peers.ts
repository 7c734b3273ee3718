// The static peer table of a host agent: where each role `Target` (src/paxos/effects.ts) goes.
// In a switch deployment the switches multicast; a host agent sends one unicast per peer, which
// is what the switches' multicast groups amount to for server-side roles.
import type { Target } from "../../src/paxos/effects.js";
import { type Address, formatAddress, tryParseAddress } from "./address.js";

export interface PeerTableInit {
  /** Every acceptor of every group: switch role addresses (port 34952) and server acceptors. */
  acceptors?: readonly Address[];
  /** Receivers of 2Bs: the learners and the server coordinators (which watch their recoveries). */
  learners?: readonly Address[];
  /** Per group: the service address its REQUESTs go to (serviceIp:34952 in a deployment). */
  coordinators?: Readonly<Record<number, Address>>;
  /** Receiver of DELIVERED reports (the controller agent); none: reports are not sent. */
  controller?: Address;
  /** Receivers of learners' gap reports (server coordinators, controller agent). */
  recovery?: readonly Address[];
  /** Other learners, for catch-up (host protocol). */
  learnerPeers?: readonly Address[];
  /** Proposers with fixed addresses (proposer id → address), for delivery notifications. */
  proposers?: Readonly<Record<number, Address>>;
}

export class PeerTable {
  readonly acceptors: readonly Address[];
  readonly learners: readonly Address[];
  readonly controller: Address | undefined;
  readonly recovery: readonly Address[];
  readonly learnerPeers: readonly Address[];
  readonly proposers: ReadonlyMap<number, Address>;
  private readonly coordinators: Map<number, Address>;
  /** Targets that resolved to nobody (a group without a service address, no controller). */
  unrouted = 0;

  constructor(init: PeerTableInit) {
    this.acceptors = [...(init.acceptors ?? [])];
    this.learners = [...(init.learners ?? [])];
    this.controller = init.controller;
    this.recovery = [...(init.recovery ?? [])];
    this.learnerPeers = [...(init.learnerPeers ?? [])];
    this.proposers = new Map(Object.entries(init.proposers ?? {}).map(([id, a]) => [Number(id), a]));
    this.coordinators = new Map(Object.entries(init.coordinators ?? {}).map(([g, a]) => [Number(g), a]));
  }

  /** Where REQUESTs of `group` go (undefined: nowhere known). */
  coordinator(group: number): Address | undefined {
    return this.coordinators.get(group);
  }

  /** Re-routes a group's REQUESTs (what the controller does to the switches' routes at failover). */
  setCoordinator(group: number, address: Address): void {
    this.coordinators.set(group, address);
  }

  /** The addresses a role's `Target` stands for; a `node` target is the sender's "ip:port". */
  resolve(to: Target): Address[] {
    let out: Address[] = [];
    switch (to.kind) {
      case "acceptors":
        out = [...this.acceptors];
        break;
      case "learners":
        out = [...this.learners];
        break;
      case "controller":
        out = this.controller ? [this.controller] : [];
        break;
      case "coordinator": {
        const a = this.coordinators.get(to.group);
        out = a ? [a] : [];
        break;
      }
      case "node": {
        const a = tryParseAddress(to.node);
        out = a ? [a] : [];
        break;
      }
    }
    if (out.length === 0) this.unrouted++;
    return out;
  }
}

export { formatAddress };
