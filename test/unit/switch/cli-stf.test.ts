import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../../controller/cli/main.js";

const fx = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["stf", ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("paxosctl stf", () => {
  it("passes a good STF file (exit 0)", async () => {
    const r = await run(join(fx, "basic_l3.stf"), "--json", join(fx, "basic_l3.json"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS .*basic_l3\.stf: 3 packet\(s\) sent, 2 checked/);
  });

  it("lists received packets with --verbose", async () => {
    const r = await run(join(fx, "basic_l3.stf"), "--json", join(fx, "basic_l3.json"), "--verbose");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^port 2 #1: 0000000000bb/m);
    expect(r.out).toMatch(/^port 3 #1: 0000000000aa/m);
  });

  it("fails with a per-byte diff (exit 1)", async () => {
    const r = await run(join(fx, "basic_l3_fail.stf"), "--json", join(fx, "basic_l3.json"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/FAIL .*3 problem\(s\)/);
    expect(r.err).toContain("first difference at byte offset 22");
    expect(r.err).toContain("^^");
  });

  it("compiles P4 with --p4 when the embedded compiler is present", async () => {
    const p4 = join(fx, "..", "..", "..", "p4", "programs", "counters.p4");
    const r = await run(p4.replace(/\.p4$/, ".stf"), "--p4", p4);
    expect(r.code, r.err).toBe(0);
  });

  it("reports usage errors (exit 2) and unreadable programs (exit 1)", async () => {
    expect((await run()).code).toBe(2);
    expect((await run("x.stf")).code).toBe(2);
    expect((await run("x.stf", "--json", "a", "--p4", "b")).code).toBe(2);
    expect((await run("x.stf", "--json", "a", "--seed", "-1")).code).toBe(2);
    expect((await run("x.stf", "--bogus")).code).toBe(2);
    const missing = await run(join(fx, "basic_l3.stf"), "--json", join(fx, "nope.json"));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.json/);
  });

  it("has help with examples", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Examples:");
  });
});
