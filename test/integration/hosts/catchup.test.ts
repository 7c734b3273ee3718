// Peer catch-up between two learner daemons (real UDP on 127.0.0.1) when each one is ahead in a
// different group: what each has delivered in order must be fetchable at once, also the part
// that still waits in its own merge for the other group. This is the leaf-spine deadlock: with
// two groups, each learner had delivered its peer's missing group up to trim + R, but offered
// only its merged prefix, so the two traded one entry per STATUS round trip while the trim (and
// with it both groups) stood still.
import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { LearnerDaemon } from "../../../hosts/learner/daemon.js";
import { PeerTable } from "../../../hosts/net/peers.js";
import { encodePaxos, makeMessage } from "../../../src/wire/codec.js";
import { MsgType } from "../../../src/wire/header.js";
import { freeUdpPorts, LOCAL, sleep } from "./cluster.js";

const started: LearnerDaemon[] = [];
afterEach(async () => {
  for (const d of started.splice(0)) await d.close();
});

/** Instances each learner gets of the group it is ahead in; the other group stops at SHORT. */
const LONG = 400;
const SHORT = 10;
const CATCHUP_MS = 40;

describe("learner catch-up (host protocol STATUS/FETCH/ENTRIES)", () => {
  it("serves what it delivered in order, merged or not: two learners ahead in different groups converge at once", async () => {
    const ports = await freeUdpPorts(2);
    const addrs = ports.map((port) => ({ host: LOCAL, port }));
    for (let k = 0; k < 2; k++) {
      started.push(
        await LearnerDaemon.start({
          id: k + 1,
          groups: [0, 1],
          // One acceptor: each 2B decides its instance.
          acceptors: 1,
          rank: k,
          bind: addrs[k]!,
          // No coordinator, controller or recovery agent: only the peer can fill the gaps.
          peers: new PeerTable({ learnerPeers: addrs.filter((_, j) => j !== k) }),
          tickMs: 10,
          gapTimeoutMs: 60,
          noopDelayMs: 30,
          catchupMs: CATCHUP_MS,
        }),
      );
    }
    const [l1, l2] = started as [LearnerDaemon, LearnerDaemon];
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, LOCAL, () => r()));
    const send = (to: number, group: number, instance: number) =>
      new Promise<void>((resolve, reject) => {
        const msg = makeMessage({
          msgtype: MsgType.P2B,
          group,
          instance,
          round: 257,
          vround: 257,
          acceptor: 1,
          proposer: 7,
          seq: group * 10_000 + instance,
          value: new TextEncoder().encode(`g${group}i${instance}`),
        });
        sock.send(encodePaxos(msg), ports[to]!, LOCAL, (e) => (e ? reject(e) : resolve()));
      });
    // l1 hears group 0 up to LONG and group 1 up to SHORT; l2 the other way round (in the
    // leaf-spine runs each learner missed the 2Bs of the no-ops it had asked for itself).
    for (let i = 1; i <= LONG; i++) {
      await send(0, 0, i);
      await send(1, 1, i);
      if (i <= SHORT) {
        await send(0, 1, i);
        await send(1, 0, i);
      }
      if (i % 25 === 0) await sleep(2);
    }
    // Every entry of both groups exists at one of the two learners; catch-up pulls ≤16 per
    // FETCH and keeps pulling, so a few STATUS periods suffice (one entry per period each way,
    // as before, would take ~LONG periods).
    const deadline = Date.now() + 100 * CATCHUP_MS;
    while (Date.now() < deadline && (l1.merged < 2 * LONG || l2.merged < 2 * LONG)) await sleep(10);
    await new Promise<void>((r) => sock.close(() => r()));
    expect({ l1: l1.merged, l2: l2.merged }).toEqual({ l1: 2 * LONG, l2: 2 * LONG });
    expect(l1.stats().positions).toEqual({ 0: LONG, 1: LONG });
    expect(l2.stats().positions).toEqual({ 0: LONG, 1: LONG });
    const text = (d: LearnerDaemon) =>
      d.log().map((e) => `${e.group}/${e.instance}/${new TextDecoder().decode(e.command.value)}`);
    expect(text(l1)).toEqual(text(l2));
    expect(text(l1).slice(0, 3)).toEqual(["0/1/g0i1", "1/1/g1i1", "0/2/g0i2"]);
    // Nothing needed a recovery: the peer had it all.
    expect(l1.stats().untrusted + l2.stats().untrusted).toBe(0);
  });
  it("pulls each missing entry about once, however many STATUS periods a slow pull spans", async () => {
    const ports = await freeUdpPorts(2);
    const addrs = ports.map((port) => ({ host: LOCAL, port }));
    // A 20 ms path each way between the two (a relay with two sockets, so each learner sees its
    // peer at one trusted address): with STATUS every 5 ms, one pull of 1,000 entries (16 per
    // FETCH, 40 ms per round trip) spans hundreds of STATUS periods.
    const DELAY = 20;
    const relay = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<ReturnType<typeof createSocket>>((r) => {
            const x = createSocket("udp4");
            x.bind(0, LOCAL, () => r(x));
          }),
      ),
    );
    const [toAhead, toBehind] = relay as [ReturnType<typeof createSocket>, ReturnType<typeof createSocket>];
    // behind → toAhead's port → leaves toBehind → ahead; ahead → toBehind's port → leaves toAhead → behind.
    let relaying = true;
    const later = (to: ReturnType<typeof createSocket>, port: number) => (m: Buffer) =>
      setTimeout(() => relaying && to.send(m, port, LOCAL), DELAY);
    toAhead.on("message", later(toBehind, ports[0]!));
    toBehind.on("message", later(toAhead, ports[1]!));
    const peerOf = [
      { host: LOCAL, port: toBehind.address().port },
      { host: LOCAL, port: toAhead.address().port },
    ];
    for (let k = 0; k < 2; k++)
      started.push(
        await LearnerDaemon.start({
          id: k + 1,
          groups: [0],
          acceptors: 1,
          rank: k,
          bind: addrs[k]!,
          peers: new PeerTable({ learnerPeers: [peerOf[k]!] }),
          tickMs: 10,
          gapTimeoutMs: 10_000,
          noopDelayMs: 10_000,
          catchupMs: 5,
        }),
      );
    const [ahead, behind] = started as [LearnerDaemon, LearnerDaemon];
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, LOCAL, () => r()));
    const N = 1000;
    for (let i = 1; i <= N; i++) {
      const msg = makeMessage({
        msgtype: MsgType.P2B,
        group: 0,
        instance: i,
        round: 257,
        vround: 257,
        acceptor: 1,
        proposer: 7,
        seq: i,
        value: new TextEncoder().encode(`v${i}`),
      });
      await new Promise<void>((resolve) => sock.send(encodePaxos(msg), ports[0]!, LOCAL, () => resolve()));
      if (i % 10 === 0) await sleep(1);
    }
    await new Promise<void>((r) => sock.close(() => r()));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && behind.merged < N) await sleep(10);
    relaying = false;
    for (const x of relay) await new Promise<void>((r) => x.close(() => r()));
    expect(ahead.merged).toBe(N);
    expect(behind.merged).toBe(N);
    // Without one pull at a time every STATUS started another, fetching the same entries again.
    const st = behind.stats();
    expect(st.injected).toBeGreaterThanOrEqual(N);
    expect(st.injected).toBeLessThan(1.5 * N);
  });
});
