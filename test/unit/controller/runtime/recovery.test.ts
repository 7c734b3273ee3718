// ControllerRecovery against the protocol's acceptor state machine (src/paxos/acceptor.ts): the
// channels deliver each P1A/P2A to an Acceptor and feed its P1B/NACK replies back, as the
// PacketOut/PacketIn path does with a switch.
import { describe, expect, it } from "vitest";
import {
  ControllerRecovery,
  RecoveryPreempted,
  RecoveryTimeout,
} from "../../../../controller/runtime/recovery.js";
import { Acceptor } from "../../../../src/paxos/acceptor.js";
import { makeMessage } from "../../../../src/wire/codec.js";
import { MsgType } from "../../../../src/wire/header.js";

function setup(n: number, reachable = n, delayMs = 0, ringSize = 64) {
  const acceptors = Array.from({ length: n }, (_, i) => {
    const a = new Acceptor({ id: i + 1, ringSize });
    a.installRole(0);
    return a;
  });
  let rec: ControllerRecovery | null = null;
  /** Messages sent and not yet answered, and the most there ever were. */
  const inFlight = { now: 0, max: 0 };
  const channels = acceptors.slice(0, reachable).map((a) => ({
    id: a.id,
    send: (m: Parameters<typeof makeMessage>[0]) => {
      const fx = a.handle(makeMessage(m), "controller");
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      // Replies on the next turn (or after delayMs), as packets would arrive.
      const reply = () => {
        inFlight.now--;
        for (const out of fx.send) if (out.msg.msgtype !== MsgType.P2B) rec?.receive(out.msg);
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else setImmediate(reply);
      return true;
    },
  }));
  const start = (o: {
    lo: number;
    round: number;
    phase1Only?: boolean;
    timeoutMs?: number;
    window?: number;
    limit?: number;
  }) => {
    rec = new ControllerRecovery(
      {
        group: 0,
        fence: true,
        quorum: Math.floor(n / 2) + 1,
        limit: 64,
        retryMs: 5,
        timeoutMs: o.timeoutMs ?? 2000,
        ...o,
      },
      channels,
    );
    return rec.run();
  };
  const vote = (a: Acceptor, instance: number, round: number, seq: number) =>
    a.handle(
      makeMessage({
        msgtype: MsgType.P2A,
        group: 0,
        instance,
        round,
        proposer: 7,
        seq,
        vlen: 1,
        value: Uint8Array.of(seq),
      }),
      "coord",
    );
  return { acceptors, start, vote, inFlight };
}

describe("ControllerRecovery", () => {
  it("finds nothing to recover on fresh acceptors and fences them", async () => {
    const { acceptors, start } = setup(3);
    const r = await start({ lo: 1, round: 257 });
    expect(r).toEqual({ hi: 0, revoted: 0, noops: 0 });
    for (const a of acceptors) expect(a.groupState(0).minround).toBe(257);
  });

  it("extends the range to the highest voted instance and re-proposes votes, no-ops in gaps", async () => {
    const { acceptors, start, vote } = setup(3);
    vote(acceptors[0]!, 1, 257, 1);
    vote(acceptors[1]!, 1, 257, 1);
    vote(acceptors[0]!, 3, 257, 3); // instance 2 never voted: a gap
    const r = await start({ lo: 1, round: 514 });
    expect(r).toEqual({ hi: 3, revoted: 2, noops: 1 });
    // A majority now holds each instance's value in round 514.
    for (const i of [1, 3]) {
      const held = acceptors.filter((a) => a.slotFor(0, i).vrnd === 514 && a.slotFor(0, i).seq === i);
      expect(held.length).toBeGreaterThanOrEqual(2);
    }
    expect(
      acceptors.filter((a) => a.slotFor(0, 2).vrnd === 514 && a.slotFor(0, 2).seq === 0).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("phase1Only fences without proposing", async () => {
    const { acceptors, start, vote } = setup(3);
    vote(acceptors[0]!, 1, 257, 1);
    const r = await start({ lo: 1, round: 514, phase1Only: true });
    expect(r.hi).toBe(1);
    expect(acceptors[1]!.slotFor(0, 1).vrnd).toBe(0);
    expect(acceptors[1]!.groupState(0).minround).toBe(514);
  });

  it("reports a higher round as preemption", async () => {
    const { start } = setup(3);
    await start({ lo: 1, round: 770 });
    await expect(start({ lo: 1, round: 514 })).rejects.toBeInstanceOf(RecoveryPreempted);
  });

  it("times out without a quorum of reachable acceptors", async () => {
    const { start } = setup(3, 1);
    const err = await start({ lo: 1, round: 257, timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecoveryTimeout);
    // The message says who was asked and who answered.
    expect((err as Error).message).toMatch(/no quorum of 2 acceptors answered round 257/);
    expect((err as Error).message).toMatch(/asked 1; answers: acceptor 1: 1\)/);
  });

  it("recovers a ring-sized range with at most `window` instances asked at once", async () => {
    const { acceptors, start, vote, inFlight } = setup(3, 3, 1, 1024);
    for (let i = 1; i <= 400; i++) {
      vote(acceptors[0]!, i, 257, i);
      vote(acceptors[1]!, i, 257, i);
    }
    const r = await start({ lo: 1, round: 514, window: 16, limit: 1000 });
    expect(r).toEqual({ hi: 400, revoted: 400, noops: 0 });
    // Phase 2 asks P2A + P1A per acceptor and instance: 16 instances × 3 acceptors × 2.
    expect(inFlight.max).toBeLessThanOrEqual(16 * 3 * 2);
    expect(inFlight.max).toBeGreaterThan(3);
    for (const i of [1, 200, 400])
      expect(acceptors.filter((a) => a.slotFor(0, i).vrnd === 514).length).toBeGreaterThanOrEqual(2);
  });

  it("keeps going past timeoutMs while answers keep arriving", async () => {
    // 2 ms per answer, 8 instances at a time: 300 instances take far longer than 60 ms in all.
    const { acceptors, start, vote } = setup(3, 3, 2, 1024);
    for (let i = 1; i <= 300; i++) vote(acceptors[2]!, i, 257, i);
    const t0 = Date.now();
    const r = await start({ lo: 1, round: 514, window: 8, timeoutMs: 60, limit: 1000 });
    expect(r.hi).toBe(300);
    expect(Date.now() - t0).toBeGreaterThan(60);
  });
});
