import { describe, expect, it } from "vitest";
import { V1Switch } from "../../../src/switch/engine.js";
import { fixture, hex } from "./helpers.js";

const ETH = "00000000000100000000000288b5";
const pkt = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ""), "hex"));

describe("header unions", () => {
  const sw = () => new V1Switch(fixture("unions.json"));

  it("validating one member invalidates the other (add_header)", () => {
    const [o] = sw().process(0, pkt(`${ETH} 01 1234 ff`));
    expect(o!.port).toBe(1);
    // tag rewritten to 2, u.a gone, u.b added; the payload byte follows.
    expect(hex(o!.data)).toBe(`${ETH}02b0b0b0b0ff`);
  });

  it("copies a whole union with assign_union", () => {
    const [o] = sw().process(0, pkt(`${ETH} 02 01020304`));
    expect(o!.port).toBe(3);
    expect(hex(o!.data)).toBe(`${ETH}020102030401020304`);
  });

  it("reports a union with no valid member as invalid", () => {
    const [o] = sw().process(0, pkt(`${ETH} 07`));
    expect(o!.port).toBe(2);
  });

  it("refuses union stacks and unknown unions", () => {
    const j = fixture("unions.json");
    j.header_union_stacks = [{}];
    expect(() => new V1Switch(j)).toThrow(/header_union_stacks/);
    const k = fixture("unions.json");
    k.actions[1]!.primitives[0]!.parameters[1] = { type: "header_union", value: "w" };
    expect(() => new V1Switch(k)).toThrow(/unknown header union 'w' in action copy_u/);
  });
});
