// paxosctl sim and demo, run in-process through the CLI entry point.
import { describe, expect, it } from "vitest";
import { main } from "../../controller/cli/main.js";
import { SCENARIOS } from "../../src/paxos/sim/scenarios.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

describe("paxosctl sim", () => {
  it("replays one seed with its event trace", async () => {
    const r = await cli("sim", "--scenario", "failover", "--seed", "4", "--verbose");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/coord→acc1 P2A g=0 i=1 r=257/);
    expect(r.out).toMatch(/EVENT controller: switch coordinator missed \d+ PONGs/);
    expect(r.out).toContain("checker: ok");
    const again = await cli("sim", "--scenario", "failover", "--seed", "4", "--verbose");
    expect(again.out).toBe(r.out);
  });

  it("sweeps seeds and prints a summary", async () => {
    const r = await cli("sim", "--scenario", "all", "--seed", "5", "--runs", "3");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^gap\s+3\/3 passed/m);
    const total = SCENARIOS.length * 3;
    expect(r.out).toContain(`total: ${total}/${total} runs passed`);
  });

  it("exits 1 and prints the replay command when the checker finds a violation", async () => {
    const r = await cli("sim", "--scenario", "gap", "--runs", "3", "--broken", "recoveryIgnoresVotes");
    expect(r.code).toBe(1);
    expect(r.out).toContain("VIOLATION chosen");
    expect(r.out).toMatch(
      /replay: \.\/bin\/paxosctl sim --scenario gap --seed \d --broken recoveryIgnoresVotes --verbose/,
    );
  });

  it("rejects bad arguments with a usage error", async () => {
    expect((await cli("sim")).code).toBe(2);
    expect((await cli("sim", "--scenario", "nope")).code).toBe(2);
    expect((await cli("sim", "--scenario", "gap", "--seed", "-1")).code).toBe(2);
    expect((await cli("sim", "--scenario", "gap", "--runs", "0")).code).toBe(2);
    expect((await cli("sim", "--scenario", "gap", "--broken", "x")).code).toBe(2);
    expect((await cli("sim", "--bogus")).code).toBe(2);
    const list = await cli("sim", "--list");
    expect(list.code).toBe(0);
    expect(list.out).toContain("stale-coordinator");
    expect((await cli("sim", "--help")).out).toContain("Examples:");
  });
});

describe("paxosctl demo --simulated", () => {
  it("runs a cluster through failover and fail-back; both learners agree", async () => {
    const r = await cli("demo", "--simulated", "--seed", "3", "--requests", "80");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/coord crashed/);
    expect(r.out).toMatch(/served by server coordinator in round \d+/);
    expect(r.out).toMatch(/served by switch coordinator in round \d+/);
    expect(r.out).toMatch(/Decisions: \d+ instances decided/);
    expect(r.out).toContain("Learner logs identical: yes");
    expect(r.out).toContain("KV stores identical:    yes");
    expect(r.out).toMatch(/instance +1: "put k\d v\d+" \(request \d:\d\)/);
  });

  it("depends on the seed and validates its options", async () => {
    const a = await cli("demo", "--simulated", "--seed", "1", "--requests", "30");
    const b = await cli("demo", "--simulated", "--seed", "2", "--requests", "30");
    expect(a.out).not.toBe(b.out);
    expect((await cli("demo", "--simulated", "--requests", "0")).code).toBe(2);
    expect((await cli("demo", "--simulated", "--seed", "x")).code).toBe(2);
    expect((await cli("demo", "--simulated", "extra")).code).toBe(2);
  });
});
