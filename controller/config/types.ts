// A validated deployment: what the file says with defaults filled in, plus what follows from it
// (acceptor set, quorum, links). Produced only by parseDeployment / loadDeployment.

export interface P4Params {
  program: string;
  ringSize: number;
  maxGroups: number;
  valueSize: number;
  cpuPort: number;
}

export interface Timeouts {
  heartbeatMs: number;
  failoverMs: number;
  gapMs: number;
  retryMs: number;
}

export interface GroupConfig {
  id: number;
  /** Proposers send this group's REQUESTs here (UDP port PAXOS_UDP_PORT). */
  serviceIp: string;
}

export interface PaxosConfig {
  groups: GroupConfig[];
  timeouts: Timeouts;
  stateFile: string;
}

export interface TlsConfig {
  ca: string;
  cert?: string;
  key?: string;
}

/** What a switch port is cabled to. */
export type PortPeer = { kind: "host"; host: string } | { kind: "switch"; switch: string; port: number };

export interface SwitchPort {
  port: number;
  /** As written: a host name or `switch:NAME:PORT`. */
  to: string;
  peer: PortPeer;
}

export interface SwitchRoles {
  coordinator?: { id: number; groups: number[] };
  acceptor?: { id: number };
}

export interface SwitchConfig {
  name: string;
  address: string;
  deviceId: number;
  electionId?: number;
  cpuPort: number;
  ip?: string;
  mac?: string;
  roles: SwitchRoles;
  tls?: TlsConfig;
  ports: SwitchPort[];
}

export interface HostRoles {
  proposer?: { id: number };
  learner?: { id: number };
  "server-coordinator"?: { id: number; groups: number[] };
  "server-acceptor"?: { id: number };
  kv?: true;
  "controller-agent"?: true;
}

export interface HostConfig {
  name: string;
  ip: string;
  mac: string;
  udpPort: number;
  switch: string;
  port: number;
  roles: HostRoles;
}

/** One acceptor of every group: a switch, or a server-side acceptor host. */
export interface AcceptorRef {
  id: number;
  kind: "switch" | "host";
  name: string;
}

/** A cable. Switch–switch links are listed once, with `a` < `b` by name (then port). */
export type Link =
  | { kind: "host"; host: string; switch: string; port: number }
  | { kind: "switch"; a: string; aPort: number; b: string; bPort: number };

export interface Deployment {
  name: string;
  p4: P4Params;
  paxos: PaxosConfig;
  switches: SwitchConfig[];
  hosts: HostConfig[];
  /** Derived: every acceptor, by id. */
  acceptors: AcceptorRef[];
  /** Derived: ⌊N/2⌋ + 1 of the N acceptors. */
  quorum: number;
  /** Derived: every cable, for a topology builder (hosts first, in host order, then switch links). */
  links: Link[];
}
