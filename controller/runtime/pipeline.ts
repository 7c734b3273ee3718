// The pipeline a deployment's switches run: p4/paxos.p4 compiled in-process by the embedded
// compiler (with the deployment's RING_SIZE / MAX_GROUPS / CPU_PORT), or a p4c build given as
// BMv2 JSON + P4Info files. The cookie identifies it, so a switch that already runs it is left alone.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toBinary } from "@bufbuild/protobuf";
import { bmv2JsonText, compileP4 } from "../../src/p4c/compile.js";
import { toP4InfoMessage } from "../../src/p4c/p4info-out.js";
import { type P4Info, P4InfoSchema } from "../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";
import { readP4InfoFile } from "../../src/switch/daemon.js";
import type { Deployment } from "../config/types.js";

export interface Pipeline {
  p4info: P4Info;
  /** BMv2 JSON bytes. */
  deviceConfig: Uint8Array;
  /** 64 bits of SHA-256 over P4Info and JSON: equal cookies, equal pipelines. */
  cookie: bigint;
  /** Where it came from, for progress lines. */
  source: string;
}

export class PipelineError extends Error {
  override readonly name = "PipelineError";
}

export function pipelineCookie(p4info: P4Info, deviceConfig: Uint8Array): bigint {
  const h = createHash("sha256");
  h.update(toBinary(P4InfoSchema, p4info));
  h.update(deviceConfig);
  // 63 bits: some P4Runtime servers store the cookie as a signed 64-bit value.
  return h.digest().readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
}

/** Hex form of a cookie, as status shows it. */
export const cookieHex = (c: bigint): string => c.toString(16).padStart(16, "0");

/**
 * The program file: relative to `baseDir` (the working directory), else relative to the
 * p4paxos installation, so the default p4/paxos.p4 is found from any directory.
 */
function programPath(program: string, baseDir: string): string {
  const first = resolve(baseDir, program);
  if (existsSync(first)) return first;
  const here = dirname(fileURLToPath(import.meta.url));
  for (const root of [resolve(here, "../.."), resolve(here, "../../..")]) {
    const p = resolve(root, program);
    if (existsSync(p)) return p;
  }
  return first;
}

export interface PipelineSource {
  /** A p4c build: BMv2 JSON and P4Info (text or binary). */
  json?: string;
  p4info?: string;
  /** Base directory of the deployment's relative `p4.program`. */
  baseDir?: string;
}

/** Builds (or reads) the pipeline for `d`. Throws PipelineError with the reason. */
export function loadPipeline(d: Deployment, src: PipelineSource = {}): Pipeline {
  if ((src.json === undefined) !== (src.p4info === undefined))
    throw new PipelineError("--json and --p4info go together");
  try {
    if (src.json !== undefined && src.p4info !== undefined) {
      const deviceConfig = new Uint8Array(readFileSync(src.json));
      const p4info = readP4InfoFile(src.p4info);
      return { p4info, deviceConfig, cookie: pipelineCookie(p4info, deviceConfig), source: src.json };
    }
    const file = programPath(d.p4.program, src.baseDir ?? ".");
    const out = compileP4({
      file,
      defines: {
        RING_SIZE: String(d.p4.ringSize),
        MAX_GROUPS: String(d.p4.maxGroups),
        CPU_PORT: String(d.p4.cpuPort),
        VALUE_SIZE: String(d.p4.valueSize),
      },
    });
    const p4info = toP4InfoMessage(out.p4info);
    const deviceConfig = new TextEncoder().encode(bmv2JsonText(out.json));
    return { p4info, deviceConfig, cookie: pipelineCookie(p4info, deviceConfig), source: file };
  } catch (e) {
    if (e instanceof PipelineError) throw e;
    throw new PipelineError(e instanceof Error ? e.message : String(e));
  }
}
