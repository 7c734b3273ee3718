// Packet headers and metadata of the Paxos data plane.
#ifndef _PAXOS_HEADERS_P4_
#define _PAXOS_HEADERS_P4_

#include "constants.p4"

// Prepended to packets sent to the controller (PacketIn).
@controller_header("packet_in")
header packet_in_t {
    bit<9> ingress_port;
    bit<7> _pad;
}

// Prepended by the controller (PacketOut). process = 0: transmit the rest unchanged out of
// egress_port. process = 1: run the pipeline on it as if it arrived on the CPU port.
@controller_header("packet_out")
header packet_out_t {
    bit<9> egress_port;
    bit<1> process;
    bit<6> _pad;
}

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4> version;
    bit<4> ihl;
    bit<8> diffserv;
    bit<16> totalLen;
    bit<16> identification;
    bit<3> flags;
    bit<13> fragOffset;
    bit<8> ttl;
    bit<8> protocol;
    bit<16> hdrChecksum;
    bit<32> srcAddr;
    bit<32> dstAddr;
}

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> len;
    bit<16> checksum;
}

// The Paxos header: same field names, widths and order as PAXOS_FIELDS in src/wire/header.ts.
header paxos_t {
    bit<8> version;
    bit<8> msgtype;
    bit<16> group;
    bit<32> instance;
    bit<32> round;
    bit<32> vround;
    bit<16> acceptor;
    bit<16> vlen;
    bit<32> proposer;
    bit<32> seq;
    bit<32> aux;
    bit<(VALUE_SIZE * 8)> value;
}

struct headers_t {
    packet_in_t packet_in;
    packet_out_t packet_out;
    ethernet_t ethernet;
    ipv4_t ipv4;
    udp_t udp;
    paxos_t paxos;
}

struct metadata_t {
    // Port the packet came in on, for PacketIn (listed so field list 0 is not empty).
    @field_list(0)
    bit<9> ingress_port;
    bit<8> port_roles;       // PORT_* permissions of the ingress port
    bit<8> verdict;          // VERDICT_* decided by the roles
    bit<8> reason;           // DROP_* to count, or DROP_NONE
    bit<1> produced;         // 1: the roles generated or rewrote this Paxos message
    bit<16> mcast_grp;       // replication group for VERDICT_MCAST
    bit<32> coord_round;     // coordinator role entry: round in use
    bit<16> coord_mgid;      // coordinator role entry: acceptors' multicast group
    bit<1> coord_refuse;     // coordinator role entry is refuse(): answer REQUESTs NACK_NOQUORUM
    bit<32> coord_nack_aux;  // refuse(): aux of the NACK_NOQUORUM (alive, acceptors, quorum)
    bit<16> acc_id;          // acceptor role entry: acceptor id
    bit<16> acc_mgid;        // acceptor role entry: learners' multicast group
    bit<32> acc_floor;       // acceptor role entry: lowest round it may take part in
    bit<32> acc_join;        // acceptor role entry: highest instance it must not take part in
}

#endif
