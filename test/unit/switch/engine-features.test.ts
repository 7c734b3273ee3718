import { describe, expect, it } from "vitest";
import { InstanceType, V1Switch } from "../../../src/switch/engine.js";
import { ControlError } from "../../../src/switch/errors.js";
import { crc16, crc32 } from "../../../src/switch/program/hash.js";
import { be32, dataFrame, fixture, readData } from "./helpers.js";

let now = 0;
const sw = () => new V1Switch(fixture("features.json"), { clock: () => now });

describe("features fixture: arithmetic", () => {
  it("wraps, truncates, saturates and handles 64-bit fields", () => {
    const s = sw();
    const [o] = s.process(0, dataFrame({ op: 1, a: 0xffffffff, b: 2, w64: 0xffffffffffffffffn, s8: 100 }));
    const d = readData(o!.data);
    expect(o!.port).toBe(1);
    expect(d.r32).toBe(1); // (2^32-1 + 2) mod 2^32
    expect(d.r16).toBe(0xfffd); // (a - b) & 0xffff
    expect(d.w64).toBe((0xffffffffffffffffn * 3n + 1n) & 0xffffffffffffffffn);
    expect(d.s8).toBe(127); // sat_cast(100 + 100, 8)
    expect(d.r8).toBe(0xfd); // ~2 & 0xff
  });

  it("saturates negative values at -128 for signed fields", () => {
    const s = sw();
    const [o] = s.process(0, dataFrame({ op: 1, a: 1, b: 5, s8: -100 }));
    const d = readData(o!.data);
    expect(d.s8).toBe(0); // -100 + 100
    const [o2] = s.process(0, dataFrame({ op: 1, a: 1, b: 5, s8: 127 }));
    expect(readData(o2!.data).s8).toBe(127);
    expect(readData(o2!.data).r16).toBe(0xfffc); // 1 - 5 wraps
  });
});

describe("features fixture: hashes", () => {
  it("computes crc32 and crc16 over packed fields", () => {
    const s = sw();
    const [o] = s.process(0, dataFrame({ op: 2, a: 0x01020304, b: 0x05060708 }));
    const d = readData(o!.data);
    expect(d.r32).toBe(crc32(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])));
    expect(d.r16).toBe(crc16(Uint8Array.from([1, 2, 3, 4])));
  });

  it("implements the standard check values", () => {
    const check = new TextEncoder().encode("123456789");
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc16(check)).toBe(0xbb3d);
  });
});

