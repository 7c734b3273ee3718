// Coordinator switch killed: the controller detects it within failoverMs, the server
// coordinator takes over, clients keep getting decisions; the switch returns empty and the
// group goes back to it by the §7 step 4 procedure.
import { afterEach, describe, expect, it } from "vitest";
import { Cluster, checkAgreement, deliveredValues, dump, enc, settled, until } from "./cluster.js";

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

describe("controller with traffic", () => {
  it("serves, fails over, fails back", async () => {
    const { c, up } = await Cluster.running((x) => {
      cluster = x;
    });
    expect(up.unreachable).toEqual([]);
    const p = await c.startProposer();
    // More than the ring (R = 64): the server coordinator then needs the trim watermark to serve.
    await Promise.all(Array.from({ length: 70 }, (_, i) => p.propose(enc(`a${i}`), 5000)));
    expect(c.delivered.length).toBe(70);
    try {
      const killedAt = Date.now();
      await c.fabric.stop("coord");
      await until("server mode", () => settled(c, "server"), 5000);
      const took = Date.now() - killedAt;
      for (let i = 0; i < 5; i++) await p.propose(enc(`b${i}`), 5000);
      expect(c.delivered.length).toBeGreaterThanOrEqual(10);
      expect(took).toBeLessThan(c.d.paxos.timeouts.failoverMs + 1500);
      await c.fabric.start("coord");
      await until("switch mode", () => settled(c, "switch"), 8000);
      for (let i = 0; i < 5; i++) await p.propose(enc(`c${i}`), 5000);
    } catch (e) {
      console.log(dump(c));
      throw e;
    }
    const values = deliveredValues(c);
    expect(checkAgreement(c)).toEqual([]);
    expect(new Set(values).size).toBe(values.length);
    expect(values).toHaveLength(80);
  }, 30_000);

  it("a coordinator switch restarted faster than failoverMs gets a new round, never its old one", async () => {
    const { c, ctl } = await Cluster.running((x) => {
      cluster = x;
    });
    const p = await c.startProposer();
    try {
      for (let i = 0; i < 5; i++) await p.propose(enc(`a${i}`), 3000);
      const old = ctl.group(0).round;
      await c.fabric.stop("coord");
      await c.fabric.start("coord");
      await until("new round", () => ctl.group(0).round > old && settled(c, "switch"), 8000);
      // Seen as a restart (pipeline gone), not as silence: no detour through the server.
      expect(c.logs.some((l) => l.includes("coord: coordinator lost its registers"))).toBe(true);
      expect(ctl.stats.failovers).toBe(0);
      for (let i = 0; i < 5; i++) await p.propose(enc(`b${i}`), 5000);
      const values = deliveredValues(c);
      expect(checkAgreement(c)).toEqual([]);
      expect(checkAgreement(c)).toEqual([]);
      expect([...values].sort()).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`a${i}`, `b${i}`]).sort());
    } catch (e) {
      console.log(dump(c));
      throw e;
    }
  }, 30_000);
});
