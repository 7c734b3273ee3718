// Casts: widening (zero-extend), narrowing (truncate), signed widening (sign-extend) and bool to bit<1>.
#include <core.p4>
#include <v1model.p4>

header c_t {
    bit<8>  b8;
    bit<32> w32;
    bit<32> widened;
    bit<8>  narrowed;
    bit<16> sign_extended;
    bit<16> zero_extended;
    bit<8>  flag;
}

struct headers_t {
    c_t c;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.c);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        hdr.c.widened = (bit<32>)hdr.c.b8;
        hdr.c.narrowed = (bit<8>)hdr.c.w32;
        int<8> s = (int<8>)hdr.c.b8;
        hdr.c.sign_extended = (bit<16>)(int<16>)s;
        hdr.c.zero_extended = (bit<16>)hdr.c.b8;
        bit<1> big = (bit<1>)(hdr.c.w32 > 1000);
        hdr.c.flag = (bit<8>)big;
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
    apply { packet.emit(hdr.c); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
