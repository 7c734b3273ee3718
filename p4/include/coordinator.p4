// Coordinator role (docs/protocol.md §4): stamps REQUESTs with the group's next instance and the
// round of the role entry, and sends them to the acceptors as P2A — or, while the controller sees
// too few acceptors alive (role entry `refuse`), answers them NACK_NOQUORUM without stamping.
// Handles TRIM, SYNC and PING.
// Every field a message type does not use is zeroed, as src/paxos/coordinator.ts does.
// It rewrites hdr.paxos in place and leaves the delivery decision in meta.verdict.
#ifndef _PAXOS_COORDINATOR_P4_
#define _PAXOS_COORDINATOR_P4_

#include "headers.p4"

control Coordinator(inout headers_t hdr,
                    inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    // next[g]: next instance to issue; 0 stands for the initial value 1.
    register<bit<32>>(MAX_GROUPS) next_instance;
    // trim[g]: trim watermark; the coordinator never issues i > trim + RING_SIZE.
    register<bit<32>>(MAX_GROUPS) trim;

    action set_coordinator(bit<32> round, bit<16> acceptor_mgid) {
        meta.coord_round = round;
        meta.coord_mgid = acceptor_mgid;
    }

    // Fewer acceptors alive than a quorum: REQUESTs are answered NACK_NOQUORUM (aux = nack_aux)
    // and stamp nothing; `next` is kept. PONG still reports `round`, the round the switch serves in.
    action refuse(bit<32> round, bit<32> nack_aux) {
        meta.coord_round = round;
        meta.coord_refuse = 1;
        meta.coord_nack_aux = nack_aux;
    }

    // One entry per group this switch coordinates.
    table role {
        key = { hdr.paxos.group : exact; }
        actions = { set_coordinator; refuse; @defaultonly NoAction; }
        default_action = NoAction();
        size = MAX_GROUPS;
    }

    apply {
        // Only REQUEST needs the role entry. TRIM, SYNC and PING work without it, so the
        // controller can set the next instance (and read it back in a PONG, round 0) before the
        // switch may issue anything (docs/protocol.md §7, hand-back to a switch).
        bool is_coordinator = false;
        if (role.apply().hit) {
            is_coordinator = true;
        }
        bit<32> g = (bit<32>)hdr.paxos.group;
        bit<32> nxt;
        bit<32> t;
        next_instance.read(nxt, g);
        trim.read(t, g);
        if (nxt == 0) {
            nxt = 1;
        }

        if (hdr.paxos.msgtype == MSG_REQUEST) {
            if (is_coordinator) {
                if (meta.coord_refuse == 1) {
                    // No quorum: nothing is stamped, the proposer hears why at once.
                    hdr.paxos.msgtype = MSG_NACK_NOQUORUM;
                    hdr.paxos.instance = 0;
                    hdr.paxos.round = 0;
                    hdr.paxos.vround = 0;
                    hdr.paxos.acceptor = 0;
                    hdr.paxos.vlen = 0;
                    hdr.paxos.value = 0;
                    hdr.paxos.aux = meta.coord_nack_aux;
                    meta.reason = DROP_NO_QUORUM;
                    meta.verdict = VERDICT_REPLY;
                } else if (nxt > t + RING_SIZE) {
                    // Ring full: the acceptors could not store instance `nxt` yet.
                    hdr.paxos.msgtype = MSG_NACK_FULL;
                    hdr.paxos.instance = 0;
                    hdr.paxos.round = 0;
                    hdr.paxos.vround = 0;
                    hdr.paxos.acceptor = 0;
                    hdr.paxos.vlen = 0;
                    hdr.paxos.value = 0;
                    hdr.paxos.aux = t;
                    meta.reason = DROP_COORD_FULL;
                    meta.verdict = VERDICT_REPLY;
                } else {
                    next_instance.write(g, nxt + 1);
                    // Only the first vlen bytes are the value: zero the rest.
                    hdr.paxos.value = hdr.paxos.value &
                        ~(~(bit<(VALUE_SIZE * 8)>)0 >> (hdr.paxos.vlen << 3));
                    hdr.paxos.msgtype = MSG_P2A;
                    hdr.paxos.instance = nxt;
                    hdr.paxos.round = meta.coord_round;
                    hdr.paxos.vround = 0;
                    hdr.paxos.acceptor = 0;
                    hdr.paxos.aux = 0;
                    meta.mcast_grp = meta.coord_mgid;
                    meta.verdict = VERDICT_MCAST;
                }
            }
        } else if (hdr.paxos.msgtype == MSG_TRIM) {
            if (hdr.paxos.instance > t) {
                trim.write(g, hdr.paxos.instance);
            }
            meta.verdict = VERDICT_CONSUME;
        } else if (hdr.paxos.msgtype == MSG_SYNC) {
            if (hdr.paxos.instance > nxt) {
                next_instance.write(g, hdr.paxos.instance);
            }
            meta.verdict = VERDICT_CONSUME;
        } else if (hdr.paxos.msgtype == MSG_PING) {
            hdr.paxos.msgtype = MSG_PONG;
            hdr.paxos.round = meta.coord_round;
            hdr.paxos.instance = nxt;
            hdr.paxos.vround = t;
            hdr.paxos.acceptor = 0;
            hdr.paxos.vlen = 0;
            hdr.paxos.proposer = 0;
            hdr.paxos.seq = 0;
            hdr.paxos.value = 0;
            meta.verdict = VERDICT_REPLY;
        }
    }
}

#endif
