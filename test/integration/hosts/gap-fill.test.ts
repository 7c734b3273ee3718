// The server coordinator's gap filling when the acceptors do not answer (a dead path, as after
// a spine failure): learners re-report growing ranges every gap timeout; only the new part of a
// range starts a fill, retransmissions are bounded per period, and a fill that hears nothing is
// abandoned instead of retransmitting forever. Real UDP on loopback: the "acceptors" are a
// socket that counts what reaches it and never answers.
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { ServerCoordinatorDaemon } from "../../../hosts/coordinator/daemon.js";
import { encodeHost, HostType } from "../../../hosts/net/hostproto.js";
import { PeerTable } from "../../../hosts/net/peers.js";
import { decodePaxos } from "../../../src/wire/codec.js";
import { MsgType } from "../../../src/wire/header.js";

const LOCAL = "127.0.0.1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

async function udp(): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, LOCAL, () => r()));
  closers.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

describe("server coordinator gap filling without answers", () => {
  it("fills only the new part of a re-reported range, bounds retransmissions, abandons a silent fill", async () => {
    const sink = await udp();
    const p1as: number[] = [];
    sink.on("message", (buf) => {
      const r = decodePaxos(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), 0);
      if (r.ok && r.value.msgtype === MsgType.P1A) p1as.push(r.value.instance);
    });
    const at = { host: LOCAL, port: sink.address().port };
    const retransmitMs = 20;
    const coord = await ServerCoordinatorDaemon.start({
      id: 2,
      groups: [0],
      acceptors: 3,
      ringSize: 4096,
      bind: { host: LOCAL, port: 0 },
      peers: new PeerTable({ acceptors: [at], learners: [] }),
      retransmitMs,
    });
    closers.push(() => coord.close());
    const learner = await udp();
    const gap = (lo: number, hi: number) =>
      learner.send(encodeHost({ type: HostType.GAP, group: 0, lo, hi }), coord.address.port, LOCAL);

    const t0 = performance.now();
    gap(1, 1000);
    await sleep(50);
    gap(1, 1200); // the same gap, grown: only [1001, 1200] is new
    gap(1, 1100); // inside what is being filled: nothing new
    await sleep(50);
    expect(coord.gapStats).toMatchObject({ reports: 3, started: 2, ignored: 1 });
    const ranges = coord
      .recoveries()
      .map((r) => [r.lo, r.hi])
      .sort((a, b) => a[0]! - b[0]!);
    expect(ranges).toEqual([
      [1, 1000],
      [1001, 1200],
    ]);

    // At most 64 instances in flight per fill (128 here), sent again at retransmission times
    // that back off while nothing answers: never the whole 1,200-instance range, in one burst
    // or per period.
    const sent = () => coord.stats().endpoint.datagramsOut;
    await sleep(10 * retransmitMs);
    const periods = (performance.now() - t0) / retransmitMs + 1;
    expect(sent()).toBeGreaterThanOrEqual(128);
    expect(sent()).toBeLessThanOrEqual(128 * periods);
    // Only the lowest instances of each fill were asked: the window never slid without answers.
    expect(new Set(p1as).size).toBeLessThanOrEqual(128);
    expect(Math.max(...p1as)).toBeLessThanOrEqual(1001 + 63);

    // Nothing answers: after 30 silent periods both fills are abandoned and sending stops.
    await sleep(30 * retransmitMs + 300);
    expect(coord.gapStats.abandoned).toBe(2);
    expect(coord.recoveries()).toEqual([]);
    const stopped = sent();
    await sleep(5 * retransmitMs);
    expect(sent()).toBe(stopped);
  });
});
