// hash() with identity (the data itself) and csum16 (Internet checksum) over tuples of fields.
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<16> a;
    bit<8>  b;
    bit<8>  c;
    bit<32> d;
}

header out_t {
    bit<32> ident_ab;
    bit<32> ident_d;
    bit<16> csum;
    bit<16> csum_swapped;
}

struct headers_t {
    in_t  i;
    out_t o;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.i);
        packet.extract(hdr.o);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        hash(hdr.o.ident_ab, HashAlgorithm.identity, (bit<32>)0, { hdr.i.a, hdr.i.b }, (bit<64>)0x100000000);
        hash(hdr.o.ident_d, HashAlgorithm.identity, (bit<32>)0, { hdr.i.d }, (bit<64>)0x100000000);
        hash(hdr.o.csum, HashAlgorithm.csum16, (bit<16>)0, { hdr.i.a, hdr.i.b, hdr.i.c, hdr.i.d }, (bit<32>)65536);
        hash(hdr.o.csum_swapped, HashAlgorithm.csum16, (bit<16>)0, { hdr.i.a, hdr.i.c, hdr.i.b }, (bit<32>)65536);
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
    apply { packet.emit(hdr.i);
        packet.emit(hdr.o); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
