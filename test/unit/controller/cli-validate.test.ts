import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../../controller/cli/command.js";
import { main } from "../../../controller/cli/main.js";
import { editedText, ROOT } from "./fixtures.js";

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

async function run(...argv: string[]) {
  const io = capture();
  const code = await main(argv, io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

const dir = mkdtempSync(join(tmpdir(), "paxosctl-validate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLASSIC = join(ROOT, "examples", "classic.yaml");
const BROKEN = join(dir, "broken.yaml");
writeFileSync(
  BROKEN,
  editedText("classic", {
    set: [
      [["hosts", 1, "ip"], "10.0.0.1"],
      [["p4", "ringSize"], 1000],
    ],
  }),
);

describe("paxosctl validate", () => {
  it("prints OK and a summary for a valid file (exit 0)", async () => {
    const r = await run("validate", "-c", CLASSIC);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK .*classic\.yaml\n/);
    expect(r.out).toContain("5 acceptors (quorum 3)");
    expect(r.err).toBe("");
  });

  it("prints every error with its path and position (exit 1)", async () => {
    const r = await run("validate", "-c", BROKEN);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.yaml:\d+:\d+: error: hosts\[1\]\.ip: duplicate IP address 10\.0\.0\.1/);
    expect(r.err).toMatch(/broken\.yaml:\d+:\d+: error: p4\.ringSize: RING_SIZE must be a power of two/);
    expect(r.err).toMatch(/2 error\(s\)/);
    expect(r.out).toBe("");
  });

  it("--json gives machine-readable results", async () => {
    const ok = await run("validate", "-c", CLASSIC, "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, errors: [], warnings: [] });
    const bad = await run("validate", "--json", "-c", BROKEN);
    expect(bad.code).toBe(1);
    const parsed = JSON.parse(bad.out);
    expect(parsed.ok).toBe(false);
    expect(parsed.errors.map((e: { path: string }) => e.path).sort()).toEqual(["hosts[1].ip", "p4.ringSize"]);
    expect(parsed.errors[0].line).toBeGreaterThan(0);
  });

  it("an unreadable file is a failure, not a crash (exit 1)", async () => {
    const r = await run("validate", "-c", join(dir, "missing.yaml"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot read/);
  });

  it("usage errors exit 2", async () => {
    expect((await run("validate")).code).toBe(2);
    expect((await run("validate", "-c", CLASSIC, "--bogus")).code).toBe(2);
    expect((await run("validate", "-c", CLASSIC, "extra")).code).toBe(2);
    const help = await run("validate", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("Examples:");
  });
});

describe("paxosctl plan", () => {
  it("prints the entries of one switch", async () => {
    const r = await run("plan", "-c", CLASSIC, "--switch", "coord");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^switch coord \(device 1\)/);
    expect(r.out).toContain(
      "MyIngress.coordinator.role hdr.paxos.group=0 -> MyIngress.coordinator.set_coordinator(round=257, acceptor_mgid=1)",
    );
    expect(r.out).not.toContain("switch acc1");
  });

  it("--json gives the friendly entries", async () => {
    const r = await run("plan", "-c", CLASSIC, "--json");
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out);
    expect(parsed.switches.map((s: { switch: string }) => s.switch)).toEqual([
      "coord",
      "acc1",
      "acc2",
      "acc3",
      "edge1",
      "edge2",
    ]);
    expect(parsed.switches[0].multicastGroups[0].replicas).toHaveLength(5);
  });

  it("--state plans a failover", async () => {
    const state = join(dir, "failover.json");
    writeFileSync(
      state,
      JSON.stringify({ groups: { 0: { switchRole: false, requestsTo: "server" } }, down: ["coord"] }),
    );
    const r = await run("plan", "-c", CLASSIC, "--state", state, "--switch", "edge2");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "hdr.ipv4.dstAddr=10.0.100.1/32 -> MyIngress.ipv4_forward(dstAddr=00:00:00:00:00:0a, port=5)",
    );
    const down = await run("plan", "-c", CLASSIC, "--state", state, "--switch", "coord");
    expect(down.out).toContain("switch coord is down");
  });

  it("a bad state file or deployment exits 1; an unknown switch is a usage error", async () => {
    const state = join(dir, "bad-state.json");
    writeFileSync(state, JSON.stringify({ groups: { 0: { requestsTo: "sideways" } } }));
    const bad = await run("plan", "-c", CLASSIC, "--state", state);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/requestsTo must be/);
    expect((await run("plan", "-c", CLASSIC, "--state", join(dir, "nope.json"))).code).toBe(1);
    expect((await run("plan", "-c", BROKEN)).code).toBe(1);
    const unknown = await run("plan", "-c", CLASSIC, "--switch", "zz");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no switch 'zz'/);
  });
});
