// switch on table.apply().action_run: each action that ran selects a different branch.
#include <core.p4>
#include <v1model.p4>

header data_t {
    bit<32> f1;
    bit<32> f2;
    bit<16> h1;
    bit<8>  b1;
    bit<8>  b2;
}

struct headers_t {
    data_t data;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.data);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    action a1() { hdr.data.b1 = 0xA1; }
    action a2() { hdr.data.b1 = 0xA2; }
    action a3() { hdr.data.b1 = 0xA3; }

    table t {
        key = { hdr.data.h1 : exact; }
        actions = { a1; a2; a3; }
        default_action = a3();
    }

    apply {
        standard_metadata.egress_spec = 1;
        switch (t.apply().action_run) {
            a1: { hdr.data.b2 = 1; }
            a2: { hdr.data.b2 = 2; }
            default: { hdr.data.b2 = 0xFF; }
        }
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
    apply { packet.emit(hdr.data); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
