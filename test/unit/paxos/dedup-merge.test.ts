import { describe, expect, it } from "vitest";
import { NOOP_COMMAND } from "../../../src/paxos/command.js";
import { AtMostOnce } from "../../../src/paxos/dedup.js";
import { LogMerger } from "../../../src/paxos/merge.js";
import { enc } from "./helpers.js";

const cmd = (proposer: number, seq: number) => ({ proposer, seq, value: enc(`${proposer}:${seq}`) });

describe("AtMostOnce", () => {
  it("applies each request id once, in any order, and skips no-ops", () => {
    const d = new AtMostOnce();
    expect(d.check(cmd(1, 2))).toBe("apply");
    expect(d.check(cmd(1, 1))).toBe("apply");
    expect(d.check(cmd(1, 2))).toBe("duplicate");
    expect(d.check(cmd(1, 1))).toBe("duplicate");
    expect(d.check(cmd(2, 1))).toBe("apply");
    expect(d.check(cmd(1, 5))).toBe("apply");
    expect(d.check(cmd(1, 5))).toBe("duplicate");
    expect(d.check(cmd(1, 3))).toBe("apply");
    expect(d.check(NOOP_COMMAND)).toBe("noop");
    expect(d.check(NOOP_COMMAND)).toBe("noop");
  });
});

describe("LogMerger (docs §10)", () => {
  it("emits (g0,1), (g1,1), (g0,2), … and waits for the missing entry", () => {
    const m = new LogMerger([0, 1]);
    expect(m.push(1, cmd(1, 1))).toEqual([]);
    expect(m.waitingFor).toEqual({ group: 0, instance: 1 });
    expect(m.push(0, cmd(0, 1)).map((e) => [e.group, e.instance])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(m.push(0, cmd(0, 2)).map((e) => [e.group, e.instance])).toEqual([[0, 2]]);
    expect(m.waitingFor).toEqual({ group: 1, instance: 2 });
  });

  it("computes how many instances a group needs for everything delivered elsewhere to merge", () => {
    const order = [0, 1, 2];
    const counts = new Map([
      [0, 5],
      [2, 3],
    ]);
    // g1 follows g0 (needs 5 - 1 = 4) and precedes g2 (needs 3)
    expect(LogMerger.needed(order, 1, counts)).toBe(4);
    expect(LogMerger.needed(order, 0, new Map([[1, 2]]))).toBe(2);
  });

  it("rejects an empty or duplicated order and unknown groups", () => {
    expect(() => new LogMerger([])).toThrow(RangeError);
    expect(() => new LogMerger([1, 1])).toThrow(RangeError);
    expect(() => new LogMerger([0]).push(3, cmd(1, 1))).toThrow(RangeError);
  });
});
