// Parser and checksum verification. Paxos is recognised by the UDP destination port only;
// everything else (ARP, IPv4 with options, fragments, other UDP/TCP) is parsed as far as the
// forwarding tables need and passed on as ordinary traffic.
#ifndef _PAXOS_PARSER_P4_
#define _PAXOS_PARSER_P4_

#include "headers.p4"

parser MyParser(packet_in packet,
                out headers_t hdr,
                inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        // Only fresh packets from the CPU port carry a packet_out header; a recirculated
        // copy never does, whatever port it reports.
        transition select(standard_metadata.ingress_port, standard_metadata.instance_type) {
            (CPU_PORT, 0): parse_packet_out;
            default: parse_ethernet;
        }
    }

    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        // UDP only without IP options and in unfragmented datagrams (or first fragments
        // with offset 0 and no options), which is all Paxos ever uses.
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (5, 0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dstPort) {
            PAXOS_UDP_PORT: parse_paxos;
            default: accept;
        }
    }

    // A datagram too short for the header fails here (PacketTooShort): hdr.paxos stays
    // invalid and the ingress counts it as malformed.
    state parse_paxos {
        packet.extract(hdr.paxos);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version,
              hdr.ipv4.ihl,
              hdr.ipv4.diffserv,
              hdr.ipv4.totalLen,
              hdr.ipv4.identification,
              hdr.ipv4.flags,
              hdr.ipv4.fragOffset,
              hdr.ipv4.ttl,
              hdr.ipv4.protocol,
              hdr.ipv4.srcAddr,
              hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum,
            HashAlgorithm.csum16);
    }
}

#endif
