// Const entries on a two-field exact key and a const default action; nothing is installed at run time.
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
    action set(bit<9> port, bit<8> val) {
        standard_metadata.egress_spec = port;
        hdr.data.b1 = val;
    }
    action miss() {
        standard_metadata.egress_spec = 4;
        hdr.data.b1 = 0xEE;
    }

    table t {
        key = {
            hdr.data.f2 : exact;
            hdr.data.b2 : exact;
        }
        actions = { set; miss; }
        const default_action = miss();
        const entries = {
            (0x00000001, 0x01) : set(2, 0x21);
            (0x00000001, 0x02) : set(3, 0x22);
            (0x00000002, 0x01) : set(1, 0x23);
        }
    }

    apply {
        t.apply();
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
