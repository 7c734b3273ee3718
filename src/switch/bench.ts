// In-process throughput measurement: pushes one packet through the pipeline repeatedly.

import { V1Switch } from "./engine.js";
import type { Bmv2Json } from "./json.js";
import { parseStf } from "./stf/parse.js";
import { runStf } from "./stf/run.js";

export interface BenchOptions {
  port?: number;
  /** Minimum measuring time in milliseconds (default 1000). */
  durationMs?: number;
  /** Warm-up iterations before measuring (default 2000), so the JIT settles. */
  warmup?: number;
  /** Installs table entries etc. before the run. */
  setup?: (sw: V1Switch) => void;
}

export interface BenchResult {
  packets: number;
  seconds: number;
  packetsPerSecond: number;
  /** Packets per second of this process's CPU time: steadier than wall time on a busy machine. */
  packetsPerCpuSecond: number;
  /** Output packets per input packet (sanity check that the path is the intended one). */
  outputsPerPacket: number;
}

export function benchmark(json: Bmv2Json, packet: Uint8Array, opts: BenchOptions = {}): BenchResult {
  const sw = new V1Switch(json, { clock: () => 0 });
  opts.setup?.(sw);
  return benchmarkSwitch(sw, packet, opts);
}

/** Measures an already configured switch. */
export function benchmarkSwitch(sw: V1Switch, packet: Uint8Array, opts: BenchOptions = {}): BenchResult {
  const port = opts.port ?? 0;
  for (let i = 0; i < (opts.warmup ?? 2000); i++) sw.process(port, packet);
  const budget = BigInt(Math.round((opts.durationMs ?? 1000) * 1e6));
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let n = 0;
  let outs = 0;
  let elapsed = 0n;
  // Check the clock every 256 packets to keep timing overhead out of the loop.
  while (elapsed < budget) {
    for (let i = 0; i < 256; i++) outs += sw.process(port, packet).length;
    n += 256;
    elapsed = process.hrtime.bigint() - start;
  }
  const seconds = Number(elapsed) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = Math.max(1e-6, (cpu.user + cpu.system) / 1e6);
  return {
    packets: n,
    seconds,
    packetsPerSecond: n / seconds,
    packetsPerCpuSecond: n / cpuSeconds,
    outputsPerPacket: outs / n,
  };
}

/**
 * A switch configured by every control command of an STF text (table entries, multicast,
 * mirroring), plus its `packetIndex`-th `packet` line: a ready-made scenario for benchmarks.
 */
export function switchFromStf(
  json: Bmv2Json,
  stfText: string,
  packetIndex = 0,
): { sw: V1Switch; packet: { port: number; data: Uint8Array } } {
  const cmds = parseStf(stfText);
  const packets = cmds.flatMap((c) => (c.kind === "packet" ? [c] : []));
  const chosen = packets[packetIndex];
  if (chosen === undefined) throw new Error(`the STF text has no packet #${packetIndex}`);
  const sw = new V1Switch(json, { clock: () => 0 });
  const control = cmds.filter(
    (c) =>
      c.kind !== "packet" && c.kind !== "expect" && !c.kind.startsWith("check") && c.kind !== "register_read",
  );
  const r = runStf(sw, control);
  if (!r.ok) throw new Error(`STF set-up failed: ${r.failures.join("; ")}`);
  return { sw, packet: { port: chosen.port, data: chosen.data } };
}

/** Benchmarks the `packetIndex`-th `packet` line of an STF text on a switch set up by the rest of it. */
export function benchmarkStf(
  json: Bmv2Json,
  stfText: string,
  packetIndex = 0,
  opts: BenchOptions = {},
): BenchResult {
  const { sw, packet } = switchFromStf(json, stfText, packetIndex);
  opts.setup?.(sw);
  return benchmarkSwitch(sw, packet.data, { ...opts, port: packet.port });
}
