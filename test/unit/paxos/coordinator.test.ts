import { describe, expect, it } from "vitest";
import { Coordinator } from "../../../src/paxos/coordinator.js";
import { makeMessage } from "../../../src/wire/codec.js";
import { MsgType, noQuorumAux, parseNoQuorumAux } from "../../../src/wire/header.js";
import { dec, request, trim } from "./helpers.js";

const sync = (instance: number) => makeMessage({ msgtype: MsgType.SYNC, group: 0, instance });
const ping = (nonce: number) => makeMessage({ msgtype: MsgType.PING, group: 0, aux: nonce });

describe("coordinator (docs §4)", () => {
  it("stamps each REQUEST with the next instance and its round, sent to the acceptors", () => {
    const c = new Coordinator({ ringSize: 8 });
    c.installRole(0, 257);
    const a = c.handle(request(3, 1, "a"), "prop3").send;
    const b = c.handle(request(3, 2, "b"), "prop3").send;
    expect(a[0]!.to).toEqual({ kind: "acceptors", group: 0 });
    expect(a[0]!.msg).toMatchObject({ msgtype: MsgType.P2A, instance: 1, round: 257, proposer: 3, seq: 1 });
    expect(b[0]!.msg).toMatchObject({ instance: 2, seq: 2 });
    expect(dec(b[0]!.msg.value)).toBe("b");
    expect(c.groupState(0)).toEqual({ round: 257, refusing: false, next: 3, trim: 0 });
  });

  it("refuses with NACK_FULL once the next instance would pass trim + R", () => {
    const c = new Coordinator({ ringSize: 2 });
    c.installRole(0, 257);
    c.handle(request(1, 1), "p");
    c.handle(request(1, 2), "p");
    const full = c.handle(request(1, 3), "p").send;
    expect(full).toHaveLength(1);
    expect(full[0]!.to).toEqual({ kind: "node", node: "p" });
    expect(full[0]!.msg).toMatchObject({ msgtype: MsgType.NACK_FULL, proposer: 1, seq: 3, aux: 0 });
    expect(c.counters.drops.coord_full).toBe(1);
    expect(c.groupState(0).next).toBe(3);
    c.handle(trim(1), "ctrl");
    const ok = c.handle(request(1, 3), "p").send;
    expect(ok[0]!.msg).toMatchObject({ msgtype: MsgType.P2A, instance: 3 });
    const again = c.handle(request(1, 4), "p").send;
    expect(again[0]!.msg).toMatchObject({ msgtype: MsgType.NACK_FULL, aux: 1 });
  });

  it("needs its role for REQUESTs, but handles SYNC, TRIM and PING without it", () => {
    const c = new Coordinator({ ringSize: 8 });
    expect(c.handle(request(1, 1), "p").send).toHaveLength(0);
    expect(c.counters.drops.no_role).toBe(1);
    c.handle(sync(40), "ctrl");
    c.handle(trim(35), "ctrl");
    const pong = c.handle(ping(7), "ctrl").send[0]!;
    expect(pong.to).toEqual({ kind: "node", node: "ctrl" });
    expect(pong.msg).toMatchObject({ msgtype: MsgType.PONG, round: 0, instance: 40, vround: 35, aux: 7 });
    c.installRole(0, 769);
    expect(c.handle(request(1, 1), "p").send[0]!.msg).toMatchObject({ instance: 40, round: 769 });
    expect(c.handle(ping(8), "ctrl").send[0]!.msg).toMatchObject({ round: 769, instance: 41 });
  });

  it("with a refusing role entry answers every REQUEST NACK_NOQUORUM and stamps nothing", () => {
    const c = new Coordinator({ ringSize: 8 });
    c.installRole(0, 257);
    c.handle(request(3, 1, "a"), "p");
    const status = noQuorumAux({ alive: 1, acceptors: 3, quorum: 2 });
    c.installRole(0, 257, { refuse: status });
    expect(c.groupState(0)).toEqual({ round: 257, refusing: true, next: 2, trim: 0 });
    for (const seq of [2, 3]) {
      const out = c.handle(request(3, seq, "b"), "p").send;
      expect(out).toHaveLength(1);
      expect(out[0]!.to).toEqual({ kind: "node", node: "p" });
      expect(out[0]!.msg).toMatchObject({
        msgtype: MsgType.NACK_NOQUORUM,
        group: 0,
        instance: 0,
        round: 0,
        proposer: 3,
        seq,
        vlen: 0,
        aux: status,
      });
      expect(parseNoQuorumAux(out[0]!.msg.aux)).toEqual({ alive: 1, acceptors: 3, quorum: 2 });
    }
    expect(c.counters.drops.no_quorum).toBe(2);
    // Refusing comes before the ring check, and PING still reports the round and next.
    c.handle(sync(100), "ctrl");
    expect(c.handle(request(3, 4), "p").send[0]!.msg.msgtype).toBe(MsgType.NACK_NOQUORUM);
    expect(c.handle(ping(1), "ctrl").send[0]!.msg).toMatchObject({ round: 257, instance: 100 });
    // The plain entry again: stamping resumes at `next`, no instance was used by the refusals.
    c.installRole(0, 257);
    c.handle(trim(95), "ctrl");
    expect(c.handle(request(3, 5), "p").send[0]!.msg).toMatchObject({
      msgtype: MsgType.P2A,
      instance: 100,
      round: 257,
    });
    expect(() => c.installRole(0, 257, { refuse: -1 })).toThrow(RangeError);
  });

  it("packs the refusal status into aux, saturating at 255", () => {
    expect(noQuorumAux({ alive: 1, acceptors: 3, quorum: 2 })).toBe(0x020301);
    expect(parseNoQuorumAux(noQuorumAux({ alive: 300, acceptors: 256, quorum: 129 }))).toEqual({
      alive: 255,
      acceptors: 255,
      quorum: 129,
    });
    expect(parseNoQuorumAux(0)).toEqual({ alive: 0, acceptors: 0, quorum: 0 });
  });

  it("SYNC and TRIM only raise their counters", () => {
    const c = new Coordinator({ ringSize: 8 });
    c.installRole(0, 257);
    c.handle(sync(10), "ctrl");
    c.handle(sync(4), "ctrl");
    c.handle(trim(6), "ctrl");
    c.handle(trim(2), "ctrl");
    expect(c.groupState(0)).toMatchObject({ next: 10, trim: 6 });
  });

  it("a wipe (switch reboot) forgets the counters and the role", () => {
    const c = new Coordinator({ ringSize: 8 });
    c.installRole(0, 257);
    c.handle(request(1, 1), "p");
    c.wipe();
    expect(c.groupState(0)).toEqual({ round: 0, refusing: false, next: 1, trim: 0 });
    expect(c.handle(request(1, 2), "p").send).toHaveLength(0);
  });

  it("keeps groups apart and ignores message types it does not take", () => {
    const c = new Coordinator({ ringSize: 8 });
    c.installRole(0, 257);
    c.installRole(1, 257);
    c.handle(request(1, 1, "x", 1), "p");
    c.handle(request(1, 2, "x", 1), "p");
    expect(c.handle(request(1, 1, "y", 0), "p").send[0]!.msg).toMatchObject({ group: 0, instance: 1 });
    c.handle(makeMessage({ msgtype: MsgType.P2B, instance: 1, round: 257 }), "acc1");
    expect(c.counters.drops.port_filter).toBe(1);
    expect(() => c.installRole(0, 0)).toThrow(RangeError);
  });
});
