// Benchmark 3: scaling. Saturation throughput (closed loop: a fixed number of clients, each
// sending its next put as soon as the last one is answered) against the number of acceptors
// (3, 5, 7) and of Paxos groups (1, 2, 4), in server-side mode (every role a process on this
// machine: seven switch processes plus bridges would measure the machine's scheduler rather than
// the protocol on two cores). And memory per acceptor slot: the P4 register widths of
// `MyIngress.acceptor.slot_*` and what the embedded switch actually allocates per slot.

import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { KvClient } from "../hosts/kv/client.js";
import { compileP4 } from "../src/p4c/compile.js";
import { V1Switch } from "../src/switch/engine.js";
import type { Bmv2Json } from "../src/switch/json.js";
import { formatRate, machine, progress, REPO_ROOT, type Spread, spread } from "./common.js";
import { ServerCluster, waitServing } from "./consensus.js";

// ---------- memory per slot ----------

export interface RegisterWidth {
  name: string;
  bitwidth: number;
  size: number;
}

/** The acceptor's per-slot registers of a compiled program and their total width per slot. */
export function slotRegisters(json: {
  register_arrays?: { name: string; bitwidth: number; size: number }[];
}): {
  registers: RegisterWidth[];
  bitsPerSlot: number;
  bytesPerSlot: number;
} {
  const registers = (json.register_arrays ?? [])
    .filter((r) => r.name.startsWith("MyIngress.acceptor.slot_"))
    .map(({ name, bitwidth, size }) => ({ name, bitwidth, size }));
  const bitsPerSlot = registers.reduce((s, r) => s + r.bitwidth, 0);
  return { registers, bitsPerSlot, bytesPerSlot: bitsPerSlot / 8 };
}

function collectGarbage(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

/**
 * Heap bytes per slot of the embedded switch: two switches that differ only in RING_SIZE, every
 * slot register written with a distinct non-zero value (as a busy acceptor leaves them), and the
 * heap difference divided by the slot difference.
 */
function measuredBytesPerSlot(
  small: number,
  large: number,
): { bytesPerSlot: number; slots: [number, number] } {
  const gc = collectGarbage();
  const file = join(REPO_ROOT, "p4/paxos.p4");
  const heapWith = (ring: number): { bytes: number; slots: number; keep: V1Switch } => {
    const json = compileP4({ file, defines: { RING_SIZE: String(ring) } }).json as unknown as Bmv2Json;
    const { registers } = slotRegisters(json as never);
    gc();
    const before = process.memoryUsage().heapUsed;
    const sw = new V1Switch(json, { clock: () => 0 });
    for (const r of registers) {
      const mask = (1n << BigInt(r.bitwidth)) - 1n;
      for (let i = 0; i < r.size; i++)
        sw.registerWrite(r.name, i, (BigInt(i + 1) * 0x9e3779b97f4a7c15n) & mask || 1n);
    }
    gc();
    return { bytes: process.memoryUsage().heapUsed - before, slots: registers[0]?.size ?? 0, keep: sw };
  };
  const a = heapWith(small);
  const b = heapWith(large);
  return { bytesPerSlot: (b.bytes - a.bytes) / (b.slots - a.slots), slots: [a.slots, b.slots] };
}

// ---------- throughput ----------

/** Closed loop: `clients` workers, each one put in flight, for `ms`; answered puts per second. */
async function saturation(urls: string[], clients: number, ms: number): Promise<number> {
  let decided = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      const c = new KvClient(urls[w % urls.length]!, 3000);
      for (let i = 0; performance.now() < end; i++) {
        const r = await c.put(`k${w}-${i % 16}`, `v${i}`);
        if (r.kind === "ok" && r.status === 200) decided++;
      }
    }),
  );
  return (decided * 1000) / (performance.now() - t0);
}

export interface ScalingRow {
  acceptors: number;
  groups: number;
  decidedPerSecond: Spread;
}

export async function runScalingBench(opts: { quick: boolean }) {
  const repeats = opts.quick ? 2 : 3;
  const ms = opts.quick ? 1500 : 4000;
  const clients = 32;
  const configs: [number, number][] = [
    [3, 1],
    [5, 1],
    [7, 1],
    [3, 2],
    [3, 4],
  ];
  const rows: ScalingRow[] = [];
  for (const [acceptors, groups] of configs) {
    progress(`server-side: ${acceptors} acceptors, ${groups} group(s): starting`);
    const c = await ServerCluster.start({
      acceptors,
      groups,
      runDir: join(REPO_ROOT, "build", "bench", `scaling-${acceptors}a-${groups}g`),
    });
    try {
      await waitServing(c.kvUrls());
      await saturation(c.kvUrls(), clients, Math.min(ms, 1000)); // warm-up
      const rates: number[] = [];
      for (let r = 0; r < repeats; r++) {
        rates.push(await saturation(c.kvUrls(), clients, ms));
        progress(`  run ${r + 1}/${repeats}: ${rates[r]!.toFixed(0)} decided/s`);
      }
      rows.push({ acceptors, groups, decidedPerSecond: spread(rates) });
    } finally {
      await c.stop();
    }
  }
  progress("memory per acceptor slot: register widths and the embedded switch's heap");
  const { json } = compileP4({ file: join(REPO_ROOT, "p4/paxos.p4") });
  const widths = slotRegisters(json as never);
  const measured = measuredBytesPerSlot(1024, 8192);
  return {
    benchmark: "scaling",
    machine: machine(),
    mode: "server-side (server acceptors, one server coordinator, two KV replicas, all processes on this machine)",
    method: `closed loop, ${clients} clients over both KV replicas, ${repeats} runs of ${ms} ms per configuration after a warm-up`,
    rows,
    memory: {
      registers: widths.registers,
      bitsPerSlot: widths.bitsPerSlot,
      bytesPerSlotInP4: widths.bytesPerSlot,
      embeddedSwitchBytesPerSlot: measured.bytesPerSlot,
      measuredWithSlots: measured.slots,
      note: "P4 bytes are the register widths (what a hardware target stores); the embedded switch's figure is V8 heap per slot, every register written",
    },
  };
}

export function formatScaling(rows: ScalingRow[]): string {
  const lines = ["| acceptors | groups | decided/s (median) | min – max |", "|---:|---:|---:|---:|"];
  for (const r of rows) {
    const s = r.decidedPerSecond;
    lines.push(
      `| ${r.acceptors} | ${r.groups} | ${formatRate(s.median)} | ${s.min.toFixed(0)} – ${s.max.toFixed(0)} |`,
    );
  }
  return lines.join("\n");
}
