// Ingress: validation, port filtering, the Paxos roles, and forwarding of everything else.
#ifndef _PAXOS_INGRESS_P4_
#define _PAXOS_INGRESS_P4_

#include "headers.p4"
#include "coordinator.p4"
#include "acceptor.p4"

control MyIngress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    // Well-formed Paxos messages received, indexed by msgtype.
    counter(16, CounterType.packets) paxos_rx;
    // Drops and refusals, indexed by DROP_* reason.
    counter(16, CounterType.packets) drops;

    Coordinator() coordinator;
    Acceptor() acceptor;

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action set_port_role(bit<8> roles) {
        meta.port_roles = roles;
    }

    // What faces each port: PORT_PROPOSER | PORT_COORDINATOR | PORT_CONTROL bits.
    // Ports without an entry may send no REQUEST, P1A, P2A, TRIM, SYNC or PING.
    table port_role {
        key = { standard_metadata.ingress_port : exact; }
        actions = { set_port_role; @defaultonly NoAction; }
        default_action = NoAction();
        size = 512;
    }

    action ipv4_forward(bit<48> dstAddr, bit<9> port) {
        standard_metadata.egress_spec = port;
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = dstAddr;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table ipv4_lpm {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { ipv4_forward; drop; }
        default_action = drop();
        size = 1024;
    }

    action l2_forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    // Non-IPv4 traffic (ARP) and IPv4 with options, by destination MAC.
    table l2_exact {
        key = { hdr.ethernet.dstAddr : exact; }
        actions = { l2_forward; drop; }
        default_action = drop();
        size = 1024;
    }

    apply {
        meta.ingress_port = standard_metadata.ingress_port;
        meta.port_roles = 0;
        meta.verdict = VERDICT_FORWARD;
        meta.reason = DROP_NONE;
        meta.produced = 0;
        meta.mcast_grp = 0;
        meta.coord_round = 0;
        meta.coord_mgid = 0;
        meta.coord_refuse = 0;
        meta.coord_nack_aux = 0;
        // Local copies of the coordinator (recirculated) and the controller are trusted.
        bool trusted = standard_metadata.instance_type == INSTANCE_RECIRC;
        bool raw_out = false;
        if (hdr.packet_out.isValid()) {
            if (hdr.packet_out.process == 0) {
                standard_metadata.egress_spec = hdr.packet_out.egress_port;
                raw_out = true;
            }
            trusted = true;
            hdr.packet_out.setInvalid();
        }

        if (!raw_out) {
            bool paxos_port = hdr.udp.isValid() && hdr.udp.dstPort == PAXOS_UDP_PORT;
            if (standard_metadata.checksum_error == 1) {
                meta.verdict = VERDICT_DROP;
                if (paxos_port) {
                    meta.reason = DROP_MALFORMED;
                }
            } else if (paxos_port && !hdr.paxos.isValid()) {
                // Datagram shorter than the Paxos header.
                meta.reason = DROP_MALFORMED;
                meta.verdict = VERDICT_DROP;
            } else if (hdr.paxos.isValid()) {
                bit<8> t = hdr.paxos.msgtype;
                if (hdr.paxos.version != PAXOS_VERSION) {
                    meta.reason = DROP_BAD_VERSION;
                    meta.verdict = VERDICT_DROP;
                } else if (hdr.paxos.vlen > VALUE_SIZE || t == 0 || t > MSG_MAX) {
                    meta.reason = DROP_MALFORMED;
                    meta.verdict = VERDICT_DROP;
                } else {
                    paxos_rx.count((bit<32>)t);
                    port_role.apply();
                    if (trusted) {
                        meta.port_roles = PORT_ALL;
                    }
                    bit<8> needed = 0;
                    if (t == MSG_REQUEST) {
                        needed = PORT_PROPOSER;
                    } else if (t == MSG_P1A || t == MSG_P2A) {
                        needed = PORT_COORDINATOR;
                    } else if (t == MSG_TRIM || t == MSG_SYNC || t == MSG_PING) {
                        needed = PORT_CONTROL;
                    }
                    if ((meta.port_roles & needed) != needed) {
                        meta.reason = DROP_PORT_FILTER;
                        meta.verdict = VERDICT_DROP;
                    } else if (hdr.paxos.group < MAX_GROUPS) {
                        if (t == MSG_REQUEST || t == MSG_TRIM || t == MSG_SYNC || t == MSG_PING) {
                            coordinator.apply(hdr, meta, standard_metadata);
                        }
                        if (t == MSG_P1A || t == MSG_P2A || t == MSG_TRIM) {
                            acceptor.apply(hdr, meta, standard_metadata);
                        }
                    }
                }
            }

            if (meta.verdict == VERDICT_REPLY) {
                // Back to the sender, from the address it wrote to.
                bit<48> mac = hdr.ethernet.dstAddr;
                hdr.ethernet.dstAddr = hdr.ethernet.srcAddr;
                hdr.ethernet.srcAddr = mac;
                bit<32> ip = hdr.ipv4.dstAddr;
                hdr.ipv4.dstAddr = hdr.ipv4.srcAddr;
                hdr.ipv4.srcAddr = ip;
                bit<16> udp_port = hdr.udp.dstPort;
                hdr.udp.dstPort = hdr.udp.srcPort;
                hdr.udp.srcPort = udp_port;
                hdr.udp.checksum = 0;
                standard_metadata.egress_spec = standard_metadata.ingress_port;
                meta.produced = 1;
            } else if (meta.verdict == VERDICT_MCAST) {
                // From the address the message was sent to (the service address for a P2A, the
                // acceptor switch's for a P2B), not the original sender's: a host must never
                // receive its own address as source (Linux drops it as a martian), and a learner
                // that asked for a no-op would never hear its 2Bs.
                hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
                hdr.ipv4.srcAddr = hdr.ipv4.dstAddr;
                hdr.udp.srcPort = hdr.udp.dstPort;
                // No unicast copy: only the group's replicas leave.
                mark_to_drop(standard_metadata);
                standard_metadata.mcast_grp = meta.mcast_grp;
                if (meta.mcast_grp == 0) {
                    meta.reason = DROP_NO_ROLE;
                }
                hdr.udp.checksum = 0;
                meta.produced = 1;
            } else if (meta.verdict != VERDICT_FORWARD) {
                mark_to_drop(standard_metadata);
            } else if (hdr.ipv4.isValid() && hdr.ipv4.ihl == 5) {
                switch (ipv4_lpm.apply().action_run) {
                    drop: {
                        if (hdr.paxos.isValid()) {
                            bit<8> t2 = hdr.paxos.msgtype;
                            if (t2 == MSG_REQUEST || t2 == MSG_P1A || t2 == MSG_P2A ||
                                t2 == MSG_TRIM || t2 == MSG_SYNC || t2 == MSG_PING) {
                                // Nobody here serves it and there is no route to who does.
                                meta.reason = DROP_NO_ROLE;
                            } else {
                                meta.reason = DROP_NO_ROUTE;
                            }
                        }
                    }
                }
            } else {
                l2_exact.apply();
            }

            if (meta.reason != DROP_NONE) {
                drops.count((bit<32>)meta.reason);
            }
        }
    }
}

#endif
