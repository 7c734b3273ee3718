// Conformance: every STF file under test/p4/ runs against its program on the embedded switch.
// A program is the sibling X.p4 of X.stf (p4/paxos.p4 for test/p4/paxos/), compiled in-process
// through `paxosctl compile`, or a sibling X.json when one is checked in. If the compiler cannot
// produce the JSON, that STF test fails with the compiler's message. The hand-written switch
// fixtures (test/unit/switch/fixtures/*.stf + .json) run here too.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../controller/cli/commands.js";
import { V1Switch } from "../../src/switch/engine.js";
import type { Bmv2Json } from "../../src/switch/json.js";
import { formatStfResult, runStfFiles } from "../../src/switch/stf/file.js";
import { parseStf } from "../../src/switch/stf/parse.js";
import { runStf } from "../../src/switch/stf/run.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function programFor(stf: string): { json?: string; p4?: string } {
  const base = stf.slice(0, -4);
  if (existsSync(`${base}.json`)) return { json: `${base}.json` };
  if (existsSync(`${base}.p4`)) return { p4: `${base}.p4` };
  if (basename(dirname(stf)) === "paxos") return { p4: join(root, "p4", "paxos.p4") };
  return {};
}

const compileCmd = COMMANDS.find((c) => c.name === "compile");
const compiled = new Map<string, Promise<Bmv2Json>>();

async function compileOnce(p4: string): Promise<Bmv2Json> {
  let p = compiled.get(p4);
  if (!p) {
    p = (async () => {
      if (!compileCmd) throw new Error("no embedded compiler ('paxosctl compile' is not registered)");
      const dir = mkdtempSync(join(tmpdir(), "stf-conf-"));
      try {
        const errs: string[] = [];
        const code = await compileCmd.run([p4, "-o", dir], { out: () => {}, err: (t) => errs.push(t) });
        if (code !== 0) throw new Error(`compile failed (exit ${code}):\n${errs.join("\n")}`);
        for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
          const j = JSON.parse(readFileSync(join(dir, f), "utf8")) as Bmv2Json;
          if (Array.isArray(j.header_types)) return j;
        }
        throw new Error("compiler wrote no BMv2 JSON");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
    compiled.set(p4, p);
  }
  return p;
}

const stfFiles = [
  ...walk(here).filter((f) => f.endsWith(".stf")),
  ...walk(join(root, "test", "unit", "switch", "fixtures")).filter(
    (f) => f.endsWith(".stf") && !f.endsWith("_fail.stf"),
  ),
].sort();

const runnable = stfFiles.filter((f) => {
  const p = programFor(f);
  return p.json !== undefined || (p.p4 !== undefined && compileCmd !== undefined);
});

describe("STF conformance on the embedded switch", () => {
  it("finds STF files with programs", () => {
    expect(runnable.length).toBeGreaterThan(0);
  });
  for (const stf of runnable) {
    const name = relative(root, stf);
    it(name, async () => {
      const prog = programFor(stf);
      const json = prog.json
        ? (JSON.parse(readFileSync(prog.json, "utf8")) as Bmv2Json)
        : await compileOnce(prog.p4!);
      const r = runStfFiles(stf, json);
      expect(r.ok, formatStfResult(r, name)).toBe(true);
    }, 20_000);
  }
});

// Random frames (and random mutations of the STF's own packets) through every program, after the
// STF's control-plane set-up: the switch must never throw, and only drop on program-level loops.
describe("robustness on compiled programs", () => {
  for (const stf of runnable) {
    const name = relative(root, stf);
    it(`${name}: random packets`, async () => {
      const prog = programFor(stf);
      const json = prog.json
        ? (JSON.parse(readFileSync(prog.json, "utf8")) as Bmv2Json)
        : await compileOnce(prog.p4!);
      const cmds = parseStf(readFileSync(stf, "utf8"), stf);
      const sw = new V1Switch(json, { clock: () => 0 });
      runStf(
        sw,
        cmds.filter((c) => c.kind !== "packet" && c.kind !== "expect"),
      );
      const seeds = cmds.flatMap((c) => (c.kind === "packet" ? [c.data] : []));
      const errors: string[] = [];
      sw.onError = (e) => errors.push(e.message);
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: Math.max(0, seeds.length - 1) }),
          fc.uint8Array({ maxLength: 120 }),
          fc.integer({ min: 0, max: 300 }),
          (i, noise, cut) => {
            const base = seeds[i] ?? new Uint8Array(0);
            const pkt = Uint8Array.from([...base.subarray(0, cut), ...noise]);
            sw.process(i % 4, pkt);
            sw.process(i % 4, noise);
          },
        ),
        { numRuns: 60, seed: 11 },
      );
      expect(errors.filter((m) => !/too many (recirculations|resubmissions)/.test(m))).toEqual([]);
    }, 20_000);
  }
});
