// setValid / setInvalid / isValid: the ingress inserts or removes a header and the deparser emits only valid ones.
#include <core.p4>
#include <v1model.p4>

header data_t {
    bit<32> f1;
    bit<32> f2;
    bit<16> h1;
    bit<8>  b1;
    bit<8>  b2;
}

header extra_t {
    bit<16> v;
}

struct headers_t {
    data_t  data;
    extra_t extra;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.data);
        transition select(hdr.data.b2) {
            1: parse_extra;
            default: accept;
        }
    }

    state parse_extra {
        packet.extract(hdr.extra);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.data.b1 == 1 && !hdr.extra.isValid()) {
            hdr.extra.setValid();
            hdr.extra.v = 0xABCD;
            hdr.data.b2 = 1;
        } else if (hdr.data.b1 == 2 && hdr.extra.isValid()) {
            hdr.extra.setInvalid();
            hdr.data.b2 = 0;
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
    apply { packet.emit(hdr.data);
        packet.emit(hdr.extra); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
