import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIPv4, parseMac } from "../../../src/wire/addr.js";
import { internetChecksum } from "../../../src/wire/checksum.js";
import { encodePaxos, makeMessage, messagesEqual } from "../../../src/wire/codec.js";
import { WireError } from "../../../src/wire/errors.js";
import {
  decodeFrame,
  decodePaxosFrame,
  encodeFrame,
  encodeFrameInto,
  encodePaxosFrame,
  encodePaxosFrameInto,
  FRAME_OVERHEAD,
  type FrameAddrs,
  PAXOS_FRAME_SIZE,
} from "../../../src/wire/frame.js";
import { MsgType, PAXOS_HEADER_SIZE, PAXOS_UDP_PORT } from "../../../src/wire/header.js";
import { arbAddrs, arbMessage } from "./arbitraries.js";

const ADDRS: FrameAddrs = {
  eth: { dst: parseMac("02:00:00:00:00:02"), src: parseMac("02:00:00:00:00:01") },
  ip: { src: parseIPv4("10.0.0.1"), dst: parseIPv4("10.0.0.2") },
  udp: { srcPort: PAXOS_UDP_PORT, dstPort: PAXOS_UDP_PORT },
};
const PAYLOAD = new TextEncoder().encode("Paxos!");

function hex(text: string): Uint8Array {
  return Uint8Array.from(
    text
      .replace(/\s+/g, "")
      .match(/../g)!
      .map((b) => Number.parseInt(b, 16)),
  );
}

/** Rewrites the IPv4 header checksum after a test edits the header (IHL 5 unless given). */
function fixIpChecksum(frame: Uint8Array, headerLength = 20): void {
  frame[24] = 0;
  frame[25] = 0;
  const sum = internetChecksum(frame, 14, 14 + headerLength);
  frame[24] = sum >>> 8;
  frame[25] = sum & 0xff;
}

/** Overwrites header bytes at `at` and keeps the IPv4 checksum valid, to reach later checks. */
function patchIp(frame: Uint8Array, at: number, bytes: number[]): void {
  frame.set(bytes, at);
  fixIpChecksum(frame);
}

function errorKind(bytes: Uint8Array): string {
  const r = decodeFrame(bytes);
  return r.ok ? "ok" : r.error.kind;
}

const paxosFrame = () =>
  encodePaxosFrame(
    { ...ADDRS, udpChecksum: true },
    makeMessage({ msgtype: MsgType.P2A, instance: 3, round: 257, proposer: 1, seq: 1, value: PAYLOAD }),
  );

describe("known answer", () => {
  // Hand-derived: IPv4 checksum 0x26c9 = ~(4500+0022+0000+4000+4011+0a00+0001+0a00+0002) and the
  // UDP checksum 0x9ecc worked out in checksum.test.ts.
  const expected = hex(`
    020000000002 020000000001 0800
    4500 0022 0000 4000 4011 26c9 0a000001 0a000002
    8888 8888 000e 9ecc
    506178 6f7321`);

  it("encodes the documented bytes", () => {
    expect(encodeFrame({ ...ADDRS, payload: PAYLOAD, udpChecksum: true })).toEqual(expected);
  });

  it("decodes every header field", () => {
    const r = decodeFrame(expected);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.eth).toEqual({ dst: 0x020000000002, src: 0x020000000001, ethertype: 0x0800 });
    expect(r.value.ip).toEqual({
      src: 0x0a000001,
      dst: 0x0a000002,
      ttl: 64,
      id: 0,
      dscp: 0,
      ecn: 0,
      protocol: 17,
      headerLength: 20,
      totalLength: 34,
      flags: 2,
      checksum: 0x26c9,
    });
    expect(r.value.udp).toEqual({ srcPort: 0x8888, dstPort: 0x8888, length: 14, checksum: 0x9ecc });
    expect(r.value.payload).toEqual(PAYLOAD);
    expect(r.value.payloadOffset).toBe(FRAME_OVERHEAD);
  });
});

