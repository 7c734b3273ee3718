/* -*- P4_16 -*- */
// p4paxos data plane for v1model (BMv2 simple_switch): a switch serves as the Paxos coordinator
// and/or an acceptor of each group its controller configures, and forwards all other traffic.
// Specification: docs/protocol.md; tables, registers and counters: docs/dataplane.md.
// Build: p4c-bm2-ss --arch v1model -I p4 -o paxos.json --p4runtime-files paxos.p4info.txtpb p4/paxos.p4

#include <core.p4>
#include <v1model.p4>

#include "include/constants.p4"
#include "include/headers.p4"
#include "include/parser.p4"
#include "include/ingress.p4"
#include "include/egress.p4"
#include "include/deparser.p4"

V1Switch(MyParser(),
         MyVerifyChecksum(),
         MyIngress(),
         MyEgress(),
         MyComputeChecksum(),
         MyDeparser()) main;
