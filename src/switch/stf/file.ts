// Runs an STF file against a BMv2 JSON file: the shared core of `paxosctl stf` and the
// conformance tests.

import { readFileSync } from "node:fs";
import { V1Switch } from "../engine.js";
import type { Bmv2Json } from "../json.js";
import { parseStf } from "./parse.js";
import { runStf, type StfResult } from "./run.js";

export function runStfFiles(stfPath: string, json: Bmv2Json, opts: { seed?: number } = {}): StfResult {
  const text = readFileSync(stfPath, "utf8");
  const commands = parseStf(text, stfPath);
  // A fixed clock makes timestamps and meters reproducible from run to run.
  const sw = new V1Switch(json, { clock: () => 0, seed: opts.seed ?? 1 });
  return runStf(sw, commands, stfPath);
}

/** Human-readable report of a run. */
export function formatStfResult(r: StfResult, name: string): string {
  const head = r.ok
    ? `PASS ${name}: ${r.packetsSent} packet(s) sent, ${r.packetsChecked} checked`
    : `FAIL ${name}: ${r.failures.length} problem(s)`;
  return [head, ...r.failures.map((f) => `  ${f.replace(/\n/g, "\n  ")}`)].join("\n");
}
