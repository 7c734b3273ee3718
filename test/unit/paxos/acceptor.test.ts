import { describe, expect, it } from "vitest";
import { Acceptor } from "../../../src/paxos/acceptor.js";
import { makeMessage } from "../../../src/wire/codec.js";
import { MsgType } from "../../../src/wire/header.js";
import { dec, enc, p1a, p2a, request, trim } from "./helpers.js";

function acceptor(ringSize = 8, role = { floor: 0, join: 0 }, id = 2): Acceptor {
  const a = new Acceptor({ id, ringSize });
  a.installRole(0, role);
  return a;
}

describe("acceptor (docs §5)", () => {
  it("votes for a 2A in a fresh slot and announces a 2B to the learners", () => {
    const a = acceptor();
    const fx = a.handle(p2a(3, 257, "x", { proposer: 4, seq: 9 }), "coord");
    expect(fx.send).toHaveLength(1);
    const { to, msg } = fx.send[0]!;
    expect(to).toEqual({ kind: "learners", group: 0 });
    expect(msg).toMatchObject({
      msgtype: MsgType.P2B,
      instance: 3,
      round: 257,
      vround: 257,
      acceptor: 2,
      proposer: 4,
      seq: 9,
    });
    expect(dec(msg.value)).toBe("x");
    expect(a.groupState(0).maxinst).toBe(3);
    expect(a.slotFor(0, 3)).toMatchObject({ inst: 3, rnd: 257, vrnd: 257 });
  });

  it("answers a 1A with a promise that reports the slot's vote and maxinst, to the sender", () => {
    const a = acceptor();
    a.handle(p2a(3, 257, "x"), "coord");
    a.handle(p2a(5, 257, "y"), "coord");
    const fx = a.handle(p1a(3, 600), "server");
    expect(fx.send).toHaveLength(1);
    expect(fx.send[0]!.to).toEqual({ kind: "node", node: "server" });
    const m = fx.send[0]!.msg;
    expect(m).toMatchObject({
      msgtype: MsgType.P1B,
      instance: 3,
      round: 600,
      vround: 257,
      acceptor: 2,
      aux: 5,
    });
    expect(dec(m.value)).toBe("x");
    // A promise for an instance with no vote carries vround 0 and an empty value.
    const fresh = a.handle(p1a(4, 600), "server").send[0]!.msg;
    expect(fresh).toMatchObject({ vround: 0, proposer: 0, seq: 0, vlen: 0, aux: 5 });
  });

  it("rule 0: a 1A in round 0 is a liveness probe: NACK_ROUND with minr, no state touched", () => {
    const a = acceptor(8);
    const nack = (fx: ReturnType<Acceptor["handle"]>) => {
      expect(fx.send).toHaveLength(1);
      expect(fx.send[0]!.to).toEqual({ kind: "node", node: "ctl" });
      return fx.send[0]!.msg;
    };
    // Never fenced (minr 0), instance 9 maps to the empty slot 1: without rule 0 the slot would
    // take instance 9 and instance 1 would then be stale.
    expect(nack(a.handle(p1a(9, 0, { fence: true }), "ctl"))).toMatchObject({
      msgtype: MsgType.NACK_ROUND,
      instance: 9,
      round: 0,
      acceptor: 2,
      aux: 0,
      vround: 0,
      vlen: 0,
    });
    expect(a.slotFor(0, 9)).toMatchObject({ inst: 0, rnd: 0 });
    expect(a.groupState(0)).toEqual({ minround: 0, trim: 0, maxinst: 0 });
    expect(a.handle(p2a(1, 257, "one"), "coord").send).toHaveLength(1);
    a.handle(p1a(2, 0x300, { fence: true }), "server");
    expect(nack(a.handle(p1a(0xffff_ffff, 0), "ctl")).aux).toBe(0x300);
    expect(a.slotFor(0, 1)).toMatchObject({ inst: 1, rnd: 257, vrnd: 257 });
    // A restarted acceptor answers too, even at or below join: aux = its floor.
    const b = acceptor(8, { floor: 0x500, join: 10 });
    expect(nack(b.handle(p1a(4, 0), "ctl"))).toMatchObject({ instance: 4, aux: 0x500 });
    expect(a.counters.drops.round_low + b.counters.drops.amnesia).toBe(0);
  });

  it("rule 1: drops anything at or below join (amnesia)", () => {
    const a = acceptor(8, { floor: 0, join: 10 });
    expect(a.handle(p2a(10, 257), "coord").send).toHaveLength(0);
    expect(a.handle(p1a(7, 600, { fence: true }), "server").send).toHaveLength(0);
    expect(a.counters.drops.amnesia).toBe(2);
    // the fence in a dropped 1A does not apply
    expect(a.groupState(0).minround).toBe(0);
    expect(a.handle(p2a(11, 257), "coord").send).toHaveLength(1);
  });

  it("rule 2: a FENCE 1A raises the group's minimum round for every instance", () => {
    const a = acceptor();
    expect(a.handle(p1a(1, 600, { fence: true }), "server").send[0]!.msg.msgtype).toBe(MsgType.P1B);
    expect(a.groupState(0).minround).toBe(600);
    // a 2A in a lower round, for any other instance, is dropped silently
    expect(a.handle(p2a(5, 257), "coord").send).toHaveLength(0);
    // a 1A in a lower round gets a NACK with the round to beat
    const nack = a.handle(p1a(6, 300), "other").send[0]!;
    expect(nack.to).toEqual({ kind: "node", node: "other" });
    expect(nack.msg).toMatchObject({
      msgtype: MsgType.NACK_ROUND,
      instance: 6,
      round: 300,
      acceptor: 2,
      aux: 600,
    });
    expect(a.counters.drops.round_low).toBe(2);
    // the fenced round itself (and higher) still work
    expect(a.handle(p2a(5, 600), "server").send).toHaveLength(1);
  });

  it("rule 2: a FENCE below the current minimum does not lower it and is refused", () => {
    const a = acceptor();
    a.handle(p1a(1, 600, { fence: true }), "server");
    const fx = a.handle(p1a(2, 500, { fence: true }), "server");
    expect(fx.send[0]!.msg).toMatchObject({ msgtype: MsgType.NACK_ROUND, aux: 600 });
    expect(a.groupState(0).minround).toBe(600);
  });

  it("rule 3: floor acts as a minimum round (minr = max(minround, floor))", () => {
    const a = acceptor(8, { floor: 512, join: 0 });
    expect(a.handle(p2a(1, 257), "coord").send).toHaveLength(0);
    expect(a.handle(p1a(1, 300), "server").send[0]!.msg).toMatchObject({
      msgtype: MsgType.NACK_ROUND,
      aux: 512,
    });
    expect(a.handle(p2a(1, 513), "server").send).toHaveLength(1);
  });

  it("rule 4: a slot holding a later instance means this one was trimmed: stale", () => {
    const a = acceptor(4);
    a.handle(p2a(1, 257), "coord");
    a.handle(trim(1), "ctrl");
    a.handle(p2a(5, 257), "coord"); // reuses slot 1
    expect(a.handle(p2a(1, 257), "coord").send).toHaveLength(0);
    expect(a.handle(p1a(1, 600), "server").send).toHaveLength(0);
    expect(a.counters.drops.stale).toBe(2);
  });

  it("rule 4: a slot is reused only once its instance is at or below the trim watermark", () => {
    const a = acceptor(4);
    a.handle(p2a(2, 257, "old"), "coord");
    expect(a.handle(p2a(6, 257, "new"), "coord").send).toHaveLength(0);
    expect(a.handle(p1a(6, 600), "server").send).toHaveLength(0);
    expect(a.counters.drops.ring_full).toBe(2);
    a.handle(trim(1), "ctrl");
    expect(a.handle(p2a(6, 257), "coord").send).toHaveLength(0); // 2 > trim 1: still full
    a.handle(trim(2), "ctrl");
    // reset to (inst = 6, all else 0): a 1A sees no vote of instance 2
    const promise = a.handle(p1a(6, 600), "server").send[0]!.msg;
    expect(promise).toMatchObject({ msgtype: MsgType.P1B, instance: 6, vround: 0, vlen: 0 });
    expect(a.slotFor(0, 6)).toMatchObject({ inst: 6, rnd: 600, vrnd: 0 });
  });

  it("rule 5: a round below the slot's promise is refused (1A: NACK with that round; 2A: dropped)", () => {
    const a = acceptor();
    a.handle(p1a(3, 600), "server");
    expect(a.handle(p2a(3, 257), "coord").send).toHaveLength(0);
    const nack = a.handle(p1a(3, 599), "server").send[0]!.msg;
    expect(nack).toMatchObject({ msgtype: MsgType.NACK_ROUND, aux: 600 });
    expect(a.counters.drops.round_low).toBe(2);
    // other instances are not affected (no fence)
    expect(a.handle(p2a(4, 257), "coord").send).toHaveLength(1);
  });

  it("a repeated 2A in the same round is accepted again and re-announced", () => {
    const a = acceptor();
    const first = a.handle(p2a(3, 257, "x"), "coord").send;
    const again = a.handle(p2a(3, 257, "x"), "coord").send;
    expect(again).toHaveLength(1);
    expect(again[0]!.msg).toEqual(first[0]!.msg);
  });

  it("a 2A in a higher round replaces the vote", () => {
    const a = acceptor();
    a.handle(p2a(3, 257, "x"), "coord");
    a.handle(p2a(3, 514, "y"), "server");
    const promise = a.handle(p1a(3, 600), "server").send[0]!.msg;
    expect(promise.vround).toBe(514);
    expect(dec(promise.value)).toBe("y");
  });

  it("TRIM only raises the watermark", () => {
    const a = acceptor();
    a.handle(trim(5), "ctrl");
    a.handle(trim(3), "ctrl");
    expect(a.groupState(0).trim).toBe(5);
  });

  it("drops messages for a group without a role entry, and after a wipe", () => {
    const a = acceptor();
    expect(a.handle(p2a(1, 257, "v", { group: 7 }), "coord").send).toHaveLength(0);
    expect(a.counters.drops.no_role).toBe(1);
    a.handle(p2a(1, 257), "coord");
    a.wipe();
    expect(a.groupState(0)).toEqual({ minround: 0, trim: 0, maxinst: 0 });
    expect(a.handle(p2a(2, 257), "coord").send).toHaveLength(0);
    expect(a.counters.drops.no_role).toBe(2);
    a.installRole(0, { floor: 0, join: 0 });
    expect(a.slotFor(0, 1)).toMatchObject({ inst: 0, vrnd: 0 });
  });

  it("counts malformed input, bad versions and message types it does not take", () => {
    const a = acceptor();
    expect(a.handle(request(1, 1), "p").send).toHaveLength(0);
    expect(a.counters.drops.port_filter).toBe(1);
    const bad = { ...p2a(1, 257), version: 2 };
    expect(a.handle(bad, "x").send).toHaveLength(0);
    expect(a.counters.drops.bad_version).toBe(1);
    const mismatch = { ...p2a(1, 257, "abc"), vlen: 2 };
    a.handle(mismatch, "x");
    const tooLong = { ...p2a(1, 257), vlen: 65, value: new Uint8Array(65) };
    a.handle(tooLong, "x");
    expect(a.counters.drops.malformed).toBe(2);
    expect(a.slotFor(0, 1).inst).toBe(0);
  });

  it("keeps groups independent", () => {
    const a = acceptor();
    a.installRole(1);
    a.handle(p1a(1, 600, { fence: true, group: 1 }), "server");
    expect(a.groupState(1).minround).toBe(600);
    expect(a.handle(p2a(1, 257, "v", { group: 0 }), "coord").send).toHaveLength(1);
    expect(a.handle(p2a(2, 257, "v", { group: 1 }), "coord").send).toHaveLength(0);
  });

  it("the broken variant votes in lower rounds (only for the simulator's checker)", () => {
    const a = new Acceptor({ id: 1, ringSize: 8, broken: { acceptLowerRounds: true } });
    a.installRole(0);
    a.handle(p1a(1, 600, { fence: true }), "server");
    expect(a.handle(p2a(1, 257), "coord").send).toHaveLength(1);
  });

  it("rejects a bad ring size", () => {
    expect(() => new Acceptor({ id: 1, ringSize: 0 })).toThrow(RangeError);
  });

  it("P1B and P2B carry the value bytes exactly", () => {
    const a = acceptor();
    const value = enc("€ bytes");
    a.handle(makeMessage({ msgtype: MsgType.P2A, instance: 1, round: 257, proposer: 1, seq: 1, value }), "c");
    expect(a.handle(p1a(1, 600), "s").send[0]!.msg.value).toEqual(value);
  });
});
