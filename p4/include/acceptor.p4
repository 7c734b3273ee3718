// Acceptor role (docs/protocol.md §5): the rules below are numbered as in the specification and
// applied in the same order. Slot state lives in register arrays indexed by
// group * RING_SIZE + (instance & (RING_SIZE - 1)). It rewrites hdr.paxos in place and leaves the
// delivery decision in meta.verdict and the drop reason in meta.reason.
#ifndef _PAXOS_ACCEPTOR_P4_
#define _PAXOS_ACCEPTOR_P4_

#include "headers.p4"

control Acceptor(inout headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    // Per slot: the instance stored in it, the promised round, and the vote.
    register<bit<32>>(SLOTS) slot_inst;
    register<bit<32>>(SLOTS) slot_rnd;
    register<bit<32>>(SLOTS) slot_vrnd;
    register<bit<16>>(SLOTS) slot_vlen;
    register<bit<32>>(SLOTS) slot_proposer;
    register<bit<32>>(SLOTS) slot_seq;
    register<bit<(VALUE_SIZE * 8)>>(SLOTS) slot_value;
    // Per group: fence round, trim watermark, highest instance voted.
    register<bit<32>>(MAX_GROUPS) minround;
    register<bit<32>>(MAX_GROUPS) trim;
    register<bit<32>>(MAX_GROUPS) maxinst;

    action set_acceptor(bit<16> acceptor_id, bit<16> learner_mgid, bit<32> floor, bit<32> join) {
        meta.acc_id = acceptor_id;
        meta.acc_mgid = learner_mgid;
        meta.acc_floor = floor;
        meta.acc_join = join;
    }

    // NACK_ROUND carries no vote: zero those fields, as src/paxos/acceptor.ts does.
    action clear_vote() {
        hdr.paxos.vround = 0;
        hdr.paxos.vlen = 0;
        hdr.paxos.proposer = 0;
        hdr.paxos.seq = 0;
        hdr.paxos.value = 0;
    }

    // One entry per group this switch is an acceptor of.
    table role {
        key = { hdr.paxos.group : exact; }
        actions = { set_acceptor; @defaultonly NoAction; }
        default_action = NoAction();
        size = MAX_GROUPS;
    }

    apply {
        if (role.apply().hit) {
            bit<32> g = (bit<32>)hdr.paxos.group;
            bit<32> i = hdr.paxos.instance;
            bit<32> r = hdr.paxos.round;
            bit<32> t;
            trim.read(t, g);

            if (hdr.paxos.msgtype == MSG_TRIM) {
                if (i > t) {
                    trim.write(g, i);
                }
                meta.verdict = VERDICT_CONSUME;
            } else {
                bool is_p1a = hdr.paxos.msgtype == MSG_P1A;
                bit<32> mr;
                minround.read(mr, g);
                bit<32> minr = mr;
                if (meta.acc_floor > minr) {
                    minr = meta.acc_floor;
                }

                if (is_p1a && r == 0) {
                    // 0. Liveness probe: round 0 is no round. Answer NACK_ROUND (aux = minr),
                    // instance echoed, and touch no register.
                    hdr.paxos.msgtype = MSG_NACK_ROUND;
                    hdr.paxos.acceptor = meta.acc_id;
                    hdr.paxos.aux = minr;
                    clear_vote();
                    meta.verdict = VERDICT_REPLY;
                } else if (i <= meta.acc_join) {
                    // 1. The instance may have been voted in before a restart.
                    meta.reason = DROP_AMNESIA;
                    meta.verdict = VERDICT_DROP;
                } else {
                    // 2. Fence: a P1A with the FENCE flag raises the group's minimum round.
                    if (is_p1a && (hdr.paxos.aux & P1A_FLAG_FENCE) != 0 && r >= minr) {
                        minround.write(g, r);
                    }

                    if (r < minr) {
                        // 3. Below the group's minimum round.
                        meta.reason = DROP_ROUND_LOW;
                        if (is_p1a) {
                            hdr.paxos.msgtype = MSG_NACK_ROUND;
                            hdr.paxos.acceptor = meta.acc_id;
                            hdr.paxos.aux = minr;
                            clear_vote();
                            meta.verdict = VERDICT_REPLY;
                        } else {
                            meta.verdict = VERDICT_DROP;
                        }
                    } else {
                        // 4. Slot check.
                        bit<32> slot = g * RING_SIZE + (i & RING_MASK);
                        bit<32> s_inst;
                        slot_inst.read(s_inst, slot);
                        bool usable = false;
                        bool fresh = false;
                        if (s_inst == i) {
                            usable = true;
                        } else if (s_inst > i) {
                            meta.reason = DROP_STALE;
                            meta.verdict = VERDICT_DROP;
                        } else if (s_inst <= t) {
                            // Older instance at or below the watermark (or empty): reuse.
                            usable = true;
                            fresh = true;
                        } else {
                            meta.reason = DROP_RING_FULL;
                            meta.verdict = VERDICT_DROP;
                        }

                        if (usable) {
                            // A reused slot reads as all zeros.
                            bit<32> s_rnd = 0;
                            if (!fresh) {
                                slot_rnd.read(s_rnd, slot);
                            }
                            if (r < s_rnd) {
                                // 5. Below the round promised in this slot.
                                meta.reason = DROP_ROUND_LOW;
                                if (is_p1a) {
                                    hdr.paxos.msgtype = MSG_NACK_ROUND;
                                    hdr.paxos.acceptor = meta.acc_id;
                                    hdr.paxos.aux = s_rnd;
                                    clear_vote();
                                    meta.verdict = VERDICT_REPLY;
                                } else {
                                    meta.verdict = VERDICT_DROP;
                                }
                            } else if (is_p1a) {
                                // 6. Promise; report the slot's vote (zeros if none).
                                bit<32> s_vrnd = 0;
                                bit<16> s_vlen = 0;
                                bit<32> s_proposer = 0;
                                bit<32> s_seq = 0;
                                bit<(VALUE_SIZE * 8)> s_value = 0;
                                if (!fresh) {
                                    slot_vrnd.read(s_vrnd, slot);
                                    slot_vlen.read(s_vlen, slot);
                                    slot_proposer.read(s_proposer, slot);
                                    slot_seq.read(s_seq, slot);
                                    slot_value.read(s_value, slot);
                                }
                                slot_inst.write(slot, i);
                                slot_rnd.write(slot, r);
                                slot_vrnd.write(slot, s_vrnd);
                                slot_vlen.write(slot, s_vlen);
                                slot_proposer.write(slot, s_proposer);
                                slot_seq.write(slot, s_seq);
                                slot_value.write(slot, s_value);
                                bit<32> highest;
                                maxinst.read(highest, g);
                                hdr.paxos.msgtype = MSG_P1B;
                                hdr.paxos.vround = s_vrnd;
                                hdr.paxos.vlen = s_vlen;
                                hdr.paxos.proposer = s_proposer;
                                hdr.paxos.seq = s_seq;
                                hdr.paxos.value = s_value;
                                hdr.paxos.acceptor = meta.acc_id;
                                hdr.paxos.aux = highest;
                                meta.verdict = VERDICT_REPLY;
                            } else {
                                // 6. Vote for the 2A's value and announce it to the learners.
                                // Only the first vlen bytes are the value: zero the rest.
                                hdr.paxos.value = hdr.paxos.value &
                                    ~(~(bit<(VALUE_SIZE * 8)>)0 >> (hdr.paxos.vlen << 3));
                                slot_inst.write(slot, i);
                                slot_rnd.write(slot, r);
                                slot_vrnd.write(slot, r);
                                slot_vlen.write(slot, hdr.paxos.vlen);
                                slot_proposer.write(slot, hdr.paxos.proposer);
                                slot_seq.write(slot, hdr.paxos.seq);
                                slot_value.write(slot, hdr.paxos.value);
                                bit<32> voted;
                                maxinst.read(voted, g);
                                if (i > voted) {
                                    maxinst.write(g, i);
                                }
                                hdr.paxos.msgtype = MSG_P2B;
                                hdr.paxos.vround = r;
                                hdr.paxos.acceptor = meta.acc_id;
                                hdr.paxos.aux = 0;
                                meta.mcast_grp = meta.acc_mgid;
                                meta.verdict = VERDICT_MCAST;
                            }
                        }
                    }
                }
            }
        }
    }
}

#endif
