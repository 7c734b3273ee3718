// Restarts: an acceptor switch that comes back with wiped registers is fenced (floor/join)
// before it may vote, the group changes round, and it votes again past `join` (here the last
// instance issued before the restart: the switch came back empty); a controller
// killed mid-traffic and restarted rebuilds its view without writing or changing rounds.
import { afterEach, describe, expect, it } from "vitest";
import { counterEntity, tableWildcard } from "../../../src/p4runtime/entities.js";
import { P4InfoIndex } from "../../../src/p4runtime/p4info-index.js";
import { Cluster, checkAgreement, deliveredValues, dump, enc, settled, until } from "./cluster.js";

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

async function start(): Promise<Cluster> {
  const { c } = await Cluster.running((x) => {
    cluster = x;
  });
  await c.startProposer();
  return c;
}

function counter(c: Cluster, sw: string, name: string, index: number): number {
  const idx = new P4InfoIndex(c.pipeline.p4info);
  const [e] = c.fabric.daemons.get(sw)!.device.read([counterEntity(idx.counter(name).preamble!.id, index)]);
  return e?.entity.case === "counterEntry" ? Number(e.entity.value.data?.packetCount ?? 0n) : 0;
}

/** P2Bs an acceptor switch has sent (its egress paxos_tx counter, msgtype 5). */
const p2bSent = (c: Cluster, name: string) => counter(c, name, "MyEgress.paxos_tx", 5);

describe("restarts", () => {
  it("fences an acceptor switch that lost its state, then lets it vote past join", async () => {
    const c = await start();
    const ctl = c.controller!;
    const p = c.proposer!;
    try {
      for (let i = 0; i < 5; i++) await p.propose(enc(`a${i}`), 3000);
      const before = ctl.group(0).round;
      await c.fabric.stop("acc1");
      // Two of three acceptors: service continues.
      for (let i = 0; i < 3; i++) await p.propose(enc(`b${i}`), 3000);
      await c.fabric.start("acc1");
      await until("fence", () => (ctl.group(0).acceptors[1]?.floor ?? 0) > before, 5000);
      const fence = ctl.group(0).acceptors[1]!;
      await until("round change", () => ctl.group(0).round > fence.floor && settled(c, "switch"), 8000);
      // It came back empty and the switch serves the group: join is the last instance issued
      // before the restart (a0–a4, b0–b2: 8, more if a retry was stamped twice), from a PONG,
      // never above W + R (protocol §9).
      expect(fence.join).toBeGreaterThanOrEqual(8);
      expect(fence.join).toBeLessThan(c.d.p4.ringSize);
      expect(fence.join).toBeLessThanOrEqual(ctl.group(0).trim + c.d.p4.ringSize);
      expect(c.logs.some((l) => l.includes(`group 0 join ${fence.join} (last instance issued)`))).toBe(true);
      // The entry on the switch carries them.
      const idx = new P4InfoIndex(c.pipeline.p4info);
      const roles = c.fabric.daemons
        .get("acc1")!
        .device.read([tableWildcard(idx.table("MyIngress.acceptor.role").preamble!.id)])
        .map((e) => (e.entity.case === "tableEntry" ? idx.renderTableEntry(e.entity.value).params : null));
      expect(roles).toEqual([
        { acceptor_id: "1", learner_mgid: "2", floor: String(fence.floor), join: String(fence.join) },
      ]);
      // acc1 answers nothing at or below join (counted amnesia, e.g. the round change's Phase 1
      // when the watermark was still below 8) and votes past it; the others carry on.
      const votesAfterRestart = p2bSent(c, "acc1");
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < fence.join + 5; i++) batch.push(p.propose(enc(`c${i}`), 8000));
      await Promise.all(batch);
      expect(p2bSent(c, "acc1")).toBeGreaterThan(votesAfterRestart);
      const values = deliveredValues(c);
      expect(checkAgreement(c)).toEqual([]);
      expect(checkAgreement(c)).toEqual([]);
      expect(new Set(values).size).toBe(values.length);
      const want = [...[0, 1, 2, 3, 4].map((i) => `a${i}`), "b0", "b1", "b2"];
      for (let i = 0; i < fence.join + 5; i++) want.push(`c${i}`);
      expect([...values].sort()).toEqual(want.sort());
    } catch (e) {
      console.log(dump(c));
      throw e;
    }
  }, 30_000);

  it("a controller killed mid-traffic and restarted writes nothing, keeps the round, loses nothing", async () => {
    const c = await start();
    const p = c.proposer!;
    let stop = false;
    const sent: string[] = [];
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        sent.push(`t${i}`);
        await p.propose(enc(`t${i}`), 5000);
      }
    })();
    try {
      await until("traffic", () => c.delivered.length >= 10, 3000);
      const first = c.controller!;
      const round = first.group(0).round;
      const highest = first.state.highestRound;
      await first.close();
      const during = c.delivered.length;
      // The switches serve on without a controller.
      await until("traffic without a controller", () => c.delivered.length >= during + 10, 3000);
      const second = await c.startController();
      const r = await second.up();
      expect(r.reports.map((x) => [x.switch, x.pushedPipeline, x.written])).toEqual(
        ["coord", "acc1", "acc2", "acc3", "edge"].map((n) => [n, false, 0]),
      );
      expect(second.group(0).round).toBe(round);
      expect(second.state.highestRound).toBe(highest);
      await second.startDaemon();
      c.wireAgent();
      const after = c.delivered.length;
      await until("traffic after the restart", () => c.delivered.length >= after + 10, 3000);
      expect(second.group(0).round).toBe(round);
      stop = true;
      await traffic;
      const values = deliveredValues(c);
      expect(checkAgreement(c)).toEqual([]);
      expect(checkAgreement(c)).toEqual([]);
      expect(new Set(values).size).toBe(values.length);
      expect([...values].sort()).toEqual([...sent].sort());
    } catch (e) {
      stop = true;
      console.log(dump(c));
      throw e;
    }
  }, 30_000);
});
