import { describe, expect, it } from "vitest";
import {
  checkLinearizable,
  HistoryError,
  type HistoryOp,
  type KvOp,
  type KvOutput,
  stepModel,
} from "../../../hosts/kv/linearizability.js";

let nextId = 1;
function op(
  key: string,
  o: KvOp,
  invoke: number,
  complete: number | null,
  output: KvOutput | null,
  process = 0,
): HistoryOp {
  return { id: nextId++, key, op: o, invoke, complete, output, process };
}
const put = (v: string): KvOp => ({ kind: "put", value: v });
const get: KvOp = { kind: "get" };
const got = (v: string | null): KvOutput => ({ kind: "get", value: v });
const putOk: KvOutput = { kind: "put" };

describe("linearizability checker", () => {
  it("accepts a sequential history", () => {
    const h = [
      op("x", put("1"), 0, 1, putOk),
      op("x", get, 2, 3, got("1")),
      op("x", { kind: "del" }, 4, 5, { kind: "del", deleted: true }),
      op("x", get, 6, 7, got(null)),
    ];
    expect(checkLinearizable(h).ok).toBe(true);
  });

  it("rejects a stale read after a completed write", () => {
    const h = [op("x", put("1"), 0, 1, putOk), op("x", put("2"), 2, 3, putOk), op("x", get, 4, 5, got("1"))];
    const r = checkLinearizable(h);
    expect(r.ok).toBe(false);
    if (r.ok === false) expect(r.key).toBe("x");
  });

  it("accepts either order for overlapping writes, with reads that fix one", () => {
    const h = [
      op("x", put("a"), 0, 10, putOk, 1),
      op("x", put("b"), 1, 9, putOk, 2),
      op("x", get, 11, 12, got("a"), 3),
      op("x", get, 13, 14, got("a"), 3),
    ];
    expect(checkLinearizable(h).ok).toBe(true);
    const h2 = [...h.slice(0, 2), op("x", get, 11, 12, got("b")), op("x", get, 13, 14, got("a"))];
    // b then a would need another write between the reads: none exists.
    expect(checkLinearizable(h2).ok).toBe(false);
  });

  it("rejects reads that see a value disappear and come back (no write in between)", () => {
    const h = [
      op("x", put("1"), 0, 100, putOk, 1),
      op("x", get, 1, 2, got("1"), 2),
      op("x", get, 3, 4, got(null), 2),
    ];
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it("treats an unanswered write as possibly applied at any later time", () => {
    const h = [
      op("x", put("1"), 0, null, null, 1),
      op("x", get, 5, 6, got(null), 2),
      op("x", get, 7, 8, got("1"), 2),
    ];
    expect(checkLinearizable(h).ok).toBe(true);
    // …or never applied.
    const never = [op("x", put("1"), 0, null, null, 1), op("x", get, 5, 6, got(null), 2)];
    expect(checkLinearizable(never).ok).toBe(true);
    // But not before it was invoked.
    const early = [op("x", get, 0, 1, got("1"), 2), op("x", put("1"), 5, null, null, 1)];
    expect(checkLinearizable(early).ok).toBe(false);
  });

  it("checks compare-and-set results against the state", () => {
    const ok = [
      op("k", { kind: "cas", expected: null, value: "a" }, 0, 1, { kind: "cas", ok: true }),
      op("k", { kind: "cas", expected: "b", value: "c" }, 2, 3, { kind: "cas", ok: false }),
      op("k", { kind: "cas", expected: "a", value: "c" }, 4, 5, { kind: "cas", ok: true }),
      op("k", get, 6, 7, got("c")),
    ];
    expect(checkLinearizable(ok).ok).toBe(true);
    // Two concurrent cas(absent → x) cannot both succeed.
    const both = [
      op("k", { kind: "cas", expected: null, value: "a" }, 0, 5, { kind: "cas", ok: true }, 1),
      op("k", { kind: "cas", expected: null, value: "b" }, 1, 4, { kind: "cas", ok: true }, 2),
    ];
    expect(checkLinearizable(both).ok).toBe(false);
  });

  it("checks keys independently and uses the initial state", () => {
    const h = [op("a", get, 0, 1, got("init")), op("b", get, 0, 1, got(null))];
    expect(checkLinearizable(h).ok).toBe(false);
    expect(checkLinearizable(h, { initial: new Map([["a", "init"]]) }).ok).toBe(true);
  });

  it("handles a larger concurrent history quickly (memoisation)", () => {
    const h: HistoryOp[] = [];
    // 12 concurrent writers, then a read of the last-linearized value; all overlap.
    for (let p = 0; p < 12; p++) h.push(op("z", put(String(p)), p, 100 + p, putOk, p));
    h.push(op("z", get, 200, 201, got("7"), 99));
    const r = checkLinearizable(h);
    expect(r.ok).toBe(true);
    h.push(op("z", get, 202, 203, got("8"), 99));
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it("reports a budget exhaustion as unknown, not as a verdict", () => {
    const h: HistoryOp[] = [];
    for (let p = 0; p < 14; p++) h.push(op("z", put(String(p)), 0, 100, putOk, p));
    h.push(op("z", get, 200, 201, got("nope"), 99));
    expect(checkLinearizable(h, { maxSteps: 50 }).ok).toBe("unknown");
  });

  it("rejects malformed histories with a typed error", () => {
    expect(() => checkLinearizable([op("x", get, 5, 1, got(null))])).toThrow(HistoryError);
    expect(() => checkLinearizable([op("x", get, 0, 1, null)])).toThrow(HistoryError);
  });

  it("model: output kind must match the operation", () => {
    expect(stepModel(null, put("a"), { kind: "get", value: null })).toBeNull();
    expect(stepModel("a", { kind: "del" }, { kind: "del", deleted: true })).toEqual({ state: null });
  });
});
