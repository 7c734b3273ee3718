// P4Info names and numbering conventions of p4/paxos.p4 (docs/dataplane.md) that the desired
// state uses. If the program's names change, this is the one place to follow them.

export const TABLES = {
  replica: "MyEgress.replica",
  portRole: "MyIngress.port_role",
  ipv4: "MyIngress.ipv4_lpm",
  l2: "MyIngress.l2_exact",
  acceptor: "MyIngress.acceptor.role",
  coordinator: "MyIngress.coordinator.role",
} as const;

/**
 * Tables in dependency order: an entry may refer to what earlier tables (and the multicast
 * groups) set up, e.g. the coordinator role sends to a group whose copies the replica table rewrites.
 * Inserts and modifies go in this order, deletes in reverse.
 */
export const TABLE_ORDER: readonly string[] = [
  TABLES.replica,
  TABLES.portRole,
  TABLES.ipv4,
  TABLES.l2,
  TABLES.acceptor,
  TABLES.coordinator,
];

export const ACTIONS = {
  setPortRole: "MyIngress.set_port_role",
  ipv4Forward: "MyIngress.ipv4_forward",
  l2Forward: "MyIngress.l2_forward",
  drop: "MyIngress.drop",
  setCoordinator: "MyIngress.coordinator.set_coordinator",
  refuse: "MyIngress.coordinator.refuse",
  setAcceptor: "MyIngress.acceptor.set_acceptor",
  rewriteDst: "MyEgress.rewrite_dst",
  loopback: "MyEgress.loopback",
  noAction: "NoAction",
} as const;

export const FIELDS = {
  ingressPort: "standard_metadata.ingress_port",
  ipv4Dst: "hdr.ipv4.dstAddr",
  ethDst: "hdr.ethernet.dstAddr",
  group: "hdr.paxos.group",
  egressRid: "standard_metadata.egress_rid",
} as const;

/** Bits of set_port_role(roles) (p4/include/constants.p4). */
export const PORT_PROPOSER = 1;
export const PORT_COORDINATOR = 2;
export const PORT_CONTROL = 4;

/** Multicast group ids on a switch: group g's acceptors and learners. Never 0. */
export const acceptorMgid = (group: number): number => 2 * group + 1;
export const learnerMgid = (group: number): number => 2 * group + 2;

/** Replica ids: hosts 1.., this switch's own acceptor (loopback) 0x8000, acceptor switches 0x8001.. */
export const RID_LOOPBACK = 0x8000;
export const hostRid = (hostIndex: number): number => 1 + hostIndex;
export const switchRid = (switchIndex: number): number => RID_LOOPBACK + 1 + switchIndex;
