import { describe, expect, it } from "vitest";
import { AddressError, parseAddress } from "../../../hosts/net/address.js";
import {
  decodeHost,
  encodeHost,
  type HostMessage,
  HostType,
  isHostDatagram,
} from "../../../hosts/net/hostproto.js";
import { PeerTable } from "../../../hosts/net/peers.js";
import { UdpEndpoint } from "../../../hosts/net/udp.js";
import { encodePaxos, makeMessage } from "../../../src/wire/codec.js";
import { MsgType } from "../../../src/wire/header.js";

const messages: HostMessage[] = [
  { type: HostType.SUBSCRIBE, proposer: 0xdeadbeef },
  { type: HostType.NOTIFY, proposer: 7, seq: 9, group: 2, instance: 100, applied: true },
  { type: HostType.NOTIFY, proposer: 7, seq: 10, group: 0, instance: 1, applied: false },
  {
    type: HostType.STATUS,
    learner: 3,
    positions: [
      { group: 0, delivered: 5 },
      { group: 1, delivered: 0 },
    ],
  },
  { type: HostType.FETCH, group: 1, from: 6, count: 16 },
  {
    type: HostType.ENTRIES,
    group: 1,
    first: 6,
    entries: [
      { proposer: 1, seq: 2, value: new Uint8Array([1, 2, 3]) },
      { proposer: 0, seq: 0, value: new Uint8Array(0) },
      { proposer: 5, seq: 6, value: new Uint8Array(64).fill(7) },
    ],
  },
  { type: HostType.GAP, group: 0, lo: 3, hi: 9 },
  { type: HostType.DECIDED, proposer: 0xc0000001, seq: 9, group: 3, instance: 0xffffffff },
];

describe("host protocol", () => {
  it.each(messages.map((m) => [m.type, m] as const))("round-trips type %i", (_t, m) => {
    const bytes = encodeHost(m);
    expect(isHostDatagram(bytes)).toBe(true);
    expect(decodeHost(bytes)).toEqual({ ok: true, value: m });
  });

  it("is never confused with a Paxos header", () => {
    const paxos = encodePaxos(makeMessage({ msgtype: MsgType.P2B, instance: 1 }));
    expect(isHostDatagram(paxos)).toBe(false);
    expect(decodeHost(paxos).ok).toBe(false);
  });

  it("rejects every truncation and trailing garbage without throwing", () => {
    for (const m of messages) {
      const bytes = encodeHost(m);
      for (let n = 0; n < bytes.length; n++) {
        const d = decodeHost(bytes.slice(0, n));
        // A STATUS with fewer positions is still exact-length checked; nothing short decodes as the original.
        if (d.ok) expect(d.value).not.toEqual(m);
      }
      if (m.type === HostType.STATUS || m.type === HostType.ENTRIES) {
        expect(decodeHost(new Uint8Array([...bytes, 0])).ok).toBe(false);
      }
    }
    expect(decodeHost(new Uint8Array([0x50, 0x48, 99, 0, 0, 0, 0])).ok).toBe(false);
    expect(decodeHost(encodeHost({ type: HostType.GAP, group: 0, lo: 1, hi: 1 }).fill(0, 5, 13)).ok).toBe(
      false,
    );
  });

  it("refuses to encode out-of-range fields", () => {
    expect(() => encodeHost({ type: HostType.FETCH, group: 70000, from: 1, count: 1 })).toThrow(
      /out of range/,
    );
  });
});

describe("addresses and peer table", () => {
  it("parses ip:port and rejects junk", () => {
    expect(parseAddress("10.0.0.1:34953")).toEqual({ host: "10.0.0.1", port: 34953 });
    expect(parseAddress("10.0.0.1", 34952)).toEqual({ host: "10.0.0.1", port: 34952 });
    for (const bad of ["10.0.0.1", "300.0.0.1:1", "x:1", "10.0.0.1:0", "10.0.0.1:70000", "10.0.0.1:1a"]) {
      expect(() => parseAddress(bad)).toThrow(AddressError);
    }
  });

  it("resolves role targets and counts unroutable ones", () => {
    const a = { host: "127.0.0.1", port: 1 };
    const p = new PeerTable({ acceptors: [a, a], learners: [a], coordinators: { 0: a } });
    expect(p.resolve({ kind: "acceptors", group: 0 })).toHaveLength(2);
    expect(p.resolve({ kind: "coordinator", group: 0 })).toEqual([a]);
    expect(p.resolve({ kind: "node", node: "127.0.0.1:9" })).toEqual([{ host: "127.0.0.1", port: 9 }]);
    expect(p.resolve({ kind: "coordinator", group: 1 })).toEqual([]);
    expect(p.resolve({ kind: "controller" })).toEqual([]);
    expect(p.resolve({ kind: "node", node: "garbage" })).toEqual([]);
    expect(p.unrouted).toBe(3);
    p.setCoordinator(1, { host: "127.0.0.1", port: 2 });
    expect(p.resolve({ kind: "coordinator", group: 1 })).toEqual([{ host: "127.0.0.1", port: 2 }]);
  });
});

describe("UdpEndpoint", () => {
  it("rejects a bind to a busy port, and delivers decoded messages to its handler", async () => {
    const got: number[] = [];
    const a = await UdpEndpoint.bind({ host: "127.0.0.1", port: 0 }, { paxos: (m) => got.push(m.instance) });
    await expect(UdpEndpoint.bind(a.address, {})).rejects.toThrow(/EADDRINUSE/);
    const b = await UdpEndpoint.bind({ host: "127.0.0.1", port: 0 }, {});
    b.sendPaxos(makeMessage({ msgtype: MsgType.P2B, instance: 42 }), [a.address]);
    await b.close(); // flushes the queued datagram first
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([42]);
    expect(a.stats.datagramsIn).toBe(1);
    await a.close();
  });
});
