// Linearizability of concurrent KV clients, a takeover by a second server coordinator (higher
// round, FENCE) mid-traffic, and several groups merged with no-ops for the idle one.
import { afterEach, describe, expect, it } from "vitest";
import { KvClient } from "../../../hosts/kv/client.js";
import { encodeKv } from "../../../hosts/kv/command.js";
import { checkLinearizable, formatHistory, type HistoryOp } from "../../../hosts/kv/linearizability.js";
import { PeerTable } from "../../../hosts/net/peers.js";
import { ProposerClient } from "../../../hosts/proposer/client.js";
import { isNoopCommand } from "../../../src/paxos/command.js";
import { makeRound } from "../../../src/paxos/round.js";
import { Cluster, LOCAL, sleep } from "./cluster.js";
import { runWorkload } from "./history.js";

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

const b = (s: string) => new TextEncoder().encode(s);

function expectLinearizable(history: Parameters<typeof checkLinearizable>[0]): void {
  const r = checkLinearizable(history);
  if (r.ok === false) throw new Error(`not linearizable on ${r.key}:\n${formatHistory(r.ops)}`);
  expect(r.ok).toBe(true);
}

describe("server-side consensus under concurrency and coordinator takeover", () => {
  it("concurrent clients on both replicas produce a linearizable history", async () => {
    cluster = await Cluster.start();
    await cluster.coordinators[0]!.recover({ group: 0, round: makeRound(1, 1), fence: true, serve: true });
    const c = cluster;
    const history = await runWorkload({
      urls: () => [c.url(0), c.url(1)],
      clients: 6,
      opsPerClient: 25,
      keys: ["x", "y", "z"],
      seed: 7,
    });
    // Nearly all answered (a rare timeout is allowed: it enters the history as "unknown").
    expect(history.filter((h) => h.output !== null).length).toBeGreaterThanOrEqual(140);
    expectLinearizable(history);
    // The check has teeth: a read answering a value nobody wrote is caught.
    const read = history.find((h) => h.op.kind === "get" && h.output !== null)!;
    const forged = history.map((h) =>
      h === read ? { ...h, output: { kind: "get" as const, value: "forged" } } : h,
    );
    expect(checkLinearizable(forged).ok).toBe(false);
    await cluster.converged();
    expect(cluster.replicas[0]!.state.digest()).toBe(cluster.replicas[1]!.state.digest());
  });

  it("a second server coordinator takes over with a higher round and FENCE mid-traffic", async () => {
    cluster = await Cluster.start({ coordinators: 2 });
    const [first, second] = [cluster.coordinators[0]!, cluster.coordinators[1]!];
    await first.recover({ group: 0, round: makeRound(1, 1), fence: true, serve: true });
    const c = cluster;
    const live: HistoryOp[] = [];
    const traffic = runWorkload({
      sink: live,
      urls: () => [c.url(0), c.url(1)],
      clients: 4,
      opsPerClient: 30,
      keys: ["x", "y"],
      seed: 11,
    });
    // A client that keeps talking to the first coordinator (a stale route).
    const stray = await ProposerClient.open({
      id: 900,
      group: 0,
      window: 2,
      timeout: 30,
      maxTimeout: 60,
      bind: { host: LOCAL, port: 0 },
      peers: new PeerTable({ coordinators: { 0: cluster.serviceAddrs[0]! } }),
      notifyFrom: cluster.learnerAddrs,
    });
    // Take over once traffic is flowing (not after a fixed delay: the machine may be slow).
    for (let t = 0; live.filter((h) => h.output !== null).length < 10; t++) {
      if (t > 500) throw new Error("no traffic before the takeover");
      await sleep(10);
    }
    // The first coordinator "dies" from the controller's point of view: the second fences it.
    const takeoverAt = performance.now();
    const info = await second.recover({ group: 0, round: makeRound(2, 2), fence: true, serve: true });
    expect(info.status).not.toBe("preempted");
    expect(info.fence).toBe(true);
    cluster.routeTo(1);
    const firstNext = first.coordinator.groupState(0).next;
    expect(info.hi).toBeGreaterThanOrEqual(1);
    // Requests the stale coordinator stamps in its old round are refused by the fenced acceptors.
    const strayResult = stray.propose(encodeKv({ op: "put", key: b("stray"), value: b("old-round") }), 600);
    await expect(strayResult).rejects.toThrow(/not delivered/);
    await stray.close();
    expect(first.coordinator.groupState(0).next).toBeGreaterThan(firstNext);
    const refused = cluster.acceptors.reduce((n, a) => n + a!.stats().drops.round_low!, 0);
    expect(refused).toBeGreaterThan(0);
    const history = await traffic;
    // Traffic really ran across the takeover: operations completed before it and started after it.
    expect(history.some((h) => h.complete !== null && h.complete < takeoverAt)).toBe(true);
    expect(history.some((h) => h.invoke > takeoverAt && h.output !== null)).toBe(true);
    expectLinearizable(history);
    // More traffic after the takeover, then both replicas agree on everything.
    const kv = new KvClient(cluster.url(1));
    expect(await kv.put("after", "takeover")).toMatchObject({ status: 200 });
    await cluster.converged();
    const [r1, r2] = [cluster.replicas[0]!, cluster.replicas[1]!];
    expect(r1.learner.log()).toEqual(r2.learner.log());
    expect(r1.state.digest()).toBe(r2.state.digest());
    expect(r1.state.read(b("stray"))).toBeNull();
    expect(r1.learner.stats().conflicts + r2.learner.stats().conflicts).toBe(0);
    expect(second.coordinator.groupState(0).round).toBe(makeRound(2, 2));
    const completedPuts = history.filter((h) => h.op.kind === "put" && h.output !== null).length;
    expect(completedPuts).toBeGreaterThan(0);
  });

  it("merges two groups; an idle group is filled with no-ops so the merged log keeps moving", async () => {
    cluster = await Cluster.start({ groups: [0, 1] });
    for (const g of [0, 1])
      await cluster.coordinators[0]!.recover({ group: g, round: makeRound(1, 1), fence: true, serve: true });
    const r1 = cluster.replicas[0]!;
    // Keys that all hash to group index 0: group 1 sees no client traffic at all.
    const keys: string[] = [];
    for (let k = 0; keys.length < 15; k++) if (r1.groupIndexOf(b(`g0-${k}`)) === 0) keys.push(`g0-${k}`);
    const kv = new KvClient(cluster.url(0));
    for (const key of keys) expect(await kv.put(key, "v")).toMatchObject({ status: 200 });
    await cluster.converged(30);
    const log = r1.learner.log();
    const g1 = log.filter((e) => e.group === 1);
    expect(g1.length).toBeGreaterThanOrEqual(14);
    expect(g1.slice(1).every((e) => isNoopCommand(e.command))).toBe(true);
    expect(log).toEqual(cluster.replicas[1]!.learner.log());
    // The merge is round-robin by instance: (0,1), (1,1), (0,2), (1,2), …
    for (const [k, e] of log.entries()) expect([e.group, e.instance]).toEqual([k % 2, Math.floor(k / 2) + 1]);
  });
});
