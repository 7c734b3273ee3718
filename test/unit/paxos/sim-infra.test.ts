import { describe, expect, it } from "vitest";
import { FaultModel } from "../../../src/paxos/sim/network.js";
import { Prng } from "../../../src/paxos/sim/prng.js";
import { EventQueue } from "../../../src/paxos/sim/queue.js";
import { p2a } from "./helpers.js";

describe("Prng", () => {
  it("is a pure function of its seed", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 50 }, () => a.nextU32());
    expect(Array.from({ length: 50 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.nextU32())).not.toEqual(xs);
  });

  it("stays in range and is roughly uniform", () => {
    const r = new Prng(7);
    const buckets = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = r.next();
      if (x < 0 || x >= 1) outside++;
      else buckets[Math.floor(x * 10)]++;
    }
    expect(outside).toBe(0);
    for (const b of buckets) expect(Math.abs(b - 2000)).toBeLessThan(200);
    expect(r.int(1)).toBe(0);
    expect(r.chance(0)).toBe(false);
  });
});

describe("EventQueue", () => {
  it("pops by time, and in insertion order for equal times", () => {
    const q = new EventQueue<string>();
    const r = new Prng(1);
    const items: [number, string][] = [];
    for (let i = 0; i < 200; i++) {
      const t = r.int(20);
      items.push([t, `e${i}`]);
      q.push(t, `e${i}`);
    }
    const expected = [...items].sort((a, b) => a[0] - b[0]).map((x) => x[1]); // stable sort
    const got: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) got.push(e.item);
    expect(got).toEqual(expected);
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBeUndefined();
  });
});

describe("FaultModel", () => {
  const msg = p2a(1, 257);

  it("delivers one copy within the delay range on a clean link", () => {
    const f = new FaultModel();
    f.setDefault({ loss: 0, dup: 0, delayMin: 1, delayMax: 2 });
    const copies = f.copies("a", "b", msg, new Prng(1));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toBeGreaterThanOrEqual(1);
    expect(copies[0]).toBeLessThan(2);
    expect(f.maxDelay()).toBe(2);
  });

  it("loses, duplicates, partitions and filters", () => {
    const f = new FaultModel();
    const r = new Prng(3);
    f.setLink("a", "b", { loss: 1, dup: 0, delayMin: 1, delayMax: 1 });
    expect(f.copies("a", "b", msg, r)).toEqual([]);
    expect(f.copies("b", "a", msg, r)).toHaveLength(1);
    f.setLink("a", "c", { loss: 0, dup: 1, delayMin: 1, delayMax: 1 });
    expect(f.copies("a", "c", msg, r)).toHaveLength(2);
    f.partition(["x"], ["y", "z"]);
    expect(f.copies("z", "x", msg, r)).toEqual([]);
    expect(f.isCut("x", "y")).toBe(true);
    f.healPartitions();
    expect(f.copies("z", "x", msg, r)).toHaveLength(1);
    f.addFilter("no-p2a", (_f, _t, m) => m.instance === 1);
    expect(f.copies("z", "x", msg, r)).toEqual([]);
    f.removeFilter("no-p2a");
    expect(f.copies("z", "x", msg, r)).toHaveLength(1);
  });
});
