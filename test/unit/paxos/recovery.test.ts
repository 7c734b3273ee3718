import { describe, expect, it } from "vitest";
import type { Effects } from "../../../src/paxos/effects.js";
import { RecoveryCoordinator, type RecoveryOptions } from "../../../src/paxos/recovery.js";
import { makeMessage } from "../../../src/wire/codec.js";
import { MsgType, P1A_FLAG_FENCE } from "../../../src/wire/header.js";
import { dec, enc, p2b } from "./helpers.js";

function recovery(opts: Partial<RecoveryOptions> = {}): RecoveryCoordinator {
  return new RecoveryCoordinator({
    group: 0,
    lo: 1,
    hi: 1,
    round: 514,
    acceptors: 3,
    fence: false,
    retransmit: 20,
    ...opts,
  });
}

function p1b(instance: number, acceptor: number, vround = 0, value = "", aux = 0, round = 514) {
  return makeMessage({
    msgtype: MsgType.P1B,
    instance,
    round,
    vround,
    acceptor,
    proposer: vround ? 1 : 0,
    seq: vround ? instance : 0,
    value: enc(value),
    aux,
  });
}

const p2as = (fx: Effects) => fx.send.filter((o) => o.msg.msgtype === MsgType.P2A).map((o) => o.msg);
const p1as = (fx: Effects) => fx.send.filter((o) => o.msg.msgtype === MsgType.P1A).map((o) => o.msg);

