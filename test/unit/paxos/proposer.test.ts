import { describe, expect, it } from "vitest";
import { Proposer, ProposerError } from "../../../src/paxos/proposer.js";
import { makeMessage } from "../../../src/wire/codec.js";
import { MsgType, noQuorumAux } from "../../../src/wire/header.js";
import { enc } from "./helpers.js";

const make = () => new Proposer({ id: 7, group: 0, window: 2, timeout: 10, maxTimeout: 40 });
const requests = (fx: { send: { msg: { msgtype: number; seq: number } }[] }) =>
  fx.send.filter((o) => o.msg.msgtype === MsgType.REQUEST).map((o) => o.msg.seq);

describe("proposer (docs §1)", () => {
  it("numbers requests and keeps at most `window` outstanding", () => {
    const p = make();
    const a = p.submit(enc("a"), 0);
    const b = p.submit(enc("b"), 0);
    const c = p.submit(enc("c"), 0);
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    expect(requests(a.effects)).toEqual([1]);
    expect(a.effects.send[0]!.to).toEqual({ kind: "coordinator", group: 0 });
    expect(a.effects.send[0]!.msg).toMatchObject({ proposer: 7, seq: 1, group: 0 });
    expect(requests(c.effects)).toEqual([]);
    expect(p.pending).toBe(3);
    expect(requests(p.delivered(7, 1, 5))).toEqual([3]);
    expect(p.completed).toMatchObject([{ seq: 1, submittedAt: 0, completedAt: 5, attempts: 1 }]);
  });

  it("retransmits with exponential backoff capped at maxTimeout", () => {
    const p = make();
    p.submit(enc("a"), 0);
    const retries: number[] = [];
    for (let t = 1; t <= 130; t++) if (requests(p.tick(t)).length > 0) retries.push(t);
    // timeouts 10, 20, 40, 40 …
    expect(retries).toEqual([10, 30, 70, 110]);
  });

  it("after a NACK_FULL retries after the base timeout without growing the backoff", () => {
    const p = make();
    p.submit(enc("a"), 0);
    const nack = makeMessage({ msgtype: MsgType.NACK_FULL, proposer: 7, seq: 1, aux: 3 });
    const fx = p.handle(nack, 2);
    expect(fx.timers).toEqual([12]);
    expect(requests(p.tick(11))).toEqual([]);
    expect(requests(p.tick(12))).toEqual([1]);
    expect(requests(p.tick(22))).toEqual([1]); // backoff still at the base timeout
  });

  const noQuorum = (seq: number) =>
    makeMessage({
      msgtype: MsgType.NACK_NOQUORUM,
      proposer: 7,
      seq,
      aux: noQuorumAux({ alive: 1, acceptors: 3, quorum: 2 }),
    });

  it("a NACK_NOQUORUM to a request whose every attempt was refused: not applied, seq reused", () => {
    const p = make();
    p.submit(enc("a"), 0);
    p.submit(enc("b"), 0);
    p.submit(enc("c"), 0);
    // Attempt 1 of seq 1 refused as ring full, attempt 2 (after the base timeout) for no quorum.
    p.handle(makeMessage({ msgtype: MsgType.NACK_FULL, proposer: 7, seq: 1 }), 1);
    expect(requests(p.tick(11))).toEqual([1, 2]); // seq 2's first attempt timed out at 10
    const fx = p.handle(noQuorum(1), 12);
    expect(p.refused).toEqual([
      {
        seq: 1,
        value: enc("a"),
        submittedAt: 0,
        refusedAt: 12,
        attempts: 2,
        outcome: "not_applied",
        status: { alive: 1, acceptors: 3, quorum: 2 },
      },
    ]);
    // Forgotten: the window moves on to seq 3, and seq 1 is never sent again.
    expect(requests(fx)).toEqual([3]);
    expect(p.pendingSeqs().sort()).toEqual([2, 3]);
    for (let t = 13; t < 200; t++) expect(requests(p.tick(t))).not.toContain(1);
    // No hole in the seqs the learners see: the next request takes seq 1.
    expect(p.submit(enc("d"), 200).seq).toBe(1);
    expect(p.submit(enc("e"), 200).seq).toBe(4);
  });

  it("a NACK_NOQUORUM after an unanswered attempt: outcome unknown, reported once, still retried", () => {
    const p = make();
    p.submit(enc("a"), 0);
    expect(requests(p.tick(10))).toEqual([1]); // attempt 1 unanswered: it may have been stamped
    p.handle(noQuorum(1), 12);
    p.handle(noQuorum(1), 13);
    expect(p.refused).toMatchObject([{ seq: 1, attempts: 2, outcome: "unknown" }]);
    // Kept and retransmitted, so an earlier attempt decided later completes it (once).
    expect(p.pendingSeqs()).toEqual([1]);
    expect(requests(p.tick(30))).toEqual([1]);
    p.delivered(7, 1, 31);
    expect(p.completed).toMatchObject([{ seq: 1 }]);
    expect(p.submit(enc("b"), 40).seq).toBe(2);
  });

  it("completes each request once; deliveries of others' requests are ignored", () => {
    const p = make();
    p.submit(enc("a"), 0);
    p.delivered(8, 1, 1);
    expect(p.pending).toBe(1);
    p.delivered(7, 1, 2);
    p.delivered(7, 1, 3);
    expect(p.completed).toHaveLength(1);
    expect(p.pendingSeqs()).toEqual([]);
    expect(requests(p.tick(100))).toEqual([]);
  });

  it("stops retransmitting a request known decided, completes it only when delivered", () => {
    const p = make();
    p.submit(enc("a"), 0);
    p.submit(enc("b"), 0);
    p.submit(enc("c"), 0);
    expect(requests(p.tick(10))).toEqual([1, 2]); // both retried once (timeout 10 → 20)
    const fx = p.decided(7, 1, 15);
    expect(fx.send).toEqual([]);
    expect(fx.timers).toEqual([55]); // the safety net: maxTimeout (40) from now
    p.decided(7, 1, 16); // repeated (another learner): no effect
    p.decided(8, 2, 16); // another proposer's request id
    p.decided(7, 9, 16); // not outstanding
    expect(p.decidedCounts).toEqual({ decidedBeforeDelivery: 1, decidedResumed: 0 });
    const sent: number[] = [];
    for (let t = 16; t < 55; t++) sent.push(...requests(p.tick(t)));
    expect(sent).toEqual([2]); // seq 2 at 30; seq 1 never
    // Still outstanding: the window stays full (seq 3 waits) and nothing completed.
    expect(p.pendingSeqs().sort()).toEqual([1, 2, 3]);
    expect(p.completed).toEqual([]);
    expect(requests(p.delivered(7, 1, 50))).toEqual([3]);
    expect(p.completed).toMatchObject([{ seq: 1, completedAt: 50, attempts: 2 }]);
    for (let t = 50; t < 200; t++) expect(requests(p.tick(t))).not.toContain(1);
  });

  it("resumes retransmitting a decided request not delivered within maxTimeout", () => {
    const p = make();
    p.submit(enc("a"), 0);
    p.decided(7, 1, 5);
    const sent: number[] = [];
    for (let t = 6; t <= 130; t++) if (requests(p.tick(t)).length > 0) sent.push(t);
    // Silent until 5 + 40, then every maxTimeout: the delivery may have been lost.
    expect(sent).toEqual([45, 85, 125]);
    expect(p.decidedCounts).toEqual({ decidedBeforeDelivery: 1, decidedResumed: 1 });
    // Reported decided again (a retry decided a second time): silent again.
    p.decided(7, 1, 126);
    expect(requests(p.tick(165))).toEqual([]);
    expect(requests(p.tick(166))).toEqual([1]);
    p.delivered(7, 1, 170);
    expect(p.completed).toMatchObject([{ seq: 1, attempts: 5 }]);
  });

  it("a request known decided is never refused: later NACKs of earlier attempts are ignored", () => {
    const p = make();
    p.submit(enc("a"), 0);
    p.submit(enc("b"), 0);
    // Seq 1's only attempt: decided (never timed out), then its refusals arrive late.
    p.decided(7, 1, 2);
    expect(p.handle(noQuorum(1), 3)).toMatchObject({ send: [], timers: [] });
    expect(p.handle(makeMessage({ msgtype: MsgType.NACK_FULL, proposer: 7, seq: 1 }), 3).timers).toEqual([]);
    expect(p.refused).toEqual([]);
    expect(p.pendingSeqs().sort()).toEqual([1, 2]);
    // Seq 2 is not decided: its refusal is reported as before (not applied, its seq reused).
    p.handle(noQuorum(2), 4);
    expect(p.refused).toMatchObject([{ seq: 2, outcome: "not_applied" }]);
    expect(p.pendingSeqs()).toEqual([1]);
    expect(p.submit(enc("c"), 5).seq).toBe(2);
    for (let t = 5; t < 42; t++) expect(requests(p.tick(t))).not.toContain(1);
    p.delivered(7, 1, 42);
    expect(p.completed).toMatchObject([{ seq: 1 }]);
  });

  it("rejects bad configuration and oversized values", () => {
    expect(() => new Proposer({ id: 0, group: 0, window: 1, timeout: 1, maxTimeout: 1 })).toThrow(
      ProposerError,
    );
    expect(() => new Proposer({ id: 1, group: 0, window: 0, timeout: 1, maxTimeout: 1 })).toThrow(
      ProposerError,
    );
    expect(() => new Proposer({ id: 1, group: 0, window: 1, timeout: 5, maxTimeout: 1 })).toThrow(
      ProposerError,
    );
    expect(() => make().submit(new Uint8Array(65), 0)).toThrow(ProposerError);
  });

  it("ignores NACKs for other proposers and other message types", () => {
    const p = make();
    p.submit(enc("a"), 0);
    p.handle(makeMessage({ msgtype: MsgType.NACK_FULL, proposer: 8, seq: 1 }), 1);
    p.handle(makeMessage({ msgtype: MsgType.P2B, proposer: 7, seq: 1 }), 1);
    expect(p.counters.drops.port_filter).toBe(2);
  });
});