describe("features fixture: replication and cloning", () => {
  it("multicasts to every replica with egress_rid and instance type REPLICATION", () => {
    const s = sw();
    s.setMulticastGroup(7, [
      { port: 2, rid: 10 },
      { port: 3, rid: 11 },
    ]);
    const out = s.process(0, dataFrame({ op: 3, a: 7 }));
    expect(out.map((o) => o.port)).toEqual([2, 3]);
    // Unknown group: nothing is sent, the packet counts as dropped.
    expect(s.process(0, dataFrame({ op: 3, a: 8 }))).toEqual([]);
  });

  it("clones ingress-to-egress: the clone is the original packet with only the field list kept", () => {
    const s = sw();
    s.setCloneSession(9, { replicas: [{ port: 5, rid: 3 }] });
    const input = dataFrame({ op: 4, a: 9 });
    const out = s.process(0, input);
    expect(out).toHaveLength(2);
    const orig = out.find((o) => o.port === 1)!;
    const clone = out.find((o) => o.port === 5)!;
    expect(readData(orig.data).r8).toBe(0x11);
    const c = readData(clone.data);
    expect(c.r8).toBe(0xc1); // egress saw instance_type == INGRESS_CLONE
    expect(c.r16).toBe(0x5a00); // keep (in the field list) survived; shifted by 8
    expect(c.b).toBe(3); // egress_rid of the clone replica
    // Without a configured session nothing is cloned.
    expect(sw().process(0, input)).toHaveLength(1);
  });

  it("truncates clones to the session's truncate length", () => {
    const s = sw();
    s.setCloneSession(9, { replicas: [{ port: 5, rid: 0 }], truncateLength: 20 });
    const out = s.process(0, dataFrame({ op: 4, a: 9 }));
    expect(out.find((o) => o.port === 5)!.data.length).toBe(20);
    expect(out.find((o) => o.port === 1)!.data.length).toBe(dataFrame({ op: 4 }).length);
  });

  it("clones egress-to-egress with the egress-modified headers", () => {
    const s = sw();
    s.setCloneSession(5, { replicas: [{ port: 6, rid: 0 }] });
    const out = s.process(0, dataFrame({ op: 12 }));
    expect(out.map((o) => o.port).sort()).toEqual([1, 6]);
    expect(readData(out.find((o) => o.port === 6)!.data).r8).toBe(0xe2);
    expect(readData(out.find((o) => o.port === 1)!.data).r8).toBe(0);
  });

  it("resubmits with the field list preserved and other metadata reset", () => {
    const s = sw();
    const [o] = s.process(0, dataFrame({ op: 5 }));
    expect(o!.port).toBe(2);
    expect(readData(o!.data).r8).toBe(42);
    expect(readData(o!.data).r16).toBe(0);
  });

  it("recirculates the deparsed packet", () => {
    const s = sw();
    const out = s.process(0, dataFrame({ op: 9 }));
    expect(out).toHaveLength(1);
    expect(out[0]!.port).toBe(4);
    expect(readData(out[0]!.data).r8).toBe(7);
    expect(InstanceType.RECIRC).toBe(4);
  });
});

describe("features fixture: digest, stacks, jumps, exit, ternary, meters", () => {
  it("sends a digest with the learn list values", () => {
    const s = sw();
    const got: unknown[] = [];
    s.onDigest = (d) => got.push(d);
    s.process(3, dataFrame({ op: 6, a: 0xabcdef }));
    expect(got).toEqual([
      {
        listId: 1,
        name: "learn_1",
        fields: [
          { name: "data.a", value: 0xabcdefn },
          { name: "standard_metadata.ingress_port", value: 3n },
        ],
      },
    ]);
  });

  it("extracts stacks until the terminator, pushes and reports the last index", () => {
    const s = sw();
    const [o] = s.process(0, dataFrame({ op: 7 }, [5, 0], [0x99]));
    const b = o!.data;
    expect(readData(b).r8).toBe(2); // three valid elements after push
    expect([...b.subarray(39)]).toEqual([0x77, 5, 0, 0x99]);
  });

  it("flags StackOutOfBounds when the stack overflows, and still forwards", () => {
    const s = sw();
    const out = s.process(0, dataFrame({ op: 11 }, [1, 2, 3, 4, 0]));
    expect(s.stats.parserErrors).toBe(1);
    expect(out).toHaveLength(1);
    expect([...out[0]!.data.subarray(39)]).toEqual([1, 2, 3, 4, 0, 0xaa, 0xbb]);
  });

  it("follows _jump/_jump_if_zero and stops the control at exit", () => {
    const s = sw();
    s.insertEntry("tern", {
      match: [
        { kind: "ternary", value: 0n, mask: 0n },
        { kind: "exact", value: 1n },
      ],
      priority: 1,
      action: "set_r16",
      params: [0x1234n],
    });
    const [a] = s.process(0, dataFrame({ op: 8, a: 5 }));
    expect(a!.port).toBe(3);
    expect(readData(a!.data).r8).toBe(1);
    expect(readData(a!.data).r16).toBe(0); // tern was not applied: exit
    const [b] = s.process(0, dataFrame({ op: 8, a: 6 }));
    expect(readData(b!.data).r8).toBe(2);
  });

  it("applies ternary entries by priority (larger wins)", () => {
    const s = sw();
    s.insertEntry("tern", {
      match: [
        { kind: "ternary", value: 0x100n, mask: 0xf00n },
        { kind: "exact", value: 1n },
      ],
      priority: 10,
      action: "set_r16",
      params: [1n],
    });
    s.insertEntry("tern", {
      match: [
        { kind: "ternary", value: 0x120n, mask: 0xff0n },
        { kind: "exact", value: 1n },
      ],
      priority: 20,
      action: "set_r16",
      params: [2n],
    });
    const r16 = (a: number) => readData(s.process(0, dataFrame({ op: 11, a }))[0]!.data).r16;
    expect(r16(0x123)).toBe(2);
    expect(r16(0x133)).toBe(1);
    expect(r16(0x233)).toBe(0);
    expect(() =>
      s.insertEntry("tern", {
        match: [
          { kind: "ternary", value: 0x120n, mask: 0xff0n },
          { kind: "exact", value: 1n },
        ],
        priority: 20,
        action: "set_r16",
        params: [3n],
      }),
    ).toThrow(ControlError);
    expect(() =>
      s.insertEntry("tern", {
        match: [
          { kind: "ternary", value: 1n, mask: 1n },
          { kind: "exact", value: 1n },
        ],
        action: "set_r16",
        params: [3n],
      }),
    ).toThrow(/priority/);
  });

  it("rejects changes to const tables and const default actions", () => {
    const s = sw();
    expect(() => s.insertEntry("ops", { match: [{ kind: "exact", value: 99n }], action: "arith" })).toThrow(
      /const/,
    );
    expect(() => s.setDefaultAction("tbl_mark_clone", "NoAction")).toThrow(ControlError);
  });

  it("meters packets with a two-rate three-color meter", () => {
    now = 0;
    const s = sw();
    s.meterSet("MyIngress.m", 0, { cir: 1, cburst: 1, pir: 2, pburst: 2 });
    const meterOp = 10; // do_meter is the 10th op action (op = index + 1)
    const c = () => readData(s.process(0, dataFrame({ op: meterOp }))[0]!.data).r8;
    expect([c(), c(), c()]).toEqual([0, 1, 2]);
    now += 1_000_000; // one second refills one committed and two peak tokens
    expect([c(), c(), c()]).toEqual([0, 1, 2]);
  });
});

