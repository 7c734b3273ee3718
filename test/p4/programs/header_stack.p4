// A header stack filled by a parser loop (next / last), then pop_front and indexed writes in the ingress.
#include <core.p4>
#include <v1model.p4>

header tag_t {
    bit<8> val;
    bit<8> more;
}

header count_t {
    bit<8> parsed;
}

struct headers_t {
    count_t  count;
    tag_t[4] tags;
}

struct meta_t {
    bit<8> parsed;
}

parser MyParser(packet_in packet, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.count);
        transition parse_tag;
    }

    state parse_tag {
        packet.extract(hdr.tags.next);
        meta.parsed = meta.parsed + 1;
        transition select(hdr.tags.last.more) {
            0: accept;
            default: parse_tag;
        }
    }
}

control MyVerifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        hdr.count.parsed = meta.parsed;
        hdr.tags.pop_front(1);
        if (hdr.tags[0].isValid()) {
            hdr.tags[0].val = 0xAA;
        }
        if (!hdr.tags[2].isValid()) {
            hdr.count.parsed = hdr.count.parsed | 0x80;
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
    apply { packet.emit(hdr.count);
        packet.emit(hdr.tags); }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(), MyDeparser()) main;