describe("round trips", () => {
  it("decodeFrame(encodeFrame(x)) gives back addresses and payload", () => {
    fc.assert(
      fc.property(
        arbAddrs,
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        (addrs, payload, udpChecksum) => {
          const bytes = encodeFrame({ ...addrs, payload, udpChecksum });
          expect(bytes.length).toBe(FRAME_OVERHEAD + payload.length);
          const r = decodeFrame(bytes);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const f = r.value;
          expect(f.eth.dst).toBe(addrs.eth.dst);
          expect(f.eth.src).toBe(addrs.eth.src);
          expect({ src: f.ip.src, dst: f.ip.dst, ttl: f.ip.ttl, id: f.ip.id, dscp: f.ip.dscp }).toEqual(
            addrs.ip,
          );
          expect({ srcPort: f.udp.srcPort, dstPort: f.udp.dstPort }).toEqual(addrs.udp);
          expect(f.udp.checksum !== 0).toBe(udpChecksum);
          expect(f.payload).toEqual(payload);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("decodePaxosFrame(encodePaxosFrame(x)) gives back the message", () => {
    fc.assert(
      fc.property(arbAddrs, arbMessage, fc.boolean(), (addrs, msg, udpChecksum) => {
        const bytes = encodePaxosFrame({ eth: addrs.eth, ip: addrs.ip, udpChecksum }, msg);
        expect(bytes.length).toBe(PAXOS_FRAME_SIZE);
        expect(bytes.subarray(FRAME_OVERHEAD)).toEqual(encodePaxos(msg));
        const r = decodePaxosFrame(bytes);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(messagesEqual(r.value.message, msg)).toBe(true);
        expect(r.value.frame.udp.srcPort).toBe(PAXOS_UDP_PORT);
        expect(r.value.frame.udp.dstPort).toBe(PAXOS_UDP_PORT);
        expect(r.value.frame.udp.checksum !== 0).toBe(udpChecksum);
      }),
      { numRuns: 300 },
    );
  });

  it("encodes into a larger buffer at an offset", () => {
    const buf = new Uint8Array(10 + FRAME_OVERHEAD + PAYLOAD.length + 5);
    const end = encodeFrameInto(buf, 10, { ...ADDRS, payload: PAYLOAD, udpChecksum: true });
    expect(end).toBe(10 + FRAME_OVERHEAD + PAYLOAD.length);
    expect(buf.subarray(10, end)).toEqual(encodeFrame({ ...ADDRS, payload: PAYLOAD, udpChecksum: true }));
    expect(() =>
      encodeFrameInto(new Uint8Array(20), 0, { ...ADDRS, payload: PAYLOAD, udpChecksum: false }),
    ).toThrow(WireError);
  });
});

describe("malformed input never throws", () => {
  it("every truncation of a valid Paxos frame is 'truncated'", () => {
    const valid = paxosFrame();
    for (let n = 0; n < valid.length; n++) {
      const cut = valid.subarray(0, n);
      const r = decodePaxosFrame(cut);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe("truncated");
    }
  });

  it("random bytes give a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const f = decodeFrame(bytes);
        const p = decodePaxosFrame(bytes);
        if (!f.ok) expect(f.error).toBeInstanceOf(WireError);
        if (!p.ok) expect(p.error).toBeInstanceOf(WireError);
      }),
      { numRuns: 1000 },
    );
  });

  it("random corruption of a valid frame gives a typed error or an in-bounds result", () => {
    const valid = paxosFrame();
    const edit = fc.record({ at: fc.nat(valid.length - 1), byte: fc.nat(255) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.nat(valid.length), (edits, keep) => {
        const bytes = valid.slice(0, Math.max(keep, 1));
        for (const { at, byte } of edits) if (at < bytes.length) bytes[at] = byte;
        const r = decodePaxosFrame(bytes);
        if (r.ok) {
          const { payload, payloadOffset } = r.value.frame;
          expect(payloadOffset + payload.length).toBeLessThanOrEqual(bytes.length);
        } else {
          expect(r.error).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("checksums on decode", () => {
  it("catches every single-bit flip in the IPv4 header", () => {
    const valid = paxosFrame();
    for (let bit = 14 * 8; bit < 34 * 8; bit++) {
      const bytes = valid.slice();
      bytes[bit >>> 3]! ^= 0x80 >>> (bit & 7);
      const kind = errorKind(bytes);
      // Byte 14 holds version and IHL, which are checked for sanity first.
      if (bit >>> 3 === 14) expect(kind).not.toBe("ok");
      else expect(kind).toBe("bad_checksum");
    }
  });

  it("catches a flipped payload bit when the UDP checksum is set, and not when it is zero", () => {
    const withSum = encodeFrame({ ...ADDRS, payload: PAYLOAD, udpChecksum: true });
    const without = encodeFrame({ ...ADDRS, payload: PAYLOAD, udpChecksum: false });
    withSum[FRAME_OVERHEAD + 2]! ^= 4;
    without[FRAME_OVERHEAD + 2]! ^= 4;
    expect(errorKind(withSum)).toBe("bad_checksum");
    expect(errorKind(without)).toBe("ok");
  });
});

describe("decode rules", () => {
  const base = () => encodeFrame({ ...ADDRS, payload: PAYLOAD, udpChecksum: true });

  it("accepts IPv4 options (IHL > 5)", () => {
    const plain = base();
    const withOptions = new Uint8Array(plain.length + 4);
    withOptions.set(plain.subarray(0, 34), 0);
    withOptions.set([1, 1, 1, 1], 34); // four NOP options
    withOptions.set(plain.subarray(34), 38);
    withOptions[14] = 0x46;
    withOptions[17] = 34 + 4;
    fixIpChecksum(withOptions, 24);
    const r = decodeFrame(withOptions);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.ip.headerLength).toBe(24);
    expect(r.value.payloadOffset).toBe(FRAME_OVERHEAD + 4);
    expect(r.value.payload).toEqual(PAYLOAD);
  });

  it("ignores Ethernet padding after the IPv4 packet", () => {
    const padded = new Uint8Array(60);
    padded.set(base());
    const r = decodeFrame(padded);
    expect(r.ok && r.value.payload).toEqual(PAYLOAD);
  });

  it("gives a typed error for each malformed layer", () => {
    const cases: [string, (b: Uint8Array) => void][] = [
      ["bad_ethertype", (b) => b.set([0x86, 0xdd], 12)],
      ["bad_ip", (b) => b.set([0x65], 14)], // version 6
      ["bad_ip", (b) => b.set([0x44], 14)], // IHL 4
      ["bad_ip", (b) => patchIp(b, 16, [0x00, 0x10])], // total length < IHL
      ["bad_ip", (b) => patchIp(b, 20, [0x20, 0x00])], // more fragments
      ["bad_ip", (b) => patchIp(b, 20, [0x00, 0x08])], // fragment offset
      ["not_udp", (b) => patchIp(b, 23, [6])],
      ["bad_udp", (b) => b.set([0x00, 0x07], 38)], // UDP length < 8
      ["bad_udp", (b) => b.set([0x00, 0x20], 38)], // UDP length past the IPv4 packet
      ["truncated", (b) => patchIp(b, 16, [0x00, 0x1a])], // IPv4 leaves room for 6 UDP bytes
    ];
    for (const [kind, corrupt] of cases) {
      const bytes = base();
      corrupt(bytes);
      expect(errorKind(bytes), kind).toBe(kind);
    }
  });

  it("decodePaxosFrame checks the port and the Paxos header", () => {
    const other = encodeFrame({
      ...ADDRS,
      udp: { srcPort: 5000, dstPort: 53 },
      payload: PAYLOAD,
      udpChecksum: false,
    });
    const r1 = decodePaxosFrame(other);
    expect(!r1.ok && r1.error.kind).toBe("not_paxos");
    const short = encodeFrame({
      ...ADDRS,
      payload: new Uint8Array(PAXOS_HEADER_SIZE - 1),
      udpChecksum: false,
    });
    const r2 = decodePaxosFrame(short);
    expect(!r2.ok && r2.error.kind).toBe("truncated");
    const wrongVersion = paxosFrame();
    wrongVersion[FRAME_OVERHEAD] = 2;
    wrongVersion.set([0, 0], 40); // drop the UDP checksum, which the edit broke
    const r3 = decodePaxosFrame(wrongVersion);
    expect(!r3.ok && r3.error.kind).toBe("bad_version");
  });
});

describe("encode validation", () => {
  const cases: [
    string,
    Partial<FrameAddrs["ip"]> | Partial<FrameAddrs["eth"]> | Partial<FrameAddrs["udp"]>,
    keyof FrameAddrs,
  ][] = [
    ["eth.dst", { dst: 2 ** 48 }, "eth"],
    ["eth.src", { src: -1 }, "eth"],
    ["ip.src", { src: 2 ** 32 }, "ip"],
    ["ip.ttl", { ttl: 256 }, "ip"],
    ["ip.id", { id: 65536 }, "ip"],
    ["ip.dscp", { dscp: 64 }, "ip"],
    ["udp.dstPort", { dstPort: 70000 }, "udp"],
  ];
  it.each(cases)("refuses a bad %s", (_name, patch, layer) => {
    const addrs = { ...ADDRS, [layer]: { ...ADDRS[layer], ...patch } } as FrameAddrs;
    let thrown: unknown;
    try {
      encodeFrame({ ...addrs, payload: PAYLOAD, udpChecksum: false });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WireError);
    expect((thrown as WireError).kind).toBe("bad_field");
  });

  it("refuses a payload larger than one IPv4 packet", () => {
    expect(() => encodeFrame({ ...ADDRS, payload: new Uint8Array(65536 - 28), udpChecksum: false })).toThrow(
      WireError,
    );
    expect(encodeFrame({ ...ADDRS, payload: new Uint8Array(65535 - 28), udpChecksum: true }).length).toBe(
      14 + 65535,
    );
  });

  it("leaves the buffer untouched when the message is invalid", () => {
    const buf = new Uint8Array(PAXOS_FRAME_SIZE).fill(9);
    const bad = { ...makeMessage({ msgtype: MsgType.REQUEST }), group: -1 };
    expect(() => encodePaxosFrameInto(buf, 0, ADDRS, bad)).toThrow(WireError);
    expect(() =>
      encodePaxosFrameInto(
        buf,
        0,
        { ...ADDRS, ip: { ...ADDRS.ip, ttl: 300 } },
        makeMessage({ msgtype: MsgType.REQUEST }),
      ),
    ).toThrow(WireError);
    expect(buf.every((b) => b === 9)).toBe(true);
    expect(encodePaxosFrameInto(buf, 0, ADDRS, makeMessage({ msgtype: MsgType.REQUEST }))).toBe(
      PAXOS_FRAME_SIZE,
    );
  });
});
