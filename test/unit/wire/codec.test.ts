import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodePaxos,
  EMPTY_VALUE,
  encodePaxos,
  encodePaxosInto,
  formatMessage,
  isNoop,
  makeMessage,
  messagesEqual,
  NOOP,
} from "../../../src/wire/codec.js";
import { dropCounterFor, WireError } from "../../../src/wire/errors.js";
import { MsgType, PAXOS_HEADER_SIZE, VALUE_SIZE } from "../../../src/wire/header.js";
import type { PaxosMessage } from "../../../src/wire/message.js";
import { arbMessage } from "./arbitraries.js";

const text = (s: string) => new TextEncoder().encode(s);

function hex(bytes: string): Uint8Array {
  const clean = bytes.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}

const zeros = (n: number) => "00".repeat(n);

describe("known answers (offsets from docs/protocol.md §2)", () => {
  it("encodes a P2A to the documented bytes", () => {
    const msg = makeMessage({
      msgtype: MsgType.P2A,
      group: 7,
      instance: 12,
      round: 257,
      proposer: 3,
      seq: 17,
      value: text("hello"),
    });
    const expected = hex(
      "01" + // 0 version
        "04" + // 1 msgtype P2A
        "0007" + // 2 group
        "0000000c" + // 4 instance 12
        "00000101" + // 8 round 257
        "00000000" + // 12 vround
        "0000" + // 16 acceptor
        "0005" + // 18 vlen
        "00000003" + // 20 proposer
        "00000011" + // 24 seq 17
        "00000000" + // 28 aux
        "68656c6c6f" + // 32 value "hello"
        zeros(59), // zero padding to 96
    );
    expect(expected.length).toBe(96);
    expect(encodePaxos(msg)).toEqual(expected);
    const back = decodePaxos(expected);
    expect(back.ok && messagesEqual(back.value, msg)).toBe(true);
  });

  it("places every field at its own offset (all fields distinct)", () => {
    const msg = makeMessage({
      msgtype: MsgType.P1B,
      group: 0x0102,
      instance: 0x03040506,
      round: 0x0708090a,
      vround: 0x0b0c0d0e,
      acceptor: 0x0f10,
      proposer: 0x11121314,
      seq: 0x15161718,
      aux: 0x191a1b1c,
      value: Uint8Array.of(0xaa, 0xbb, 0xcc),
    });
    const expected = hex(
      "01 03 0102 03040506 0708090a 0b0c0d0e 0f10 0003 11121314 15161718 191a1b1c aabbcc" + zeros(61),
    );
    expect(encodePaxos(msg)).toEqual(expected);
  });
});