describe("recovery coordinator (docs §7)", () => {
  it("sends a 1A for every instance of the range, without FENCE when only filling gaps", () => {
    const r = recovery({ lo: 4, hi: 6 });
    const sent = p1as(r.start(0));
    expect(sent.map((m) => [m.instance, m.round, m.aux])).toEqual([
      [4, 514, 0],
      [5, 514, 0],
      [6, 514, 0],
    ]);
  });

  it("re-proposes the value of the highest vround among a majority", () => {
    const r = recovery();
    r.start(0);
    expect(p2as(r.handle(p1b(1, 1, 257, "old")))).toHaveLength(0);
    const sent = p2as(r.handle(p1b(1, 2, 300, "newer")));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ instance: 1, round: 514 });
    expect(dec(sent[0]!.value)).toBe("newer");
    expect(r.status).toBe("phase1-done");
  });

  it("proposes a no-op when no acceptor of the majority voted", () => {
    const r = recovery();
    r.start(0);
    r.handle(p1b(1, 1));
    const sent = p2as(r.handle(p1b(1, 3)));
    expect(sent[0]).toMatchObject({ proposer: 0, seq: 0, vlen: 0 });
  });

  it("ignores a second promise from the same acceptor and promises for other rounds", () => {
    const r = recovery();
    r.start(0);
    r.handle(p1b(1, 1));
    expect(p2as(r.handle(p1b(1, 1)))).toHaveLength(0);
    expect(p2as(r.handle(p1b(1, 2, 0, "", 0, 600)))).toHaveLength(0);
    expect(r.status).toBe("phase1");
  });

  it("is decided once a majority of 2Bs in its round came back", () => {
    const r = recovery();
    r.start(0);
    r.handle(p1b(1, 1));
    r.handle(p1b(1, 2));
    r.handle(p2b(1, 514, 1, "", { proposer: 0, seq: 0 }));
    r.handle(p2b(1, 257, 2, "x"));
    expect(r.status).toBe("phase1-done");
    r.handle(p2b(1, 514, 3, "", { proposer: 0, seq: 0 }));
    expect(r.status).toBe("decided");
  });

  it("a NACK_ROUND preempts it and says which round to beat", () => {
    const r = recovery();
    r.start(0);
    r.handle(makeMessage({ msgtype: MsgType.NACK_ROUND, instance: 1, round: 514, acceptor: 2, aux: 770 }));
    expect(r.status).toBe("preempted");
    expect(r.roundToBeat).toBe(770);
    expect(r.tick(100).send).toHaveLength(0);
  });

  it("retransmits unanswered 1As and undecided 2As", () => {
    const r = recovery({ lo: 1, hi: 2 });
    r.start(0);
    r.handle(p1b(1, 1));
    r.handle(p1b(1, 2));
    expect(r.tick(10).send).toHaveLength(0);
    const fx = r.tick(20);
    expect(p2as(fx).map((m) => m.instance)).toEqual([1]);
    expect(p1as(fx).map((m) => m.instance)).toEqual([2]);
  });

  it("when taking over: FENCE on every 1A, range extended to the highest aux, then final", () => {
    const r = recovery({ lo: 3, hi: 3, fence: true });
    const first = p1as(r.start(0));
    expect(first.every((m) => (m.aux & P1A_FLAG_FENCE) !== 0)).toBe(true);
    r.handle(p1b(3, 1, 0, "", 4));
    const ext = p1as(r.handle(p1b(3, 2, 0, "", 5)));
    expect(ext.map((m) => [m.instance, m.aux])).toEqual([
      [4, P1A_FLAG_FENCE],
      [5, P1A_FLAG_FENCE],
    ]);
    expect(r.hi).toBe(5);
    expect(r.status).toBe("phase1");
    for (const i of [4, 5]) {
      r.handle(p1b(i, 1, 0, "", 5));
      r.handle(p1b(i, 2, 0, "", 5));
    }
    expect(r.status).toBe("phase1-done");
    // A late answer from the third acceptor with a higher aux no longer moves hi.
    expect(p1as(r.handle(p1b(3, 3, 0, "", 9)))).toHaveLength(0);
    expect(r.hi).toBe(5);
  });

  it("when taking over, phase 1 needs a fenced majority even if the range was trimmed meanwhile", () => {
    const r = recovery({ lo: 1, hi: 2, fence: true });
    r.start(0);
    r.trimmed(2);
    expect(r.status).toBe("phase1");
    r.handle(p1b(1, 1));
    r.handle(p1b(2, 2));
    expect(r.status).toBe("decided");
  });

  it("the broken variant ignores votes (only for the simulator's checker)", () => {
    const r = recovery({ broken: { ignoreVotes: true } });
    r.start(0);
    r.handle(p1b(1, 1, 257, "chosen"));
    expect(p2as(r.handle(p1b(1, 2, 257, "chosen")))[0]).toMatchObject({ vlen: 0 });
  });

  it("rejects an empty range", () => {
    expect(() => recovery({ lo: 5, hi: 4 })).toThrow(RangeError);
    expect(() => recovery({ lo: 0, hi: 4 })).toThrow(RangeError);
  });

  it("keeps at most `window` instances in flight; each decided instance lets the next one go", () => {
    const r = recovery({ lo: 1, hi: 100, window: 10 });
    let fx = r.start(0);
    expect(p1as(fx).map((m) => m.instance)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // A retransmission period later the same ten go again, nothing beyond them; without an
    // answer the next retransmission waits twice as long.
    fx = r.tick(20);
    expect(p1as(fx).map((m) => m.instance)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(fx.timers).toEqual([60]);
    expect(p1as(r.tick(59))).toHaveLength(0);
    // Instance 1 promised by a majority: its P2A goes; still in flight (waiting for votes).
    r.handle(p1b(1, 1));
    fx = r.handle(p1b(1, 2));
    expect(p2as(fx).map((m) => m.instance)).toEqual([1]);
    expect(p1as(fx)).toHaveLength(0);
    // Decided: the window slides by one.
    r.handle(p2b(1, 514, 1, ""));
    fx = r.handle(p2b(1, 514, 2, ""));
    expect(p1as(fx).map((m) => m.instance)).toEqual([11]);
    // Answer everything as it is asked: the whole range completes.
    let asked = [...p1as(fx), ...p2as(fx)];
    for (let now = 40; r.status !== "decided" && now < 100_000; now += 20) {
      for (const m of asked) {
        if (m.msgtype === MsgType.P1A)
          for (const a of [1, 2]) asked.push(...p2as(r.handle(p1b(m.instance, a))));
        else for (const a of [1, 2]) asked.push(...p1as(r.handle(p2b(m.instance, 514, a, ""))));
      }
      const t = r.tick(now);
      asked = [...p1as(t), ...p2as(t)];
    }
    expect(r.status).toBe("decided");
  });
});
