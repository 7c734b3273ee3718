import { describe, expect, it } from "vitest";
import { epochFloor, makeRound, RoundError, roundCoordinator, roundEpoch } from "../../../src/paxos/round.js";

describe("rounds (docs §3)", () => {
  it("packs epoch and coordinator id and unpacks them", () => {
    expect(makeRound(1, 1)).toBe(257);
    expect(makeRound(3, 200)).toBe(3 * 256 + 200);
    expect(roundEpoch(makeRound(7, 9))).toBe(7);
    expect(roundCoordinator(makeRound(7, 9))).toBe(9);
  });

  it("orders by epoch first, so a later epoch beats any coordinator id", () => {
    expect(makeRound(2, 1)).toBeGreaterThan(makeRound(1, 255));
  });

  it("never gives two coordinators the same round", () => {
    const seen = new Set<number>();
    for (let e = 1; e <= 20; e++) for (let c = 1; c <= 255; c++) seen.add(makeRound(e, c));
    expect(seen.size).toBe(20 * 255);
  });

  it("an epoch floor admits every round of its epoch and none of the previous", () => {
    expect(makeRound(5, 1)).toBeGreaterThanOrEqual(epochFloor(5));
    expect(makeRound(4, 255)).toBeLessThan(epochFloor(5));
  });

  it("rejects ids and epochs out of range", () => {
    expect(() => makeRound(1, 0)).toThrow(RoundError);
    expect(() => makeRound(1, 256)).toThrow(RoundError);
    expect(() => makeRound(0, 1)).toThrow(RoundError);
    expect(() => makeRound(1.5, 1)).toThrow(RoundError);
    expect(() => makeRound(2 ** 24, 1)).toThrow(RoundError);
    expect(() => epochFloor(0)).toThrow(RoundError);
  });
});