describe("round trip", () => {
  it("decode(encode(m)) equals m for random valid messages", () => {
    fc.assert(
      fc.property(arbMessage, (msg) => {
        const bytes = encodePaxos(msg);
        expect(bytes.length).toBe(PAXOS_HEADER_SIZE);
        const back = decodePaxos(bytes);
        expect(back.ok).toBe(true);
        if (back.ok) expect(back.value).toEqual(msg);
      }),
      { numRuns: 500 },
    );
  });

  it("encodes at an offset and decodes from it, leaving the surrounding bytes alone", () => {
    fc.assert(
      fc.property(arbMessage, fc.integer({ min: 0, max: 40 }), (msg, offset) => {
        const buf = new Uint8Array(offset + PAXOS_HEADER_SIZE + 3).fill(0xee);
        expect(encodePaxosInto(buf, offset, msg)).toBe(offset + PAXOS_HEADER_SIZE);
        expect(buf.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(buf.subarray(offset + PAXOS_HEADER_SIZE).every((b) => b === 0xee)).toBe(true);
        const back = decodePaxos(buf, offset);
        expect(back.ok && messagesEqual(back.value, msg)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("zero-pads the value even in a dirty buffer", () => {
    const buf = new Uint8Array(PAXOS_HEADER_SIZE).fill(0xff);
    encodePaxosInto(buf, 0, makeMessage({ msgtype: MsgType.REQUEST, value: text("ab") }));
    expect(buf.subarray(34)).toEqual(new Uint8Array(VALUE_SIZE - 2));
  });

  it("copies the value by default and returns a view on request", () => {
    const bytes = encodePaxos(makeMessage({ msgtype: MsgType.REQUEST, value: text("xyz") }));
    const copy = decodePaxos(bytes);
    const view = decodePaxos(bytes, 0, { copyValue: false });
    bytes[32] = 0x41;
    expect(copy.ok && copy.value.value[0]).toBe(0x78);
    expect(view.ok && view.value.value[0]).toBe(0x41);
  });

  it("copies out of a Node Buffer too (whose slice() is a view)", () => {
    const buffer = Buffer.from(encodePaxos(makeMessage({ msgtype: MsgType.REQUEST, value: text("xyz") })));
    const copy = decodePaxos(buffer);
    buffer[32] = 0x41;
    expect(copy.ok && copy.value.value).toEqual(text("xyz"));
    expect(copy.ok && copy.value.value instanceof Buffer).toBe(false);
  });
});

describe("decode errors", () => {
  const valid = encodePaxos(makeMessage({ msgtype: MsgType.P2B, instance: 5, value: text("v") }));

  it("every truncation is 'truncated'", () => {
    for (let n = 0; n < PAXOS_HEADER_SIZE; n++) {
      const r = decodePaxos(valid.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe("truncated");
    }
    const r = decodePaxos(valid, 1);
    expect(!r.ok && r.error.kind).toBe("truncated");
  });

  it("rejects a wrong version, an unknown msgtype and vlen > VALUE_SIZE", () => {
    const cases: [number, number, string][] = [
      [0, 2, "bad_version"],
      [0, 0, "bad_version"],
      [1, 0, "bad_msgtype"],
      [1, 14, "bad_msgtype"],
      [19, 65, "bad_vlen"],
    ];
    for (const [offset, byte, kind] of cases) {
      const bytes = valid.slice();
      bytes[offset] = byte;
      const r = decodePaxos(bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toBeInstanceOf(WireError);
        expect(r.error.kind).toBe(kind);
        expect(r.error.message.length).toBeGreaterThan(0);
      }
    }
  });

  it("rejects a bad offset without throwing", () => {
    for (const offset of [-1, 0.5, Number.NaN]) {
      const r = decodePaxos(valid, offset);
      expect(!r.ok && r.error.kind).toBe("bad_offset");
    }
  });

  it("random bytes never throw and give either a valid message or a typed error", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2 * PAXOS_HEADER_SIZE }),
        fc.nat(2 * PAXOS_HEADER_SIZE),
        (b, o) => {
          const r = decodePaxos(b, o);
          if (r.ok) {
            expect(r.value.version).toBe(1);
            expect(r.value.value.length).toBe(r.value.vlen);
            expect(r.value.vlen).toBeLessThanOrEqual(VALUE_SIZE);
          } else {
            expect(r.error).toBeInstanceOf(WireError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("encode errors", () => {
  const base = makeMessage({ msgtype: MsgType.REQUEST });
  const expectKind = (msg: PaxosMessage, kind: string) => {
    let thrown: unknown;
    try {
      encodePaxos(msg);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WireError);
    expect((thrown as WireError).kind).toBe(kind);
  };

  it("refuses a value longer than VALUE_SIZE", () => {
    const value = new Uint8Array(VALUE_SIZE + 1);
    expectKind({ ...base, value, vlen: value.length }, "bad_vlen");
  });

  it("refuses vlen that does not match the value", () => {
    expectKind({ ...base, value: text("abc"), vlen: 2 }, "bad_vlen");
  });

  it("refuses fields outside their width or not integers", () => {
    expectKind({ ...base, group: 0x10000 }, "bad_field");
    expectKind({ ...base, instance: 2 ** 32 }, "bad_field");
    expectKind({ ...base, round: -1 }, "bad_field");
    expectKind({ ...base, seq: 1.5 }, "bad_field");
    expectKind({ ...base, version: 256 }, "bad_field");
    for (const junk of ["5", Number.NaN, true, undefined, null, Number.POSITIVE_INFINITY, -0.5]) {
      expectKind({ ...base, acceptor: junk as unknown as number }, "bad_field");
      expectKind({ ...base, instance: junk as unknown as number }, "bad_field");
      expectKind({ ...base, msgtype: junk as unknown as MsgType }, "bad_field");
    }
    expectKind({ ...base, value: "abc" as unknown as Uint8Array, vlen: 3 }, "bad_field");
  });

  it("refuses a buffer without room and leaves it untouched on error", () => {
    const small = new Uint8Array(PAXOS_HEADER_SIZE - 1);
    expect(() => encodePaxosInto(small, 0, base)).toThrow(WireError);
    const buf = new Uint8Array(PAXOS_HEADER_SIZE).fill(7);
    expect(() => encodePaxosInto(buf, 0, { ...base, aux: -5 })).toThrow(WireError);
    expect(buf.every((b) => b === 7)).toBe(true);
  });

  it("still encodes a wrong version or unknown msgtype on purpose (to test receivers)", () => {
    const bytes = encodePaxos({ ...base, version: 9, msgtype: 99 as MsgType });
    expect(bytes[0]).toBe(9);
    expect(bytes[1]).toBe(99);
  });
});

describe("helpers", () => {
  it("makeMessage fills defaults and validates", () => {
    const m = makeMessage({ msgtype: MsgType.PING, aux: 42 });
    expect(m).toEqual({
      version: 1,
      msgtype: MsgType.PING,
      group: 0,
      instance: 0,
      round: 0,
      vround: 0,
      acceptor: 0,
      vlen: 0,
      proposer: 0,
      seq: 0,
      aux: 42,
      value: EMPTY_VALUE,
    });
    expect(makeMessage({ msgtype: MsgType.REQUEST, value: text("abcd") }).vlen).toBe(4);
    expect(() => makeMessage({ msgtype: 0 as MsgType })).toThrow(WireError);
    expect(() => makeMessage({ msgtype: MsgType.REQUEST, value: text("ab"), vlen: 3 })).toThrow(WireError);
    expect(() => makeMessage({ msgtype: MsgType.REQUEST, group: 70000 })).toThrow(WireError);
  });

  it("recognises no-ops", () => {
    const noop = makeMessage({ msgtype: MsgType.P2A, instance: 9, round: 513, ...NOOP });
    expect(isNoop(noop)).toBe(true);
    expect(isNoop({ proposer: 0, seq: 1, vlen: 0 })).toBe(false);
    expect(isNoop({ proposer: 1, seq: 0, vlen: 0 })).toBe(false);
    expect(isNoop({ proposer: 0, seq: 0, vlen: 1 })).toBe(false);
    const back = decodePaxos(encodePaxos(noop));
    expect(back.ok && isNoop(back.value)).toBe(true);
  });

  it("formats one readable line", () => {
    const m = makeMessage({
      msgtype: MsgType.P2A,
      instance: 12,
      round: 257,
      proposer: 3,
      seq: 17,
      value: text("hello"),
    });
    expect(formatMessage(m)).toBe('P2A g=0 i=12 r=257 vr=0 acc=0 req=3:17 vlen=5 aux=0 value="hello"');
    const bin = makeMessage({ msgtype: MsgType.P2B, acceptor: 2, value: Uint8Array.of(0, 255, 10) });
    expect(formatMessage(bin)).toBe("P2B g=0 i=0 r=0 vr=0 acc=2 req=0:0 vlen=3 aux=0 value=0x00ff0a");
    expect(formatMessage({ ...m, version: 3, msgtype: 77 as MsgType })).toMatch(
      /^MSGTYPE\(77\) .* version=3$/,
    );
    expect(formatMessage({ ...m, value: text('a"b'), vlen: 3 })).toContain('value="a\\"b"');
  });

  it("maps decode failures to the documented drop counters", () => {
    expect(dropCounterFor("bad_version")).toBe("bad_version");
    expect(dropCounterFor("truncated")).toBe("malformed");
    expect(dropCounterFor("bad_msgtype")).toBe("malformed");
  });

  it("messagesEqual compares value bytes", () => {
    const a = makeMessage({ msgtype: MsgType.REQUEST, value: text("ab") });
    expect(messagesEqual(a, { ...a, value: text("ab") })).toBe(true);
    expect(messagesEqual(a, { ...a, value: text("ac") })).toBe(false);
    expect(messagesEqual(a, { ...a, seq: 1 })).toBe(false);
  });
});
