// lookahead<bit<8>>() peeks at the first byte without consuming it and chooses the header format.
#include <core.p4>
#include <v1model.p4>

header short_t {
    bit<8> kind;
    bit<8> x;
}

header long_t {
    bit<8>  kind;
    bit<8>  x;
    bit<16> y;
}

struct headers_t {
    short_t s;
    long_t  l;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        transition select(packet.lookahead<bit<8>>()) {
            1: parse_short;
            2: parse_long;
            default: accept;
        }
    }

    state parse_short {
        packet.extract(hdr.s);
        transition accept;
    }

    state parse_long {
        packet.extract(hdr.l);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.s.isValid()) {
            hdr.s.x = 0x51;
        }
        if (hdr.l.isValid()) {
            hdr.l.x = 0x4C;
            hdr.l.y = hdr.l.y + 1;
        }
        standard_metadata.egress_spec = 1;
    }
}

control MyEgress(inout headers_t hdr, inout meta_t meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control MyComputeChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyDeparser(packet_out packet, in headers_t hdr) {
    apply { packet.emit(hdr.s);
        packet.emit(hdr.l); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
