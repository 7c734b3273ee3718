// Bad datagrams are counted and ignored by every daemon; catch-up entries from strangers are refused.
import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { encodeKv } from "../../../hosts/kv/command.js";
import { encodeHost, HostType } from "../../../hosts/net/hostproto.js";
import { makeRound } from "../../../src/paxos/round.js";
import { encodePaxos, makeMessage } from "../../../src/wire/codec.js";
import { MsgType } from "../../../src/wire/header.js";
import { Cluster, LOCAL, sleep } from "./cluster.js";

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

const b = (s: string) => new TextEncoder().encode(s);

describe("daemons under bad input", () => {
  it("count malformed datagrams, keep working, and refuse catch-up from strangers", async () => {
    cluster = await Cluster.start();
    await cluster.coordinators[0]!.recover({ group: 0, round: makeRound(1, 1), fence: true, serve: true });
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, LOCAL, () => r()));
    const good = encodePaxos(makeMessage({ msgtype: MsgType.P2B, group: 0, instance: 1, round: 1 }));
    const badVersion = good.slice();
    badVersion[0] = 2;
    const badVlen = good.slice();
    badVlen[18] = 0xff;
    const junk = [
      new Uint8Array(0),
      new Uint8Array([1, 2, 3]),
      badVersion,
      badVlen,
      new Uint8Array([0x50, 0x48, 77]),
      new Uint8Array(2000).fill(0xab),
    ];
    const stranger = encodeHost({
      type: HostType.ENTRIES,
      group: 0,
      first: 2,
      entries: [{ proposer: 66, seq: 1, value: encodeKv({ op: "put", key: b("evil"), value: b("1") }) }],
    });
    const targets = [
      ...cluster.acceptorAddrs,
      ...cluster.coordAddrs,
      ...cluster.serviceAddrs,
      ...cluster.learnerAddrs,
    ];
    for (const t of targets) {
      for (const j of junk) sock.send(j, t.port, t.host);
      sock.send(stranger, t.port, t.host);
    }
    // A gap report for instances the serving coordinator never issued starts nothing.
    const bogusGap = encodeHost({ type: HostType.GAP, group: 0, lo: 1000, hi: 2000 });
    sock.send(bogusGap, cluster.coordAddrs[0]!.port, LOCAL);
    await sleep(100);
    await new Promise<void>((r) => sock.close(() => r()));
    expect(cluster.coordinators[0]!.gapStats).toMatchObject({ reports: 1, started: 0, ignored: 1 });
    const acc = cluster.acceptors[0]!.stats().endpoint;
    expect(acc.badVersion).toBe(2); // version 2, and 0xab in the 2000-byte blob
    expect(acc.malformed).toBeGreaterThanOrEqual(3);
    expect(acc.hostMalformed + acc.unhandled).toBeGreaterThanOrEqual(2);
    expect(acc.handlerErrors).toBe(0);
    const learner = cluster.replicas[0]!.learner.stats();
    expect(learner.untrusted).toBe(1);
    expect(learner.endpoint.malformed + learner.endpoint.badVersion).toBeGreaterThanOrEqual(4);
    expect(learner.endpoint.handlerErrors).toBe(0);
    expect(cluster.coordinators[0]!.stats().endpoint.handlerErrors).toBe(0);
    // Everything still works, and the stranger's entry never made it into a log.
    const res = await fetch(`${cluster.url(0)}/kv/after`, { method: "PUT", body: "ok" });
    expect(res.status).toBe(200);
    await cluster.converged(2);
    for (const r of cluster.replicas) {
      expect(r!.state.read(b("evil"))).toBeNull();
      expect(r!.learner.log().some((e) => e.command.proposer === 66)).toBe(false);
    }
  });
});
