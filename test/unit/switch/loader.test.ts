import { describe, expect, it } from "vitest";
import { V1Switch } from "../../../src/switch/engine.js";
import { LoadError } from "../../../src/switch/errors.js";
import type { Bmv2Json } from "../../../src/switch/json.js";
import { dataFrame, fixture, frame } from "./helpers.js";

const mutate = (f: (j: Bmv2Json) => void): Bmv2Json => {
  const j = fixture("features.json");
  f(j);
  return j;
};
const action = (j: Bmv2Json, name: string) => j.actions.find((a) => a.name === name)!;

describe("loader refuses what it does not support, naming the construct", () => {
  it.each([
    [
      "an unknown primitive",
      (j: Bmv2Json) => action(j, "arith").primitives.push({ op: "execute_meter_ext", parameters: [] }),
      /unsupported primitive 'execute_meter_ext' in action arith/,
    ],
    [
      "an unknown expression operator",
      (j: Bmv2Json) => {
        action(j, "arith").primitives[0]!.parameters[1] = {
          type: "expression",
          value: {
            op: "**",
            left: { type: "hexstr", value: "0x1" },
            right: { type: "hexstr", value: "0x1" },
          },
        };
      },
      /unsupported expression operator '\*\*' in action arith/,
    ],
    [
      "an unknown field",
      (j: Bmv2Json) => {
        action(j, "arith").primitives[0]!.parameters[0] = { type: "field", value: ["data", "nope"] };
      },
      /unknown field 'data.nope' in action arith/,
    ],
    [
      "a varbit field",
      (j: Bmv2Json) => j.header_types[3]!.fields.push(["opts", "*"]),
      /unsupported variable-length field 'opts'/,
    ],
    ["a malformed header union", (j: Bmv2Json) => (j.header_unions = [{}]), /malformed header union/],
    [
      "extern instances",
      (j: Bmv2Json) => (j.extern_instances = [{ name: "x", type: "Checksum" }]),
      /extern instance 'x' of type 'Checksum'/,
    ],
    [
      "an indirect table",
      (j: Bmv2Json) => (j.pipelines[0]!.tables[1]!.type = "indirect"),
      /unsupported table type 'indirect' in table MyIngress.tern/,
    ],
    [
      "an unknown match kind",
      (j: Bmv2Json) => (j.pipelines[0]!.tables[1]!.key[0]!.match_type = "selector"),
      /unsupported match kind 'selector'/,
    ],
    [
      "a bad next state",
      (j: Bmv2Json) => (j.parsers[0]!.parse_states[0]!.transitions[0]!.next_state = "nowhere"),
      /unknown next state 'nowhere' in parse state parser.start/,
    ],
    [
      "an unknown hash algorithm",
      (j: Bmv2Json) => (j.calculations![0]!.algo = "md5"),
      /unsupported hash algorithm 'md5' in calculation calc_crc32/,
    ],
    ["a missing pipeline", (j: Bmv2Json) => j.pipelines.pop(), /pipelines named 'ingress' and 'egress'/],
    [
      "a JSON major version 3",
      (j: Bmv2Json) => (j.__meta__ = { version: [3, 0] }),
      /unsupported BMv2 JSON version 3/,
    ],
    ["a parse_vset", (j: Bmv2Json) => (j.parse_vsets = [{}]), /parse_vsets/],
  ])("%s", (_what, change, message) => {
    const j = mutate(change as (j: Bmv2Json) => void);
    expect(() => new V1Switch(j)).toThrow(LoadError);
    expect(() => new V1Switch(j)).toThrow(message);
  });

  it("rejects non-objects and missing arrays", () => {
    expect(() => new V1Switch(null as unknown as Bmv2Json)).toThrow(LoadError);
    expect(() => new V1Switch({} as Bmv2Json)).toThrow(/lacks the 'header_types' array/);
  });
});

