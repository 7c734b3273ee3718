// The server coordinator's control channel (HTTP/JSON) and gap recovery driven by learners'
// GAP reports: an instance voted by one acceptor only is completed with that vote.
import { afterEach, describe, expect, it } from "vitest";
import { ControlServer } from "../../../hosts/coordinator/control.js";
import { KvClient } from "../../../hosts/kv/client.js";
import { encodeKv } from "../../../hosts/kv/command.js";
import { UdpEndpoint } from "../../../hosts/net/udp.js";
import { makeRound } from "../../../src/paxos/round.js";
import { makeMessage } from "../../../src/wire/codec.js";
import { MsgType } from "../../../src/wire/header.js";
import { Cluster, LOCAL, sleep } from "./cluster.js";

let cluster: Cluster | null = null;
let control: ControlServer | null = null;
afterEach(async () => {
  await control?.close();
  await cluster?.stop();
  cluster = null;
  control = null;
});

const b = (s: string) => new TextEncoder().encode(s);

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("server coordinator control channel and gap recovery", () => {
  it("takes over, reports status, refuses bad commands, hands back", async () => {
    cluster = await Cluster.start();
    control = await ControlServer.start(cluster.coordinators[0]!, { host: LOCAL, port: 0 });
    const base = `http://${LOCAL}:${control.address.port}`;
    const round = makeRound(1, 1);
    const t = await post(`${base}/takeover`, { group: 0, round });
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({
      ok: true,
      group: 0,
      round,
      fence: true,
      lo: 1,
      next: (t.body.hi as number) + 1,
    });
    const kv = new KvClient(cluster.url(0));
    expect(await kv.put("a", "1")).toMatchObject({ status: 200 });
    const status = (await (await fetch(`${base}/status`)).json()) as {
      groups: Record<string, { round: number; next: number }>;
    };
    expect(status.groups["0"]!.round).toBe(round);
    expect(status.groups["0"]!.next).toBeGreaterThan(2);
    expect((await post(`${base}/takeover`, { group: 9, round })).status).toBe(400);
    expect((await post(`${base}/takeover`, { group: 0 })).status).toBe(400);
    expect((await post(`${base}/nope`, { group: 0 })).status).toBe(404);
    expect((await fetch(`${base}/takeover`, { method: "POST", body: "{not json" })).status).toBe(400);
    // A takeover in a round this coordinator has seen already is refused (409, round to beat).
    const low = await post(`${base}/takeover`, { group: 0, round: makeRound(1, 1) - 255 });
    expect(low.status).toBe(409);
    expect(low.body.roundToBeat).toBeGreaterThanOrEqual(round);
    // Serve again in a fresh round, then hand back: REQUESTs are no longer stamped.
    expect((await post(`${base}/takeover`, { group: 0, round: makeRound(3, 1) })).status).toBe(200);
    expect(await kv.put("b", "2")).toMatchObject({ status: 200 });
    expect((await post(`${base}/handback`, { group: 0 })).body).toEqual({ ok: true, group: 0 });
    expect(cluster.coordinators[0]!.coordinator.groupState(0).round).toBe(0);
    // Someone fenced the acceptors in a higher round this coordinator never saw: its takeover
    // gets NACK_ROUNDs and is reported preempted with the round to beat.
    const raw = await UdpEndpoint.bind({ host: LOCAL, port: 0 }, {});
    raw.sendPaxos(
      makeMessage({ msgtype: MsgType.P1A, group: 0, instance: 1, round: makeRound(10, 3), aux: 1 }),
      cluster.acceptorAddrs,
    );
    await sleep(50);
    await raw.close();
    const nacked = await post(`${base}/takeover`, { group: 0, round: makeRound(5, 1) });
    expect(nacked.status).toBe(409);
    expect(nacked.body).toMatchObject({ status: "preempted", roundToBeat: makeRound(10, 3) });
  });

  it("fills a gap reported by learners with the value a minority voted for", async () => {
    cluster = await Cluster.start();
    const coord = cluster.coordinators[0]!;
    const round = makeRound(1, 1);
    await coord.recover({ group: 0, round, fence: true, serve: true });
    const kv = new KvClient(cluster.url(0));
    expect(await kv.put("x", "1")).toMatchObject({ status: 200 });
    await cluster.converged(2);
    // Instance 3 gets one vote only (a coordinator that died after one 2A copy), and the
    // coordinator moves past it, as a switch would after issuing it.
    const gapInstance = coord.coordinator.groupState(0).next;
    const raw = await UdpEndpoint.bind({ host: LOCAL, port: 0 }, {});
    const value = encodeKv({ op: "put", key: b("lost"), value: b("found") });
    raw.sendPaxos(
      makeMessage({
        msgtype: MsgType.P2A,
        group: 0,
        instance: gapInstance,
        round,
        proposer: 4242,
        seq: 1,
        value,
      }),
      [cluster.acceptorAddrs[0]!],
    );
    raw.sendPaxos(makeMessage({ msgtype: MsgType.SYNC, group: 0, instance: gapInstance + 1 }), [
      cluster.coordAddrs[0]!,
    ]);
    await sleep(50);
    await raw.close();
    // A later instance is decided: learners see the gap, report it, the coordinator recovers it.
    expect(await kv.put("y", "2")).toMatchObject({ status: 200 });
    await cluster.converged(gapInstance + 1);
    for (const r of cluster.replicas)
      expect(new TextDecoder().decode(r!.state.read(b("lost"))!)).toBe("found");
    // Whichever learner's gap timeout fired first reported it (the other may have been too late).
    expect(cluster.replicas.reduce((n, r) => n + r!.learner.stats().gapReports, 0)).toBeGreaterThan(0);
    expect(coord.gapStats.started).toBeGreaterThanOrEqual(1);
    const entry = cluster.replicas[0]!.learner.log()[gapInstance - 1]!;
    expect(entry.instance).toBe(gapInstance);
    expect(entry.command.proposer).toBe(4242);
    // Gap filling does not fence: the coordinator keeps serving in its round.
    expect(await kv.put("z", "3")).toMatchObject({ status: 200 });
    expect(coord.coordinator.groupState(0).round).toBe(round);
    // The gap recovery used a round of this coordinator's own choosing; a takeover commanded in
    // that same round is refused before anything changes (one round, one value per instance).
    const own = coord.rounds.highestRound(0);
    expect(own).toBeGreaterThan(round);
    await expect(coord.recover({ group: 0, round: own, fence: true, serve: true })).rejects.toThrow(
      /not above/,
    );
    expect(coord.coordinator.groupState(0).round).toBe(round);
  });
});
