import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BytestringError,
  canonicalSigned,
  canonicalUnsigned,
  compareUint128,
  decodeSigned,
  decodeUnsigned,
  encodeSigned,
  encodeUnsigned,
  fitsUnsigned,
  formatIpv4,
  formatIpv6,
  formatMac,
  fromUint128,
  ipv4Bytes,
  macBytes,
  padUnsigned,
  parseIpv4,
  parseIpv6,
  parseMac,
  toHex,
  toUint128,
} from "../../../src/p4runtime/bytes.js";

const b = (...xs: number[]) => new Uint8Array(xs);

describe("specification examples", () => {
  it("encodes the canonical strings of the valid-encoding table", () => {
    expect(encodeUnsigned(99, 8)).toEqual(b(0x63));
    expect(encodeUnsigned(99, 16)).toEqual(b(0x63));
    expect(encodeUnsigned(12388, 16)).toEqual(b(0x30, 0x64));
    expect(encodeUnsigned(99, 12)).toEqual(b(0x63));
    expect(encodeSigned(99, 8)).toEqual(b(0x63));
    expect(encodeSigned(-99, 8)).toEqual(b(0x9d));
    expect(encodeSigned(-739, 12)).toEqual(b(0xfd, 0x1d));
    expect(encodeSigned(0, 16)).toEqual(b(0x00));
    expect(encodeUnsigned(0, 32)).toEqual(b(0x00));
  });

  it("accepts the non-canonical but valid strings", () => {
    expect(decodeUnsigned(b(0x00, 0x63), 16)).toBe(99n);
    expect(decodeUnsigned(b(0x00, 0x30, 0x64), 16)).toBe(12388n);
    expect(decodeUnsigned(b(0x00, 0x00, 0x63), 12)).toBe(99n);
    expect(decodeSigned(b(0xff, 0x9d), 8)).toBe(-99n);
    expect(decodeSigned(b(0x00, 0x00), 16)).toBe(0n);
  });

  it("rejects the strings of the invalid-encoding table", () => {
    const bad: Array<[Uint8Array, number, boolean]> = [
      [b(0x01, 0x63), 8, false],
      [b(), 8, false],
      [b(0x01, 0x00, 0x63), 16, false],
      [b(0x10, 0x63), 12, false],
      [b(0x01, 0x00, 0x63), 12, false],
      [b(0x00, 0x40, 0x63), 12, false],
      [b(0x00, 0x9d), 8, true],
      [b(0x8d, 0x1d), 12, true],
      [b(), 16, true],
    ];
    for (const [bytes, w, signed] of bad) {
      const f = signed ? () => decodeSigned(bytes, w) : () => decodeUnsigned(bytes, w);
      expect(f, `${toHex(bytes)} as ${signed ? "int" : "bit"}<${w}>`).toThrow(BytestringError);
    }
  });

  it("refuses values that do not fit the width", () => {
    expect(() => encodeUnsigned(256, 8)).toThrow(BytestringError);
    expect(() => encodeUnsigned(512, 9)).toThrow(BytestringError);
    expect(() => encodeUnsigned(-1, 9)).toThrow(BytestringError);
    expect(() => encodeSigned(128, 8)).toThrow(BytestringError);
    expect(() => encodeSigned(-129, 8)).toThrow(BytestringError);
    expect(() => encodeUnsigned(1.5, 8)).toThrow(BytestringError);
    expect(() => encodeUnsigned(1, 0)).toThrow(BytestringError);
    expect(encodeUnsigned(511, 9)).toEqual(b(0x01, 0xff));
    expect(encodeSigned(128, 16)).toEqual(b(0x00, 0x80));
  });
});

const width = fc.integer({ min: 1, max: 160 });
const unsignedCase = width.chain((w) =>
  fc.tuple(fc.constant(w), fc.bigInt({ min: 0n, max: (1n << BigInt(w)) - 1n })),
);
const signedCase = width.chain((w) =>
  fc.tuple(fc.constant(w), fc.bigInt({ min: -(1n << BigInt(w - 1)), max: (1n << BigInt(w - 1)) - 1n })),
);

