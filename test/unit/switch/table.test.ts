import { describe, expect, it } from "vitest";
import { ControlError } from "../../../src/switch/errors.js";
import type { KeyField } from "../../../src/switch/tables/match.js";
import { type ActionRef, Table } from "../../../src/switch/tables/table.js";

const act = (index: number, name: string, widths: number[] = []): ActionRef => ({
  index,
  name,
  widths,
  paramNames: widths.map((_, i) => `p${i}`),
});
const A = [act(0, "NoAction"), act(1, "MyIngress.set", [16])];
const mk = (keys: KeyField[], max = 100) =>
  new Table(
    "t",
    keys,
    A,
    { action: A[0]!, params: [], data: [], actionConst: false, entryConst: false },
    max,
    false,
    false,
  );
const data = (t: Table, key: Array<number | bigint>) => t.lookup(key)?.data[0];

describe("exact tables", () => {
  it("packs multi-field keys (numeric and string packing)", () => {
    for (const keys of [
      [
        { name: "a", kind: "exact", width: 16 },
        { name: "b", kind: "exact", width: 9 },
      ],
      [
        { name: "a", kind: "exact", width: 48 },
        { name: "b", kind: "exact", width: 32 },
      ],
    ] as KeyField[][]) {
      const t = mk(keys);
      const big = keys[0]!.width > 32;
      const k = (a: number, b: number) => [big ? BigInt(a) : a, b];
      t.insert({
        match: [
          { kind: "exact", value: 5n },
          { kind: "exact", value: 7n },
        ],
        action: "set",
        params: [1n],
      });
      t.insert({
        match: [
          { kind: "exact", value: 7n },
          { kind: "exact", value: 5n },
        ],
        action: "set",
        params: [2n],
      });
      expect(data(t, k(5, 7))).toBe(1);
      expect(data(t, k(7, 5))).toBe(2);
      expect(data(t, k(5, 5))).toBeUndefined();
    }
  });

  it("modifies, deletes, enforces size, and rejects duplicates and out-of-range values", () => {
    const t = mk([{ name: "a", kind: "exact", width: 8 }], 2);
    const h = t.insert({ match: [{ kind: "exact", value: 1n }], action: "set", params: [1n] });
    expect(() => t.insert({ match: [{ kind: "exact", value: 1n }], action: "set", params: [1n] })).toThrow(
      /duplicate/,
    );
    expect(() => t.insert({ match: [{ kind: "exact", value: 256n }], action: "set", params: [1n] })).toThrow(
      /does not fit 8-bit/,
    );
    expect(() =>
      t.insert({ match: [{ kind: "lpm", value: 1n, prefixLen: 8 }], action: "set", params: [1n] }),
    ).toThrow(/is exact/);
    t.modify(h, "set", [9n]);
    expect(data(t, [1])).toBe(9);
    t.insert({ match: [{ kind: "exact", value: 2n }], action: "NoAction" });
    expect(() => t.insert({ match: [{ kind: "exact", value: 3n }], action: "NoAction" })).toThrow(/full/);
    t.delete(h);
    expect(t.lookup([1])).toBeUndefined();
    expect(() => t.delete(h)).toThrow(ControlError);
    expect(t.find([{ kind: "exact", value: 2n }])?.action.name).toBe("NoAction");
  });

  it("validates the default action", () => {
    const t = mk([{ name: "a", kind: "exact", width: 8 }]);
    t.setDefault("set", [3n]);
    expect(t.default.data).toEqual([3]);
    expect(() => t.setDefault("set", [])).toThrow(/takes 1 parameters/);
    t.resetDefault();
    expect(t.default.action.name).toBe("NoAction");
  });
});