describe("control-plane errors", () => {
  it("names unknown tables, actions and bad parameters", () => {
    const s = sw();
    expect(() => s.table("nope")).toThrow(/unknown table 'nope'/);
    expect(() =>
      s.insertEntry("tern", {
        match: [
          { kind: "ternary", value: 1n, mask: 1n },
          { kind: "exact", value: 1n },
        ],
        priority: 1,
        action: "zzz",
      }),
    ).toThrow(/zzz/);
    expect(() =>
      s.insertEntry("tern", {
        match: [
          { kind: "ternary", value: 1n, mask: 1n },
          { kind: "exact", value: 1n },
        ],
        priority: 1,
        action: "set_r16",
        params: [0x10000n],
      }),
    ).toThrow(/fit/);
    expect(() => s.registerRead("x", 0)).toThrow(ControlError);
    expect(be32(1)).toEqual([0, 0, 0, 1]);
  });
});

describe("signed fields", () => {
  it("match table entries and digests by their bits", () => {
    const j = fixture("features.json");
    j.pipelines[0]!.tables[1]!.key[0]!.target = ["data", "s8"];
    const s = new V1Switch(j);
    s.insertEntry("tern", {
      match: [
        { kind: "ternary", value: 0xffn, mask: 0xffn },
        { kind: "exact", value: 1n },
      ],
      priority: 1,
      action: "set_r16",
      params: [7n],
    });
    expect(readData(s.process(0, dataFrame({ op: 11, s8: -1 }))[0]!.data).r16).toBe(7);
    expect(readData(s.process(0, dataFrame({ op: 11, s8: 1 }))[0]!.data).r16).toBe(0);
  });
});
