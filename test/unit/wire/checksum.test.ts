import { describe, expect, it } from "vitest";
import {
  internetChecksum,
  onesComplementSum,
  udpChecksum,
  udpChecksumValid,
} from "../../../src/wire/checksum.js";

const bytes = (...words: number[]) => Uint8Array.from(words.flatMap((w) => [w >>> 8, w & 0xff]));

describe("IPv4 header checksum", () => {
  // The widely published worked example (RFC 1071 style): 192.168.0.1 → 192.168.0.199, UDP,
  // total length 0x73, DF, TTL 64; its checksum is 0xb861.
  const header = bytes(0x4500, 0x0073, 0x0000, 0x4000, 0x4011, 0x0000, 0xc0a8, 0x0001, 0xc0a8, 0x00c7);

  it("computes the known answer", () => {
    expect(internetChecksum(header, 0, header.length)).toBe(0xb861);
  });

  it("sums to 0xffff once the checksum is in place", () => {
    const withSum = header.slice();
    withSum[10] = 0xb8;
    withSum[11] = 0x61;
    expect(onesComplementSum(withSum, 0, withSum.length)).toBe(0xffff);
  });

  it("pads an odd trailing byte with zero", () => {
    expect(onesComplementSum(Uint8Array.of(0x12, 0x34, 0x56), 0, 3)).toBe(0x1234 + 0x5600);
    // Carries wrap around: 0xffff + 0x0002 = 0x1_0001 → 0x0002.
    expect(onesComplementSum(bytes(0xffff, 0x0002), 0, 4)).toBe(0x0002);
  });
});

describe("UDP checksum over IPv4", () => {
  // 10.0.0.1:34952 → 10.0.0.2:34952, payload "Paxos!" (6 bytes), UDP length 14. By hand:
  //   pseudo-header 0a00 + 0001 + 0a00 + 0002 + 0011 + 000e           = 0x01422
  //   UDP header    8888 + 8888 + 000e + 0000 (checksum as zero)       → 0x12540
  //   data          5061 ("Pa") + 786f ("xo") + 7321 ("s!")            → 0x26131
  //   fold 0x6131 + 0x2 = 0x6133; complement → 0x9ecc
  const src = 0x0a000001;
  const dst = 0x0a000002;
  const datagram = Uint8Array.of(
    0x88,
    0x88,
    0x88,
    0x88,
    0x00,
    0x0e,
    0x00,
    0x00,
    0x50,
    0x61,
    0x78,
    0x6f,
    0x73,
    0x21,
  );

  it("matches the hand-computed value", () => {
    expect(udpChecksum(datagram, 0, datagram.length, src, dst)).toBe(0x9ecc);
  });

  it("verifies a correct checksum, accepts zero, rejects a wrong one", () => {
    const good = datagram.slice();
    good[6] = 0x9e;
    good[7] = 0xcc;
    expect(udpChecksumValid(good, 0, good.length, src, dst)).toBe(true);
    expect(udpChecksumValid(datagram, 0, datagram.length, src, dst)).toBe(true); // zero = not computed
    const bad = good.slice();
    bad[7] ^= 1;
    expect(udpChecksumValid(bad, 0, bad.length, src, dst)).toBe(false);
    // The pseudo-header is covered: the same datagram to another address fails.
    expect(udpChecksumValid(good, 0, good.length, src, dst + 1)).toBe(false);
  });

  it("sends a computed zero as 0xffff", () => {
    // Choose data so that the sum is 0xffff: checksum would be 0, which means "none" on the wire.
    const d = Uint8Array.of(0, 0, 0, 0, 0x00, 0x0a, 0, 0, 0, 0);
    const partial = onesComplementSum(d, 0, d.length, 0x0011 + 0x000a);
    const fill = 0xffff - partial;
    d[8] = fill >>> 8;
    d[9] = fill & 0xff;
    expect(udpChecksum(d, 0, d.length, 0, 0)).toBe(0xffff);
    d[6] = 0xff;
    d[7] = 0xff;
    expect(udpChecksumValid(d, 0, d.length, 0, 0)).toBe(true);
  });
});
