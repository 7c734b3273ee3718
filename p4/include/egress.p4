// Egress: per-replica rewrite of the messages the roles produced, tx counters, PacketIn header.
#ifndef _PAXOS_EGRESS_P4_
#define _PAXOS_EGRESS_P4_

#include "headers.p4"

control MyEgress(inout headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    // Paxos messages the roles sent (one per copy), indexed by msgtype.
    counter(16, CounterType.packets) paxos_tx;

    // Address one copy of a multicast P2A / P2B to the host behind this replica.
    action rewrite_dst(bit<48> dstAddr, bit<32> ipDst, bit<16> udpDst) {
        hdr.ethernet.dstAddr = dstAddr;
        hdr.ipv4.dstAddr = ipDst;
        hdr.udp.dstPort = udpDst;
    }

    // Hand this copy to this switch's own roles (e.g. a P2A to its own acceptor).
    action loopback() {
        recirculate_preserving_field_list(0);
    }

    // Keyed by the replica id (rid) the controller gave each copy in the multicast groups.
    table replica {
        key = { standard_metadata.egress_rid : exact; }
        actions = { rewrite_dst; loopback; @defaultonly NoAction; }
        default_action = NoAction();
        size = 1024;
    }

    apply {
        if (meta.produced == 1) {
            if (standard_metadata.egress_rid != 0) {
                replica.apply();
            }
            paxos_tx.count((bit<32>)hdr.paxos.msgtype);
        }
        if (standard_metadata.egress_port == CPU_PORT) {
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = meta.ingress_port;
            hdr.packet_in._pad = 0;
        }
    }
}

#endif
