// hash() with CRC-16 (poly 0x8005 reflected, init 0, as BMv2's crc16) over a 9-byte field.
#include <core.p4>
#include <v1model.p4>

header msg_t {
    bit<72> text;
    bit<16> h16;
    bit<16> m16;
    bit<32> h32;
    bit<32> m32;
}

struct headers_t {
    msg_t msg;
}

struct meta_t { }

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.msg);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        // Full-width result: base 0, modulo 2^16 / 2^32.
        hash(hdr.msg.h16, HashAlgorithm.crc16, (bit<16>)0, { hdr.msg.text }, (bit<32>)65536);
        hash(hdr.msg.h32, HashAlgorithm.crc16, (bit<32>)0, { hdr.msg.text }, (bit<64>)0x100000000);
        // Bucketed result: base + (hash % max).
        hash(hdr.msg.m16, HashAlgorithm.crc16, (bit<16>)100, { hdr.msg.text }, (bit<32>)7);
        hash(hdr.msg.m32, HashAlgorithm.crc16, (bit<32>)1000, { hdr.msg.text }, (bit<32>)1000);
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
    apply { packet.emit(hdr.msg); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