describe("lpm tables", () => {
  it("finds the longest prefix for 32- and 128-bit keys, with an exact field next to it", () => {
    for (const w of [32, 128]) {
      const v = (x: bigint) => (w <= 32 ? Number(x) : x);
      const sh = BigInt(w - 32);
      const t = mk([
        { name: "vrf", kind: "exact", width: 8 },
        { name: "dst", kind: "lpm", width: w },
      ]);
      const add = (vrf: bigint, pfx: bigint, len: number, p: bigint) =>
        t.insert({
          match: [
            { kind: "exact", value: vrf },
            { kind: "lpm", value: pfx << sh, prefixLen: len },
          ],
          action: "set",
          params: [p],
        });
      add(1n, 0x0a000000n, 8, 1n);
      add(1n, 0x0a010000n, 16, 2n);
      add(1n, 0n, 0, 3n);
      add(2n, 0x0a010100n, 24, 4n);
      expect(data(t, [1, v(0x0a010203n << sh)])).toBe(2);
      expect(data(t, [1, v(0x0a020203n << sh)])).toBe(1);
      expect(data(t, [1, v(0x0b000000n << sh)])).toBe(3);
      expect(data(t, [2, v(0x0a010101n << sh)])).toBe(4);
      expect(data(t, [2, v(0x0a010201n << sh)])).toBeUndefined();
      const h = t.find([
        { kind: "exact", value: 1n },
        { kind: "lpm", value: 0x0a010000n << sh, prefixLen: 16 },
      ])!.handle;
      t.delete(h);
      expect(data(t, [1, v(0x0a010203n << sh)])).toBe(1);
    }
  });

  it("ignores host bits of the prefix value", () => {
    const t = mk([{ name: "dst", kind: "lpm", width: 32 }]);
    t.insert({ match: [{ kind: "lpm", value: 0x0a0000ffn, prefixLen: 8 }], action: "set", params: [1n] });
    expect(data(t, [0x0a123456])).toBe(1);
    expect(() =>
      t.insert({ match: [{ kind: "lpm", value: 0x0a000000n, prefixLen: 8 }], action: "set", params: [1n] }),
    ).toThrow(/duplicate/);
    expect(() =>
      t.insert({ match: [{ kind: "lpm", value: 0n, prefixLen: 33 }], action: "set", params: [1n] }),
    ).toThrow(/prefix length/);
  });
});

describe("ternary / range / optional tables", () => {
  it("orders by priority (larger first), then insertion", () => {
    const t = mk([
      { name: "a", kind: "ternary", width: 32 },
      { name: "r", kind: "range", width: 16 },
      { name: "o", kind: "optional", width: 64 },
    ]);
    const ins = (
      prio: number,
      v: bigint,
      m: bigint,
      lo: bigint,
      hi: bigint,
      o: bigint | undefined,
      p: bigint,
    ) =>
      t.insert({
        match: [
          { kind: "ternary", value: v, mask: m },
          { kind: "range", low: lo, high: hi },
          o === undefined ? { kind: "optional" } : { kind: "optional", value: o },
        ],
        priority: prio,
        action: "set",
        params: [p],
      });
    ins(10, 0n, 0n, 0n, 0xffffn, undefined, 1n);
    ins(20, 0xff000000n, 0xff000000n, 100n, 200n, undefined, 2n);
    ins(30, 0n, 0n, 150n, 160n, 5n, 3n);
    ins(20, 0x00ff0000n, 0x00ff0000n, 0n, 0xffffn, undefined, 4n);
    expect(data(t, [0xff000001, 150, 5n])).toBe(3);
    expect(data(t, [0xff000001, 150, 6n])).toBe(2);
    expect(data(t, [0xffff0001, 50, 6n])).toBe(4);
    expect(data(t, [0x01000001, 50, 6n])).toBe(1);
    expect(() => ins(0, 0n, 0n, 0n, 1n, undefined, 1n)).toThrow(/priority > 0/);
    expect(() => ins(5, 0n, 0n, 5n, 1n, undefined, 1n)).toThrow(/empty range/);
  });
});

describe("keyless tables", () => {
  it("take no entries, only a default action", () => {
    const t = mk([]);
    expect(() => t.insert({ match: [], action: "set", params: [1n] })).toThrow(/no key/);
    t.setDefault("set", [4n]);
    expect(t.default.data).toEqual([4]);
  });
});
