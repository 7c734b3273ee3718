import { describe, expect, it } from "vitest";
import { V1Switch } from "../../../src/switch/engine.js";
import { csum16 } from "../../../src/switch/program/hash.js";
import { fixture, frame } from "./helpers.js";

const sw = () => new V1Switch(fixture("basic_l3.json"), { clock: () => 1000 });

describe("basic L3 fixture", () => {
  it("drops by default (default action mark_to_drop)", () => {
    const s = sw();
    expect(s.process(1, frame())).toEqual([]);
    expect(s.stats.dropped).toBe(1);
  });

  it("forwards on an lpm hit: rewrites MACs, decrements TTL, updates the IPv4 checksum", () => {
    const s = sw();
    s.insertEntry("MyIngress.ipv4_lpm", {
      match: [{ kind: "lpm", value: 0x0a000100n, prefixLen: 24 }],
      action: "ipv4_forward",
      params: [0x0000000000aan, 3n],
    });
    const input = frame({ ttl: 64 });
    const out = s.process(1, input);
    expect(out).toHaveLength(1);
    expect(out[0]!.port).toBe(3);
    const o = out[0]!.data;
    expect(o.length).toBe(input.length);
    expect([...o.subarray(0, 6)]).toEqual([0, 0, 0, 0, 0, 0xaa]);
    expect([...o.subarray(6, 12)]).toEqual([0, 0, 0, 0, 0, 1]);
    expect(o[14 + 8]).toBe(63);
    // A correct header checksum sums (with itself) to zero.
    expect(csum16(o.subarray(14, 34))).toBe(0);
    expect([...o.subarray(34)]).toEqual([...input.subarray(34)]);
    expect(s.registerRead("MyIngress.last_ttl", 0)).toBe(63n);
    expect(s.counterRead("MyIngress.port_counter", 1)).toEqual({ packets: 1, bytes: input.length });
    const [e] = s.readEntries("MyIngress.ipv4_lpm");
    expect(e!.packets).toBe(1);
  });

  it("prefers the longest prefix", () => {
    const s = sw();
    s.insertEntry("ipv4_lpm", {
      match: [{ kind: "lpm", value: 0x0a000000n, prefixLen: 8 }],
      action: "ipv4_forward",
      params: [1n, 1n],
    });
    s.insertEntry("ipv4_lpm", {
      match: [{ kind: "lpm", value: 0x0a000100n, prefixLen: 24 }],
      action: "ipv4_forward",
      params: [2n, 2n],
    });
    s.insertEntry("ipv4_lpm", {
      match: [{ kind: "lpm", value: 0n, prefixLen: 0 }],
      action: "ipv4_forward",
      params: [3n, 3n],
    });
    expect(s.process(0, frame({ ipDst: 0x0a000105 }))[0]!.port).toBe(2);
    expect(s.process(0, frame({ ipDst: 0x0a020105 }))[0]!.port).toBe(1);
    expect(s.process(0, frame({ ipDst: 0x0b020105 }))[0]!.port).toBe(3);
  });

  it("passes non-IPv4 frames through the parser unchanged (and to port 0 — egress_spec 0)", () => {
    const s = sw();
    const arp = frame({ etherType: 0x0806 });
    const out = s.process(2, arp);
    expect(out).toEqual([{ port: 0, data: arp }]);
  });

  it("reports PacketTooShort and still runs ingress", () => {
    const s = sw();
    const short = frame().subarray(0, 20);
    const out = s.process(1, short);
    expect(s.stats.parserErrors).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]!.data).toEqual(short);
  });
});

describe("out-of-range extern indexes", () => {
  it("leave counters unchanged and read registers as 0, without dropping", () => {
    const j = fixture("basic_l3.json");
    // Count at an index computed from the packet: ingress_port & 0x1ff can exceed the array.
    j.counter_arrays![0]!.size = 4;
    const s = new V1Switch(j);
    s.insertEntry("ipv4_lpm", {
      match: [{ kind: "lpm", value: 0n, prefixLen: 0 }],
      action: "ipv4_forward",
      params: [1n, 2n],
    });
    expect(s.process(9, frame())).toHaveLength(1);
    expect(s.program.counters.get("MyIngress.port_counter")!.outOfRange).toBe(1);
    expect(s.stats.packetErrors).toBe(0);
  });
});
