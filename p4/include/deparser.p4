// Checksum update and deparser.
#ifndef _PAXOS_DEPARSER_P4_
#define _PAXOS_DEPARSER_P4_

#include "headers.p4"

// The IPv4 checksum is recomputed for every IPv4 header without options (TTL and addresses may
// have changed). The UDP checksum of rewritten Paxos messages is set to 0 by the ingress instead
// (allowed for UDP over IPv4), which avoids summing the 64-byte value on every copy.
control MyComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
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

control MyDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
        packet.emit(hdr.paxos);
    }
}

#endif
