// What the controller wants each switch to hold, in the friendly entry form the P4Info index
// (src/p4runtime/p4info-index.ts, TableEntrySpec) turns into P4Runtime messages.

/** A match-field or parameter value: an integer, or text ("10.0.0.1", "00:11:22:33:44:55", "0x1f"). */
export type FriendlyValue = number | bigint | string;

/** Exact matches are bare values; lpm is `{ lpm: [address, prefixLength] }`. */
export type FriendlyMatch =
  | FriendlyValue
  | { exact: FriendlyValue }
  | { lpm: readonly [FriendlyValue, number] };

export interface FriendlyEntry {
  /** Fully qualified P4Info table name, e.g. `MyIngress.ipv4_lpm`. */
  table: string;
  /** By P4Info match-field name; empty for a default entry. */
  match: Record<string, FriendlyMatch>;
  action: string;
  params: Record<string, FriendlyValue>;
  /** Only for tables with ternary/range/optional keys (none in p4/paxos.p4). */
  priority?: number;
  /** A default-action setting rather than an entry. */
  isDefault?: boolean;
}

export interface Replica {
  /** Egress port of the copy. */
  port: number;
  /** Replica id (egress_rid); 0 is never rewritten. */
  rid: number;
}

export interface MulticastGroup {
  id: number;
  replicas: Replica[];
}

export interface CloneSession {
  id: number;
  replicas: Replica[];
}

/** One switch's desired contents; every list is in a stable order. */
export interface SwitchDesired {
  switch: string;
  deviceId: number;
  tableEntries: FriendlyEntry[];
  multicastGroups: MulticastGroup[];
  /** The program uses no clone sessions; present so a reconciler can remove stray ones. */
  cloneSessions: CloneSession[];
  defaultActions: FriendlyEntry[];
}

export interface DesiredState {
  switches: SwitchDesired[];
}

/** protocol §9: an acceptor that lost its state takes part only in rounds ≥ floor, instances > join. */
export interface AcceptorFence {
  floor: number;
  join: number;
}

/** Where a group's REQUESTs are routed (the group's serviceIp). */
export type RequestTarget = "switch" | "server" | "none";

export interface GroupState {
  /** Round of the switch coordinator's role entry (epoch × 256 + coordinator id). */
  round: number;
  /** Install the coordinator role entry on the group's coordinator switch. */
  switchRole: boolean;
  /**
   * Route REQUESTs (serviceIp) to the coordinator switch, to a server-side coordinator, or
   * nowhere (dropped: between steps of a takeover or hand-back, protocol §7).
   */
  requestsTo: RequestTarget;
  /** Host serving the group when requestsTo = "server"; default: the first server-coordinator of the group. */
  serverCoordinator?: string;
  /** Trim watermark W(g) (protocol §8). */
  trim: number;
  /** Per acceptor id; a missing id means { floor: 0, join: 0 } (never lost its state). */
  acceptors: Record<number, AcceptorFence>;
  /**
   * Set while the controller sees fewer acceptors alive than a quorum (`alive` of them): the
   * coordinator switch's role entry is `refuse` instead of `set_coordinator`, so REQUESTs are
   * answered NACK_NOQUORUM and nothing is stamped. Absent (older state files too): serving.
   */
  noQuorum?: { alive: number };
}

export interface ControllerState {
  groups: Record<number, GroupState>;
  /** Switches known to be down: nothing is computed for them and no path crosses them. */
  down: string[];
}
