// The demo's pipeline build: p4c-bm2-ss when it is on PATH, else the embedded compiler, with
// the deployment's RING_SIZE / MAX_GROUPS / CPU_PORT / VALUE_SIZE, into OUTDIR/paxos.json and
// OUTDIR/paxos.p4info.txtpb (what `paxosctl up --json --p4info` takes).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { bmv2JsonText, compileP4 } from "../../src/p4c/compile.js";
import { p4infoText } from "../../src/p4c/p4info-out.js";
import type { Deployment } from "../config/types.js";
import { LaunchError } from "./process.js";

export interface BuiltPipeline {
  json: string;
  p4info: string;
  compiler: "p4c-bm2-ss" | "embedded";
  ms: number;
}

function onPath(exe: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(dir, exe);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** Builds `d`'s program (a relative `p4.program` is resolved against `baseDir`). */
export function buildPipeline(d: Deployment, outDir: string, baseDir = process.cwd()): BuiltPipeline {
  const t0 = performance.now();
  mkdirSync(outDir, { recursive: true });
  const program = resolve(baseDir, d.p4.program);
  const defines: Record<string, string> = {
    RING_SIZE: String(d.p4.ringSize),
    MAX_GROUPS: String(d.p4.maxGroups),
    CPU_PORT: String(d.p4.cpuPort),
    VALUE_SIZE: String(d.p4.valueSize),
  };
  const json = join(outDir, "paxos.json");
  const p4info = join(outDir, "paxos.p4info.txtpb");
  const p4c = onPath("p4c-bm2-ss");
  if (p4c) {
    const args = ["--arch", "v1model", ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`)];
    args.push("-o", json, "--p4runtime-files", p4info, program);
    const r = spawnSync(p4c, args, { encoding: "utf8" });
    if (r.status !== 0) throw new LaunchError(`p4c-bm2-ss failed (${r.status}):\n${r.stderr || r.stdout}`);
    return { json, p4info, compiler: "p4c-bm2-ss", ms: performance.now() - t0 };
  }
  let out: ReturnType<typeof compileP4>;
  try {
    out = compileP4({ file: program, defines });
  } catch (e) {
    throw new LaunchError(`compiling ${program}: ${(e as Error).message}`);
  }
  writeFileSync(json, bmv2JsonText(out.json));
  writeFileSync(p4info, p4infoText(out.p4info));
  return { json, p4info, compiler: "embedded", ms: performance.now() - t0 };
}
