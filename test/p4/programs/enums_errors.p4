// A serializable enum (enum bit<8>) cast from a header field, a plain enum in a local, and error values.
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
enum bit<8> Kind {
    A = 1,
    B = 2
}

enum Color {
    Red,
    Green
}


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
    apply {
        Kind k = (Kind)hdr.data.b1;
        if (k == Kind.A) {
            hdr.data.b2 = 0x0A;
        } else if (k == Kind.B) {
            hdr.data.b2 = 0x0B;
        } else {
            hdr.data.b2 = 0x00;
        }
        Color c = Color.Red;
        if (hdr.data.h1 == 7) {
            c = Color.Green;
        }
        if (c == Color.Green) {
            hdr.data.f2 = 0x600D;
        }
        error e = standard_metadata.parser_error;
        if (e == error.NoError) {
            hdr.data.f1 = (bit<32>)(bit<8>)Kind.B;
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
    apply { packet.emit(hdr.data); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
