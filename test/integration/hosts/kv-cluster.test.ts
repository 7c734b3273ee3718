// Full server-side mode on 127.0.0.1: a server coordinator, 3 server acceptors, 2 KV replicas.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { KvClient } from "../../../hosts/kv/client.js";
import { encodeKv } from "../../../hosts/kv/command.js";
import { PeerTable } from "../../../hosts/net/peers.js";
import { UdpEndpoint } from "../../../hosts/net/udp.js";
import { ProposerClient } from "../../../hosts/proposer/client.js";
import { Coordinator } from "../../../src/paxos/coordinator.js";
import { makeRound } from "../../../src/paxos/round.js";
import { makeMessage } from "../../../src/wire/codec.js";
import { MsgType, noQuorumAux } from "../../../src/wire/header.js";
import { Cluster, LOCAL, sleep } from "./cluster.js";

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function bootstrap(c: Cluster): Promise<void> {
  for (const g of c.groups) {
    const info = await c.coordinators[0]!.recover({
      group: g,
      round: makeRound(1, 1),
      fence: true,
      serve: true,
    });
    expect(info.status).not.toBe("preempted");
  }
}

const b = (s: string) => new TextEncoder().encode(s);

describe("KV store on the server-side consensus log", () => {
  it("decides commands and keeps both replicas identical", async () => {
    cluster = await Cluster.start();
    await bootstrap(cluster);
    const c1 = new KvClient(cluster.url(0));
    const c2 = new KvClient(cluster.url(1));
    const writes = [];
    for (let k = 0; k < 40; k++) writes.push((k % 2 ? c1 : c2).put(`key${k % 10}`, `value${k}`));
    const results = await Promise.all(writes);
    expect(results.every((r) => r.kind === "ok" && r.status === 200)).toBe(true);
    expect(await c1.cas("key0", "nope", "x")).toMatchObject({ kind: "ok", status: 409 });
    const del = await c2.del("key1");
    expect(del).toMatchObject({ kind: "ok", status: 200, body: { deleted: true } });
    expect(await c1.get("key1")).toMatchObject({ kind: "ok", status: 404 });
    expect(await c1.put("k".repeat(40), "v".repeat(30))).toMatchObject({ kind: "ok", status: 413 });
    await cluster.converged(43);
    const [r1, r2] = [cluster.replicas[0]!, cluster.replicas[1]!];
    expect(r1.state.digest()).toBe(r2.state.digest());
    expect(r1.learner.log()).toEqual(r2.learner.log());
    expect(r1.state.size).toBe(9);
    // A read at either replica goes through the log and sees the same value.
    const g1 = await c1.get("key5");
    const g2 = await c2.get("key5");
    expect(g1).toEqual(g2);
    expect(g1).toMatchObject({ kind: "ok", status: 200 });
    expect(r1.learner.stats().conflicts).toBe(0);
  });

  it("learners report DELIVERED to the controller", async () => {
    const reports: { learner: number; group: number; instance: number }[] = [];
    const controller = await UdpEndpoint.bind(
      { host: LOCAL, port: 0 },
      {
        paxos: (m) => {
          if (m.msgtype === MsgType.DELIVERED)
            reports.push({ learner: m.acceptor, group: m.group, instance: m.instance });
        },
      },
    );
    try {
      cluster = await Cluster.start({ controller: controller.address });
      await bootstrap(cluster);
      const kv = new KvClient(cluster.url(0));
      for (let k = 0; k < 5; k++) expect(await kv.put(`d${k}`, "x")).toMatchObject({ status: 200 });
      await cluster.converged(6);
      await sleep(50);
      // Retries may have decided a request twice: compare with what each learner delivered.
      for (const [k, id] of [1, 2].entries()) {
        const best = Math.max(
          ...reports.filter((r) => r.learner === id && r.group === 0).map((r) => r.instance),
        );
        expect(best).toBe(cluster.replicas[k]!.learner.delivered(0));
        expect(best).toBeGreaterThanOrEqual(6);
      }
    } finally {
      await controller.close();
    }
  });

  it("without a controller, the server coordinator trims, so a small ring never fills up", async () => {
    cluster = await Cluster.start({ ringSize: 8, coordinatorTrims: true });
    await bootstrap(cluster);
    const kv = new KvClient(cluster.url(0));
    for (let k = 0; k < 40; k++) expect(await kv.put(`t${k % 5}`, `${k}`)).toMatchObject({ status: 200 });
    await cluster.converged(41);
    const coord = cluster.coordinators[0]!;
    expect(coord.trim(0)).toBeGreaterThan(30);
    for (const a of cluster.acceptors) expect(a!.acceptor.groupState(0).trim).toBeGreaterThan(30);
    expect(cluster.replicas[0]!.state.digest()).toBe(cluster.replicas[1]!.state.digest());
  });

  it("applies duplicated and retried requests once", async () => {
    cluster = await Cluster.start();
    await bootstrap(cluster);
    // A raw client resends request (77, 1) after (77, 2): both are decided twice, applied once.
    const raw = await UdpEndpoint.bind({ host: LOCAL, port: 0 }, {});
    const request = (seq: number, value: string) =>
      makeMessage({
        msgtype: MsgType.REQUEST,
        group: 0,
        proposer: 77,
        seq,
        value: encodeKv({ op: "put", key: b("dup"), value: b(value) }),
      });
    raw.sendPaxos(request(1, "first"), [cluster.serviceAddrs[0]!]);
    await sleep(50);
    raw.sendPaxos(request(2, "second"), [cluster.serviceAddrs[0]!]);
    await sleep(50);
    raw.sendPaxos(request(1, "first"), [cluster.serviceAddrs[0]!]);
    raw.sendPaxos(request(2, "second"), [cluster.serviceAddrs[0]!]);
    await sleep(50);
    await raw.close();
    await cluster.converged(5);
    for (const r of cluster.replicas) {
      expect(new TextDecoder().decode(r!.state.read(b("dup"))!)).toBe("second");
      expect(r!.learner.stats().duplicates).toBe(2);
    }
    // A proposer that never hears back (no learner notifies it) retries every few ms: each
    // request is decided many times and applied once.
    const peers = new PeerTable({ coordinators: { 0: cluster.serviceAddrs[0]! } });
    const eager = await ProposerClient.open({
      id: 500,
      group: 0,
      window: 12,
      timeout: 5,
      maxTimeout: 10,
      bind: { host: LOCAL, port: 0 },
      peers,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, k) =>
        eager.propose(encodeKv({ op: "put", key: b(`e${k}`), value: b("1") }), 150),
      ),
    );
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    await eager.close();
    await cluster.converged();
    const s = cluster.replicas[0]!.learner.stats();
    expect(s.duplicates).toBeGreaterThan(2);
    const applied500 = cluster.replicas[0]!.learner.log().filter((e) => e.command.proposer === 500).length;
    expect(applied500).toBeGreaterThan(12);
    expect(cluster.replicas[0]!.state.digest()).toBe(cluster.replicas[1]!.state.digest());
    expect(cluster.replicas[0]!.state.size).toBe(13);
  });

  it("a restarted replica resumes from its disk and catches up from its peer", async () => {
    cluster = await Cluster.start();
    await bootstrap(cluster);
    const c1 = new KvClient(cluster.url(0));
    for (let k = 0; k < 30; k++) expect(await c1.put(`a${k}`, `${k}`)).toMatchObject({ status: 200 });
    await cluster.converged(31);
    const before = cluster.replicas[1]!.learner.merged;
    await cluster.stopReplica(1);
    for (let k = 0; k < 30; k++) expect(await c1.put(`b${k}`, `${k}`)).toMatchObject({ status: 200 });
    const missed = cluster.replicas[0]!.learner.merged - before;
    const restarted = await cluster.startReplica(1);
    const load = restarted.learner.stats().load!;
    expect(load.entries).toBe(before);
    expect(load.snapshotIndex).toBe(before);
    await cluster.converged(61);
    const s = restarted.learner.stats();
    // Only what it missed came from the peer (or, for a few, from the acceptors by recovery).
    expect(s.injected).toBeGreaterThanOrEqual(1);
    expect(s.injected).toBeLessThanOrEqual(missed);
    expect(restarted.state.digest()).toBe(cluster.replicas[0]!.state.digest());
    // New writes through the restarted replica work (new session: not mistaken for duplicates).
    const c2 = new KvClient(cluster.url(1));
    expect(await c2.put("after", "restart")).toMatchObject({ status: 200 });
    expect(await c1.get("after")).toMatchObject({ status: 200, body: { value: "restart" } });
  });

  it("after a crash, a replica re-applies the log entries its last snapshot missed", async () => {
    cluster = await Cluster.start();
    await bootstrap(cluster);
    const c2 = new KvClient(cluster.url(1));
    for (let k = 0; k < 30; k++) expect(await c2.put(`c${k % 4}`, `${k}`)).toMatchObject({ status: 200 });
    await cluster.converged(31);
    // The periodic snapshot (every 25 entries) as it was at the crash; the log has them all.
    const snapPath = join(cluster.dataDirs[1]!, "snapshot.json");
    const atCrash = readFileSync(snapPath, "utf8");
    const snapIndex = JSON.parse(atCrash).index as number;
    const logged = cluster.replicas[1]!.learner.merged;
    expect(snapIndex % 25).toBe(0);
    expect(snapIndex).toBeLessThan(logged);
    await cluster.stopReplica(1);
    writeFileSync(snapPath, atCrash);
    const restarted = await cluster.startReplica(1);
    const st = restarted.learner.stats();
    expect(st.load).toEqual({ entries: logged, truncatedBytes: 0, snapshotIndex: snapIndex });
    // Exactly the entries after the snapshot went through the application again.
    expect(st.applied + st.duplicates + st.noops).toBe(logged - snapIndex);
    expect(restarted.state.digest()).toBe(cluster.replicas[0]!.state.digest());
    // Its first new request is not mistaken for a duplicate of the last session's.
    expect(await new KvClient(cluster.url(1)).put("c0", "new")).toMatchObject({ status: 200 });
    await cluster.converged(logged + 1);
    expect(new TextDecoder().decode(cluster.replicas[0]!.state.read(b("c0"))!)).toBe("new");
  });

  it("a coordinator without a quorum: 503 at once with the outcome, and the command never applied", async () => {
    cluster = await Cluster.start();
    await bootstrap(cluster);
    const c1 = new KvClient(cluster.url(0), 3000);
    expect(await c1.put("q", "before")).toMatchObject({ kind: "ok", status: 200 });
    // A coordinator whose role entry refuses (what the controller installs on the switch when
    // fewer acceptors than a quorum answer): the TS role the P4 one is held to, on a UDP socket.
    const role = new Coordinator({ ringSize: 4096 });
    role.installRole(0, makeRound(1, 1), { refuse: noQuorumAux({ alive: 1, acceptors: 3, quorum: 2 }) });
    const refusing: UdpEndpoint = await UdpEndpoint.bind(
      { host: LOCAL, port: 0 },
      {
        paxos: (m, from) => {
          for (const out of role.handle(m, "sender").send) refusing.sendPaxos(out.msg, [from]);
        },
      },
    );
    try {
      for (const p of cluster.replicaPeers) p.setCoordinator(0, refusing.address);
      const t0 = Date.now();
      const r = await c1.put("q", "refused");
      expect(Date.now() - t0).toBeLessThan(1000); // the replica's request timeout is 4000 ms
      expect(r).toEqual({
        kind: "refused",
        error: "command refused: 1 of 3 acceptors reachable, quorum 2; not applied",
        outcome: "not_applied",
      });
      expect(role.counters.drops.no_quorum).toBe(1);
      // `paxosctl kv` says the same and exits 1.
      const out: string[] = [];
      const code = await main(["kv", "--replica", cluster.url(0), "put", "q", "again"], {
        out: (t) => out.push(t),
        err: (t) => out.push(t),
      });
      expect(code).toBe(1);
      expect(out).toEqual([
        "paxosctl kv: command refused: 1 of 3 acceptors reachable, quorum 2; not applied",
      ]);
      // So does `paxosctl propose`.
      out.length = 0;
      const service = `${refusing.address.host}:${refusing.address.port}`;
      const learner = `${cluster.learnerAddrs[0]!.host}:${cluster.learnerAddrs[0]!.port}`;
      const proposed = await main(["propose", "--service", service, "--learner", learner, "--id", "9", "v"], {
        out: (t) => out.push(t),
        err: (t) => out.push(t),
      });
      expect(proposed).toBe(1);
      expect(out).toEqual(["v: request 1 refused: 1 of 3 acceptors reachable, quorum 2; not applied"]);
    } finally {
      cluster.routeTo(0);
      await refusing.close();
    }
    // Served again: neither refused put ever took effect.
    expect(await c1.put("r", "after")).toMatchObject({ kind: "ok", status: 200 });
    expect(await c1.get("q")).toMatchObject({ kind: "ok", status: 200, body: { value: "before" } });
    await cluster.converged(3);
    expect(new TextDecoder().decode(cluster.replicas[1]!.state.read(b("q"))!)).toBe("before");
  });

  it("a replica that lost its disk converges from its peer", async () => {
    cluster = await Cluster.start();
    await bootstrap(cluster);
    const c1 = new KvClient(cluster.url(0));
    await cluster.stopReplica(1);
    for (let k = 0; k < 40; k++) expect(await c1.put(`k${k % 13}`, `${k}`)).toMatchObject({ status: 200 });
    await cluster.startReplica(1, `${cluster.dataDirs[1]}-fresh`);
    await cluster.converged(41);
    expect(cluster.replicas[1]!.state.digest()).toBe(cluster.replicas[0]!.state.digest());
    expect(cluster.replicas[1]!.learner.log()).toEqual(cluster.replicas[0]!.learner.log());
  });
});
