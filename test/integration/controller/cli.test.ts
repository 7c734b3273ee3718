// The controller's paxosctl commands, run in-process with captured output against embedded
// switches over gRPC: up (twice), status, tables, counters, registers, failover, trim; bad
// configuration (exit 1), unreachable switches (exit 3), bad arguments (exit 2).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { Fabric, smallDeployment } from "./fabric.js";

let fabric: Fabric;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

beforeAll(async () => {
  fabric = await Fabric.create();
}, 20_000);
afterAll(async () => {
  await fabric?.close();
});

describe("paxosctl controller commands", () => {
  it("up deploys, a second up writes nothing, status/tables/counters/registers read it back", async () => {
    const c = fabric.configPath;
    const first = await cli("up", "-c", c);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toContain("group 0: served by its switch in round 257");
    const second = await cli("up", "-c", c);
    expect(second.code).toBe(0);
    for (const s of ["coord", "acc1", "acc2", "acc3", "edge"])
      expect(second.out).toContain(`${s}: up to date`);

    const status = await cli("status", "-c", c, "--json");
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.out).switches;
    const coord = rows.find((r: { name: string }) => r.name === "coord");
    expect(coord.pipeline).toBe("ours");
    expect(coord.primary).toBe("us");
    expect(coord.coordinator).toEqual([{ group: 0, round: 257, next: 1, trim: 0 }]);
    expect(rows.find((r: { name: string }) => r.name === "acc2").acceptor).toEqual([
      { group: 0, id: 2, floor: 0, join: 0 },
    ]);
    const text = await cli("status", "-c", c);
    expect(text.out).toMatch(/coord .* pipeline ours/);
    expect(text.out).toContain("coordinator group 0: round 257, next instance 1, trim 0");

    const watch = await cli("watch", "-c", c, "--json", "--count", "2", "--interval-ms", "50");
    expect(watch.code).toBe(0);
    const frames = watch.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(frames).toHaveLength(2);
    expect(frames[1].switches.map((x: { name: string }) => x.name)).toEqual([
      "coord",
      "acc1",
      "acc2",
      "acc3",
      "edge",
    ]);

    const tables = await cli("tables", "-c", c, "edge", "--table", "MyIngress.ipv4_lpm");
    expect(tables.code).toBe(0);
    expect(tables.out).toContain(
      "MyIngress.ipv4_lpm hdr.ipv4.dstAddr=10.0.100.1/32 -> MyIngress.ipv4_forward(",
    );
    const tj = JSON.parse((await cli("tables", "-c", c, "coord", "--json")).out);
    expect(tj.multicastGroups.map((g: { id: number }) => g.id)).toEqual([1]);

    const counters = await cli("counters", "-c", c, "acc1", "--json");
    expect(counters.code).toBe(0);
    // Phase 1 of the first round went through acc1: P1As received and P1Bs sent.
    expect(JSON.parse(counters.out)["MyIngress.paxos_rx"].P1A.packets).toBeGreaterThan(0);

    const reg = await cli(
      "registers",
      "-c",
      c,
      "acc1",
      "MyIngress.acceptor.minround",
      "--index",
      "0",
      "--json",
    );
    expect(reg.code).toBe(0);
    expect(JSON.parse(reg.out).cells).toEqual({ 0: "257" });
  }, 20_000);

  it("failover --to server without a reachable server coordinator fails with the reason", async () => {
    const r = await cli(
      "failover",
      "-c",
      fabric.configPath,
      "--to",
      "server",
      "--server-control",
      "rc=127.0.0.1:9",
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain("takeover failed");
    // The switch's role was withdrawn and REQUESTs are dropped: hand it back.
    const back = await cli("failover", "-c", fabric.configPath, "--to", "switch");
    expect(back.code).toBe(0);
    expect(back.out).toMatch(/served by switch coord in round \d+/);
    const trim = await cli("trim", "-c", fabric.configPath);
    expect(trim.code).toBe(0);
    expect(trim.out).toContain("group 0: nothing delivered by every learner yet");
  }, 20_000);

  it("exit codes: 2 for bad arguments, 1 for a bad file, 3 for unreachable switches", async () => {
    expect((await cli("up")).code).toBe(2);
    expect((await cli("status", "-c", fabric.configPath, "extra")).code).toBe(2);
    expect((await cli("tables", "-c", fabric.configPath)).code).toBe(2);
    expect((await cli("tables", "-c", fabric.configPath, "nosuch")).code).toBe(2);
    expect((await cli("failover", "-c", fabric.configPath, "--to", "sideways")).code).toBe(2);
    expect((await cli("registers", "-c", fabric.configPath, "acc1", "minround", "--index", "x")).code).toBe(
      2,
    );
    const bad = join(fabric.dir, "bad.yaml");
    writeFileSync(bad, "name: x\nswitches: []\n");
    const b = await cli("status", "-c", bad);
    expect(b.code).toBe(1);
    expect(b.err).toContain("paxos");
    // Nothing listens on these ports.
    const gone = join(fabric.dir, "gone.yaml");
    writeFileSync(
      gone,
      smallDeployment({ coord: 1, acc1: 2, acc2: 3, acc3: 4, edge: 5 }, join(fabric.dir, "gone.json")),
    );
    const s = await cli("status", "-c", gone, "--timeout-ms", "300");
    expect(s.code).toBe(3);
    expect(s.out).toContain("UNREACHABLE");
    expect((await cli("tables", "-c", gone, "coord")).code).toBe(3);
    const up = await cli("up", "-c", gone, "--connect-timeout-ms", "300");
    expect(up.code).toBe(3);
    expect(up.err).toContain("unreachable: ");
    for (const cmd of ["up", "status", "watch", "failover", "trim", "tables", "counters", "registers"]) {
      const h = await cli(cmd, "--help");
      expect(h.code).toBe(0);
      expect(h.out).toContain("Examples:");
    }
  }, 20_000);
});
