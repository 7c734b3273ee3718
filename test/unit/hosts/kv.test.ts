import { describe, expect, it } from "vitest";
import { decodeKv, encodeKv, type KvCommand, KvEncodeError } from "../../../hosts/kv/command.js";
import { randomClientProposerId, sessionProposerId } from "../../../hosts/kv/session.js";
import { KvStateMachine } from "../../../hosts/kv/state.js";

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
const s = (x: Uint8Array | null): string | null => (x ? new TextDecoder().decode(x) : null);
const cmd = (c: KvCommand, seq = 1) => ({ proposer: 1, seq, value: encodeKv(c) });

describe("KV command encoding", () => {
  const cases: KvCommand[] = [
    { op: "put", key: b("k"), value: b("v") },
    { op: "put", key: b("key"), value: new Uint8Array(0) },
    { op: "get", key: b("a/b c") },
    { op: "del", key: b("x") },
    { op: "cas", key: b("k"), expected: b("old"), value: b("new") },
    { op: "cas", key: b("k"), expected: null, value: b("first") },
    { op: "cas", key: b("k"), expected: new Uint8Array(0), value: b("") },
  ];
  it.each(cases.map((c) => [c.op, c] as const))("round-trips %s", (_op, c) => {
    const d = decodeKv(encodeKv(c));
    expect(d).toEqual({ ok: true, command: c });
  });

  it("uses exactly the documented sizes and fits 64 bytes at the limit", () => {
    expect(encodeKv({ op: "put", key: b("k"), value: b("v") })).toEqual(
      new Uint8Array([0x50, 1, 0x6b, 0x76]),
    );
    const key = b("k".repeat(30));
    expect(encodeKv({ op: "put", key, value: new Uint8Array(32) }).length).toBe(64);
    expect(encodeKv({ op: "cas", key, expected: new Uint8Array(16), value: new Uint8Array(15) }).length).toBe(
      64,
    );
  });

  it("rejects commands that do not fit with a clear error", () => {
    const key = b("k".repeat(30));
    expect(() => encodeKv({ op: "put", key, value: new Uint8Array(33) })).toThrow(KvEncodeError);
    try {
      encodeKv({ op: "cas", key, expected: new Uint8Array(16), value: new Uint8Array(16) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KvEncodeError);
      expect((e as KvEncodeError).kind).toBe("too_large");
      expect((e as Error).message).toMatch(/65 bytes; at most 64/);
    }
    expect(() => encodeKv({ op: "get", key: new Uint8Array(0) })).toThrow(/empty/);
  });

  it("decodes foreign or damaged values to an error, never a throw", () => {
    for (const bad of [
      [],
      [0x50],
      [0x50, 0],
      [0x50, 5, 1],
      [0x47, 1, 0x61, 0x62],
      [0x43, 1, 0x61],
      [0x43, 1, 0x61, 3, 1],
      [0x99, 1, 1],
    ]) {
      expect(decodeKv(new Uint8Array(bad)).ok).toBe(false);
    }
  });
});

describe("KV state machine", () => {
  it("applies put, get, del and cas", () => {
    const m = new KvStateMachine();
    expect(m.apply(cmd({ op: "get", key: b("a") }))).toEqual({ op: "get", found: false, value: null });
    expect(m.apply(cmd({ op: "put", key: b("a"), value: b("1") }))).toEqual({ op: "put", ok: true });
    const g = m.apply(cmd({ op: "get", key: b("a") }));
    expect(g.op === "get" && s(g.value)).toBe("1");
    const failed = m.apply(cmd({ op: "cas", key: b("a"), expected: b("0"), value: b("2") }));
    expect(failed.op === "cas" && !failed.ok && s(failed.current)).toBe("1");
    expect(m.apply(cmd({ op: "cas", key: b("a"), expected: b("1"), value: b("2") }))).toMatchObject({
      ok: true,
    });
    expect(m.apply(cmd({ op: "cas", key: b("b"), expected: null, value: b("x") }))).toMatchObject({
      ok: true,
    });
    expect(m.apply(cmd({ op: "cas", key: b("b"), expected: null, value: b("y") }))).toMatchObject({
      ok: false,
    });
    expect(m.apply(cmd({ op: "del", key: b("a") }))).toEqual({ op: "del", deleted: true });
    expect(m.apply(cmd({ op: "del", key: b("a") }))).toEqual({ op: "del", deleted: false });
    expect(s(m.read(b("b")))).toBe("x");
    expect(m.apply({ proposer: 1, seq: 9, value: b("hello") })).toMatchObject({ op: "invalid" });
  });

  it("snapshots and restores to an identical store (same digest)", () => {
    const m = new KvStateMachine();
    for (let k = 0; k < 20; k++)
      m.apply(cmd({ op: "put", key: b(`k${k % 7}`), value: new Uint8Array([k, 0, 255]) }));
    const copy = new KvStateMachine();
    copy.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(copy.digest()).toBe(m.digest());
    expect(copy.appliedCount).toBe(20);
    copy.apply(cmd({ op: "del", key: b("k1") }));
    expect(copy.digest()).not.toBe(m.digest());
    expect(() => copy.restore({ nope: 1 })).toThrow(/KV snapshot/);
  });

  it("same commands in the same order give the same digest, a different order may not", () => {
    const a = new KvStateMachine();
    const c = new KvStateMachine();
    const ops: KvCommand[] = [
      { op: "put", key: b("x"), value: b("1") },
      { op: "put", key: b("x"), value: b("2") },
    ];
    for (const o of ops) a.apply(cmd(o));
    for (const o of [...ops].reverse()) c.apply(cmd(o));
    expect(a.digest()).not.toBe(c.digest());
  });
});

describe("session proposer ids", () => {
  it("differ per learner, incarnation and group, and stay in their ranges", () => {
    const ids = new Set<number>();
    for (const l of [0, 1, 1023])
      for (const inc of [0, 1, 65535]) for (const g of [0, 3, 15]) ids.add(sessionProposerId(l, inc, g));
    expect(ids.size).toBe(27);
    for (const id of ids) expect(id >= 0x8000_0000 && id < 0xc000_0000).toBe(true);
    const r = randomClientProposerId();
    expect(r >= 0xc000_0000 && r <= 0xffff_ffff).toBe(true);
  });
});
