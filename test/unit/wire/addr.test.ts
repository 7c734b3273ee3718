import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIPv4, formatMac, MAC_MAX, parseIPv4, parseMac } from "../../../src/wire/addr.js";
import { WireError } from "../../../src/wire/errors.js";
import { arbIPv4, arbMac } from "./arbitraries.js";

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof WireError ? error.kind : "other";
  }
  return undefined;
}

describe("MAC addresses", () => {
  it("parses and formats", () => {
    expect(parseMac("00:11:22:33:44:55")).toBe(0x001122334455);
    expect(parseMac("FF-FF-ff-ff-ff-fe")).toBe(MAC_MAX - 1);
    expect(formatMac(0x0a0b0c0d0e0f)).toBe("0a:0b:0c:0d:0e:0f");
    expect(formatMac(MAC_MAX)).toBe("ff:ff:ff:ff:ff:ff");
    expect(formatMac(0)).toBe("00:00:00:00:00:00");
  });

  it("round-trips every 48-bit value", () => {
    fc.assert(fc.property(arbMac, (mac) => parseMac(formatMac(mac)) === mac));
  });

  it("rejects malformed text with a typed error", () => {
    for (const bad of [
      "",
      "00:11:22:33:44",
      "00:11:22:33:44:55:66",
      "0:11:22:33:44:55",
      "00:11:22:33:44:gg",
      "001122334455",
    ]) {
      expect(kindOf(() => parseMac(bad))).toBe("bad_address");
    }
    expect(kindOf(() => formatMac(MAC_MAX + 1))).toBe("bad_address");
    expect(kindOf(() => formatMac(-1))).toBe("bad_address");
  });
});

describe("IPv4 addresses", () => {
  it("parses and formats", () => {
    expect(parseIPv4("10.0.0.1")).toBe(0x0a000001);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    expect(formatIPv4(0xc0a800c7)).toBe("192.168.0.199");
  });

  it("round-trips every 32-bit value", () => {
    fc.assert(fc.property(arbIPv4, (ip) => parseIPv4(formatIPv4(ip)) === ip));
  });

  it("rejects malformed text with a typed error", () => {
    for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "1..2.3"]) {
      expect(kindOf(() => parseIPv4(bad))).toBe("bad_address");
    }
    expect(kindOf(() => formatIPv4(2 ** 32))).toBe("bad_address");
    expect(kindOf(() => formatIPv4(1.5))).toBe("bad_address");
  });
});