describe("pipeline swap, CPU port, packet-in/out", () => {
  it("replaces the program and resets its state", () => {
    const s = new V1Switch(fixture("basic_l3.json"), { clock: () => 0 });
    s.insertEntry("ipv4_lpm", {
      match: [{ kind: "lpm", value: 0n, prefixLen: 0 }],
      action: "ipv4_forward",
      params: [1n, 2n],
    });
    expect(s.process(0, frame())).toHaveLength(1);
    s.loadPipeline(fixture("basic_l3.json"));
    expect(s.readEntries("ipv4_lpm")).toEqual([]);
    expect(s.process(0, frame())).toHaveLength(0);
    s.loadPipeline(fixture("features.json"));
    expect(s.tableNames()).toContain("MyIngress.tern");
  });

  it("keeps the old pipeline when the new one is refused", () => {
    const s = new V1Switch(fixture("basic_l3.json"));
    expect(() => s.loadPipeline({} as Bmv2Json)).toThrow(LoadError);
    expect(s.tableNames()).toContain("MyIngress.ipv4_lpm");
  });

  it("delivers packets for the CPU port to onPacketIn and injects packet-outs at ingress", () => {
    const s = new V1Switch(fixture("features.json"), { cpuPort: 1 });
    const pins: Uint8Array[] = [];
    s.onPacketIn = (d) => pins.push(d);
    // op 11 forwards to port 1, which is the CPU port here.
    expect(s.process(0, dataFrame({ op: 11 }))).toEqual([]);
    expect(pins).toHaveLength(1);
    expect(s.stats.packetIns).toBe(1);
    const out = s.packetOut(dataFrame({ op: 3, a: 5 }));
    expect(out).toEqual([]); // multicast group 5 does not exist
    s.setMulticastGroup(5, [{ port: 7, rid: 1 }]);
    expect(s.packetOut(dataFrame({ op: 3, a: 5 })).map((o) => o.port)).toEqual([7]);
  });

  it("counts a packet whose processing fails as a drop instead of throwing", () => {
    const j = mutate((x) => {
      action(x, "to_port1").primitives.unshift({
        op: "assert",
        parameters: [{ type: "bool", value: false }],
      });
    });
    const s = new V1Switch(j);
    const errs: string[] = [];
    s.onError = (e) => errs.push(e.message);
    expect(s.process(0, dataFrame({ op: 11 }))).toEqual([]);
    expect(s.stats.packetErrors).toBe(1);
    expect(errs[0]).toMatch(/assert failed in action to_port1/);
  });

  it("survives truncated and empty packets", () => {
    const s = new V1Switch(fixture("features.json"));
    for (let n = 0; n < 45; n++) s.process(0, dataFrame({ op: 11 }, [1, 0]).subarray(0, n));
    expect(s.stats.received).toBe(45);
    expect(s.stats.parserErrors).toBeGreaterThan(0);
  });
});

describe("robustness", () => {
  it("never throws on arbitrary input bytes and ports", async () => {
    const fc = (await import("fast-check")).default;
    const sws = [new V1Switch(fixture("basic_l3.json")), new V1Switch(fixture("features.json"))];
    sws[0]!.insertEntry("ipv4_lpm", {
      match: [{ kind: "lpm", value: 0n, prefixLen: 0 }],
      action: "ipv4_forward",
      params: [1n, 2n],
    });
    sws[1]!.setMulticastGroup(1, [{ port: 1, rid: 1 }]);
    sws[1]!.setCloneSession(1, { replicas: [{ port: 2, rid: 0 }] });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 511 }), (bytes, port) => {
        for (const s of sws) s.process(port, bytes);
      }),
      { numRuns: 500, seed: 7 },
    );
    // Structured packets with random ops exercise every action.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.uint8Array({ minLength: 30, maxLength: 60 }),
        (op, rest) => {
          const b = dataFrame({ op });
          const pkt = Uint8Array.from([...b.subarray(0, 15), ...rest]);
          sws[1]!.process(0, pkt);
        },
      ),
      { numRuns: 500, seed: 8 },
    );
    expect(sws[1]!.stats.packetErrors).toBe(0);
  });
});
