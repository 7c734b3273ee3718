// Bit slices (read and write), concatenation (++) and shifts.
#include <core.p4>
#include <v1model.p4>

header sc_t {
    bit<32> x;
    bit<16> y;
    bit<8>  hi;
    bit<8>  lo;
    bit<32> cat;
    bit<16> shl;
    bit<16> shr;
    bit<32> patched;
}

struct headers_t {
    sc_t s;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.s);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        hdr.s.hi = hdr.s.x[31:24];
        hdr.s.lo = hdr.s.x[7:0];
        hdr.s.cat = hdr.s.y ++ hdr.s.hi ++ hdr.s.lo;
        hdr.s.shl = hdr.s.y << 4;
        hdr.s.shr = hdr.s.y >> 4;
        hdr.s.patched[15:8] = hdr.s.lo;
        hdr.s.patched[3:0] = hdr.s.x[11:8];
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
    apply { packet.emit(hdr.s); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