describe("properties", () => {
  it("unsigned: decode(encode(v)) = v, canonical and minimal", () => {
    fc.assert(
      fc.property(unsignedCase, ([w, v]) => {
        const bytes = encodeUnsigned(v, w);
        expect(decodeUnsigned(bytes, w)).toBe(v);
        expect(bytes.length).toBeGreaterThan(0);
        if (bytes.length > 1) expect(bytes[0]).not.toBe(0);
        expect(bytes.length).toBeLessThanOrEqual(Math.ceil(w / 8));
        expect(canonicalUnsigned(bytes)).toEqual(bytes);
      }),
    );
  });

  it("unsigned: the padded form holds the same value and canonicalises back", () => {
    fc.assert(
      fc.property(unsignedCase, ([w, v]) => {
        const canonical = encodeUnsigned(v, w);
        const padded = padUnsigned(canonical, w);
        expect(padded.length).toBe(Math.ceil(w / 8));
        expect(decodeUnsigned(padded, w)).toBe(v);
        expect(canonicalUnsigned(padded)).toEqual(canonical);
        expect(fitsUnsigned(padded, w)).toBe(true);
      }),
    );
  });

  it("unsigned: a value one past the maximum never fits", () => {
    fc.assert(
      fc.property(width, (w) => {
        expect(() => encodeUnsigned(1n << BigInt(w), w)).toThrow(BytestringError);
        const over = encodeUnsigned(1n << BigInt(w), w + 1);
        expect(fitsUnsigned(over, w)).toBe(false);
      }),
    );
  });

  it("signed: decode(encode(v)) = v with the shortest two's complement string", () => {
    fc.assert(
      fc.property(signedCase, ([w, v]) => {
        const bytes = encodeSigned(v, w);
        expect(decodeSigned(bytes, w)).toBe(v);
        expect(canonicalSigned(bytes)).toEqual(bytes);
        // One byte shorter cannot hold the value.
        const n = bytes.length - 1;
        if (n > 0) {
          const half = 1n << BigInt(8 * n - 1);
          expect(v < -half || v >= half).toBe(true);
        }
      }),
    );
  });

  it("signed: sign-extended strings decode to the same value", () => {
    fc.assert(
      fc.property(signedCase, fc.integer({ min: 1, max: 4 }), ([w, v], extra) => {
        const bytes = encodeSigned(v, w);
        const ext = new Uint8Array(bytes.length + extra).fill(v < 0n ? 0xff : 0x00);
        ext.set(bytes, extra);
        expect(decodeSigned(ext, w)).toBe(v);
        expect(canonicalSigned(ext)).toEqual(bytes);
      }),
    );
  });

  it("Uint128 round-trips and orders like the numbers", () => {
    const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
    fc.assert(
      fc.property(u128, u128, (x, y) => {
        expect(fromUint128(toUint128(x))).toBe(x);
        expect(Math.sign(compareUint128(toUint128(x), toUint128(y)))).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
    );
    expect(() => toUint128(1n << 128n)).toThrow(BytestringError);
    expect(() => toUint128(-1n)).toThrow(BytestringError);
    expect(toUint128((5n << 64n) | 7n)).toMatchObject({ high: 5n, low: 7n });
    expect(fromUint128(undefined)).toBe(0n);
  });
});

describe("addresses", () => {
  it("reads and writes MAC, IPv4 and IPv6 text", () => {
    expect(parseMac("00:11:22:aa:BB:cc")).toBe(0x001122aabbccn);
    expect(formatMac(0x001122aabbccn)).toBe("00:11:22:aa:bb:cc");
    expect(macBytes("00:00:00:00:00:01")).toEqual(b(1));
    expect(parseIpv4("10.0.1.2")).toBe(0x0a000102n);
    expect(formatIpv4(0x0a000102n)).toBe("10.0.1.2");
    expect(ipv4Bytes("10.0.0.0")).toEqual(b(0x0a, 0, 0, 0));
    expect(parseIpv6("2001:db8::1")).toBe((0x20010db8n << 96n) | 1n);
    expect(parseIpv6("::")).toBe(0n);
    expect(formatIpv6((0x20010db8n << 96n) | 1n)).toBe("2001:db8:0:0:0:0:0:1");
  });

  it("rejects malformed addresses with a typed error", () => {
    for (const s of ["10.0.0", "10.0.0.256", "a.b.c.d", "1.2.3.4.5"]) {
      expect(() => parseIpv4(s), s).toThrow(BytestringError);
    }
    for (const s of ["00:11:22:33:44", "00:11:22:33:44:zz", "001122334455"]) {
      expect(() => parseMac(s), s).toThrow(BytestringError);
    }
    for (const s of ["1::2::3", "1:2:3:4:5:6:7", "12345::", "1:2:3:4:5:6:7:8:9"]) {
      expect(() => parseIpv6(s), s).toThrow(BytestringError);
    }
  });
});
