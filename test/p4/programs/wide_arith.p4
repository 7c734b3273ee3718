// Wrap-around of bit<8> and bit<64> +, -, *, saturating |+| |-| on bit<8> and int<8>, and a bit<128> increment.
#include <core.p4>
#include <v1model.p4>

header arith_t {
    bit<8>  a8;
    bit<8>  b8;
    bit<8>  sum8;
    bit<8>  diff8;
    bit<8>  usat_add;
    bit<8>  usat_sub;
    int<8>  s8;
    int<8>  t8;
    int<8>  ssat_add;
    int<8>  ssat_sub;
    bit<64> a64;
    bit<64> b64;
    bit<64> sum64;
    bit<64> prod64;
    bit<128> wide;
}

struct headers_t {
    arith_t x;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.x);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        hdr.x.sum8 = hdr.x.a8 + hdr.x.b8;
        hdr.x.diff8 = hdr.x.a8 - hdr.x.b8;
        hdr.x.usat_add = hdr.x.a8 |+| hdr.x.b8;
        hdr.x.usat_sub = hdr.x.a8 |-| hdr.x.b8;
        hdr.x.ssat_add = hdr.x.s8 |+| hdr.x.t8;
        hdr.x.ssat_sub = hdr.x.s8 |-| hdr.x.t8;
        hdr.x.sum64 = hdr.x.a64 + hdr.x.b64;
        hdr.x.prod64 = hdr.x.a64 * hdr.x.b64;
        hdr.x.wide = hdr.x.wide + 1;
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
    apply { packet.emit(hdr.x); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
