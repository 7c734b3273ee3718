import { describe, expect, it } from "vitest";
import { V1Switch } from "../../../src/switch/engine.js";
import type { Bmv2Json } from "../../../src/switch/json.js";
import { fixture, frame } from "./helpers.js";

/** basic_l3 with the EtherType select going through a value set instead of a constant. */
function withValueSet(): Bmv2Json {
  const j = fixture("basic_l3.json");
  j.parse_vsets = [{ name: "MyParser.ether_types", id: 0, compressed_bitwidth: 16 }];
  j.parsers[0]!.parse_states[0]!.transitions[0] = {
    type: "parse_vset",
    value: "MyParser.ether_types",
    mask: null,
    next_state: "parse_ipv4",
  };
  return j;
}

describe("parser value sets", () => {
  it("matches members added at run time, with member masks", () => {
    const s = new V1Switch(withValueSet());
    s.insertEntry("ipv4_lpm", {
      match: [{ kind: "lpm", value: 0n, prefixLen: 0 }],
      action: "ipv4_forward",
      params: [1n, 5n],
    });
    expect(s.process(0, frame())[0]!.port).toBe(0); // empty set: not parsed as IPv4
    s.valueSet("ether_types").add(0x0800n);
    expect(s.process(0, frame())[0]!.port).toBe(5);
    expect(s.valueSet("ether_types").list()).toEqual([{ value: 0x0800n, mask: 0xffffn }]);
    s.valueSet("ether_types").remove(0x0800n);
    expect(s.process(0, frame())[0]!.port).toBe(0);
    s.valueSet("ether_types").add(0x0812n, 0xff00n);
    expect(s.process(0, frame())[0]!.port).toBe(5);
    expect(s.valueSetNames()).toEqual(["MyParser.ether_types"]);
  });

  it("validates members and the set's width", () => {
    const s = new V1Switch(withValueSet());
    expect(() => s.valueSet("ether_types").add(0x10000n)).toThrow(/does not fit 16 bits/);
    expect(() => s.valueSet("ether_types").remove(1n)).toThrow(/no member/);
    const j = withValueSet();
    j.parse_vsets![0] = { name: "MyParser.ether_types", id: 0, compressed_bitwidth: 8 };
    expect(() => new V1Switch(j)).toThrow(/8 bits wide but the transition key has 16/);
  });
});
