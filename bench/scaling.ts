// Benchmark 3: scaling. Saturation throughput (closed loop: a fixed number of clients, each
// sending its next put as soon as the last one is answered) against the number of acceptors
// (3, 5, 7), of Paxos groups (1, 2, 4; keys spread uniformly by their hash, and balanced: the
// same number of clients per group) and of command sizes (8, 32, 64 bytes: the Paxos value field
// is a fixed 64 bytes, so the frame is the same size and only the command in it varies), in
// server-side mode (every role a process on this machine: seven switch processes plus bridges
// would measure the machine's scheduler rather than the protocol on two cores). And memory per
// acceptor slot: the P4 register widths of `MyIngress.acceptor.slot_*` and what the embedded
// switch actually allocates per slot.

import { createHash } from "node:crypto";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { compileP4 } from "../src/p4c/compile.js";
import { V1Switch } from "../src/switch/engine.js";
import type { Bmv2Json } from "../src/switch/json.js";
import { VALUE_SIZE } from "../src/wire/header.js";
import { fixed, formatRate, machine, progress, REPO_ROOT, type Spread, spread } from "./common.js";
import { ServerCluster, waitServing } from "./consensus.js";
import { LoadClient } from "./kvload.js";
import { linePlotSvg } from "./plot.js";

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

// ---------- workload ----------

/** Key length of every benchmark put, so that the command size is set by the value alone. */
export const KEY_BYTES = 4;
/** A KV put is `'P'`, the key length, the key and the value (docs/hosts.md, command encoding). */
const PUT_OVERHEAD = 2;

/** The n-th benchmark key: `k` and three base-36 digits (46,656 keys of KEY_BYTES bytes). */
export function keyName(n: number): string {
  return `k${(n % 36 ** 3).toString(36).padStart(3, "0")}`;
}

/** A value that makes a put of a KEY_BYTES key exactly `commandBytes` bytes in the log. */
export function valueFor(commandBytes: number, i: number): string {
  const n = commandBytes - PUT_OVERHEAD - KEY_BYTES;
  if (n < 1) throw new RangeError(`a ${commandBytes}-byte put leaves no room for a value`);
  return (i.toString(36) + "v".repeat(n)).slice(0, n);
}

/** The group of a key, as a KV replica computes it (hosts/kv/replica.ts `groupIndexOf`). */
export function groupOfKey(key: string, groups: number): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) % groups;
}

/**
 * How the clients' keys fall on the groups. `uniform`: every client has its own keys, whatever
 * their groups (the hash spreads them evenly on average, as real keys would). `balanced`:
 * client w's keys all hash to group w mod G, so each group has the same number of clients.
 */
export type KeyLayout = "uniform" | "balanced";

/** `perClient` distinct keys for each of `clients` clients. */
export function clientKeys(clients: number, perClient: number, groups: number, keys: KeyLayout): string[][] {
  if (keys === "uniform" || groups === 1)
    return Array.from({ length: clients }, (_, w) =>
      Array.from({ length: perClient }, (_, j) => keyName(w * perClient + j)),
    );
  // Keys of each group in order of n; client w takes the next perClient keys of group w mod G.
  const out: string[][] = Array.from({ length: clients }, () => []);
  const want = Array.from({ length: groups }, (_, g) => Math.ceil((clients - g) / groups) * perClient);
  const byGroup: string[][] = Array.from({ length: groups }, () => []);
  for (let n = 0; byGroup.some((l, g) => l.length < want[g]!); n++) {
    if (n >= 36 ** 3) throw new RangeError("not enough benchmark keys");
    const key = keyName(n);
    const g = groupOfKey(key, groups);
    if (byGroup[g]!.length < want[g]!) byGroup[g]!.push(key);
  }
  for (const [w, keysOfW] of out.entries()) {
    const g = w % groups;
    keysOfW.push(...byGroup[g]!.splice(0, perClient));
  }
  return out;
}

// ---------- throughput ----------

/** Closed loop: each client has one put in flight, the next sent when the last is answered. */
async function saturation(
  urls: string[],
  keys: string[][],
  commandBytes: number,
  ms: number,
): Promise<number> {
  let decided = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    keys.map(async (mine, w) => {
      const c = new LoadClient(urls[w % urls.length]!, 3000);
      for (let i = 0; performance.now() < end; i++) {
        const r = await c.put(mine[i % mine.length]!, valueFor(commandBytes, i));
        if (r.kind === "ok" && r.status === 200) decided++;
      }
    }),
  );
  return (decided * 1000) / (performance.now() - t0);
}

interface LearnerCounts {
  applied: number;
  noops: number;
  duplicates: number;
}

/** The learner's counters of a KV replica: entries applied, no-ops and duplicates merged so far. */
async function learnerCounts(url: string): Promise<LearnerCounts> {
  const r = await new LoadClient(url, 3000).status();
  const l = r.kind === "ok" ? (r.body.learner as Partial<LearnerCounts> | undefined) : undefined;
  return {
    applied: l?.applied ?? Number.NaN,
    noops: l?.noops ?? Number.NaN,
    duplicates: l?.duplicates ?? Number.NaN,
  };
}

export interface ScalingRow {
  acceptors: number;
  groups: number;
  keys: KeyLayout;
  /** Bytes of each put in the log (2 + key + value); the Paxos value field is always VALUE_SIZE. */
  commandBytes: number;
  decidedPerSecond: Spread;
  /** No-op entries the merge needed per applied command, over the measured runs (protocol §10). */
  noopsPerCommand: number;
  /** Commands decided a second time (a retransmitted request) per applied command. */
  duplicatesPerCommand: number;
}

interface Variant {
  keys: KeyLayout;
  commandBytes: number;
}

/** One deployment per entry; its variants run on it, interleaved run by run. */
export const SCALING_PLAN: { acceptors: number; groups: number; variants: Variant[] }[] = [
  {
    acceptors: 3,
    groups: 1,
    variants: [32, 8, VALUE_SIZE].map((commandBytes) => ({ keys: "uniform" as const, commandBytes })),
  },
  { acceptors: 5, groups: 1, variants: [{ keys: "uniform", commandBytes: 32 }] },
  { acceptors: 7, groups: 1, variants: [{ keys: "uniform", commandBytes: 32 }] },
  ...[2, 4].map((groups) => ({
    acceptors: 3,
    groups,
    variants: (["uniform", "balanced"] as const).map((keys) => ({ keys, commandBytes: 32 })),
  })),
];

export async function runScalingBench(opts: { quick: boolean }) {
  const repeats = opts.quick ? 2 : 3;
  const ms = opts.quick ? 1500 : 3000;
  const clients = 32;
  const keysPerClient = 16;
  const rows: ScalingRow[] = [];
  for (const { acceptors, groups, variants } of SCALING_PLAN) {
    progress(`server-side: ${acceptors} acceptors, ${groups} group(s): starting`);
    const c = await ServerCluster.start({
      acceptors,
      groups,
      runDir: join(REPO_ROOT, "build", "bench", `scaling-${acceptors}a-${groups}g`),
    });
    try {
      const urls = c.kvUrls();
      await waitServing(urls);
      const workloads = variants.map((v) => clientKeys(clients, keysPerClient, groups, v.keys));
      // Warm-up: every process's JIT and the first runs' connection set-up (1 s was too short:
      // the first measured run came out lower than the second).
      await saturation(urls, workloads[0]!, variants[0]!.commandBytes, 2000);
      const rates = variants.map(() => [] as number[]);
      const counts = variants.map(() => ({ applied: 0, noops: 0, duplicates: 0 }));
      for (let r = 0; r < repeats; r++)
        for (const [k, v] of variants.entries()) {
          const before = await learnerCounts(urls[0]!);
          const rate = await saturation(urls, workloads[k]!, v.commandBytes, ms);
          const after = await learnerCounts(urls[0]!);
          rates[k]!.push(rate);
          counts[k]!.applied += after.applied - before.applied;
          counts[k]!.noops += after.noops - before.noops;
          counts[k]!.duplicates += after.duplicates - before.duplicates;
          progress(
            `  ${v.keys} keys, ${v.commandBytes}-byte puts, run ${r + 1}/${repeats}: ${rate.toFixed(0)} decided/s, ` +
              `${after.noops - before.noops} no-ops and ${after.duplicates - before.duplicates} duplicates merged`,
          );
        }
      for (const [k, v] of variants.entries())
        rows.push({
          acceptors,
          groups,
          keys: v.keys,
          commandBytes: v.commandBytes,
          decidedPerSecond: spread(rates[k]!),
          noopsPerCommand: counts[k]!.noops / counts[k]!.applied,
          duplicatesPerCommand: counts[k]!.duplicates / counts[k]!.applied,
        });
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
    method:
      `closed loop, ${clients} clients (${keysPerClient} keys each, ${KEY_BYTES}-byte keys) over both KV replicas, ` +
      `${repeats} runs of ${ms} ms per row after a 2-s warm-up; rows on one deployment interleaved run by run; ` +
      `command bytes = 2 + key + value of each put (the Paxos frame is the same size for all: a fixed ${VALUE_SIZE}-byte value field)`,
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

/** Rows in reading order: by groups, acceptors, key layout (uniform first), command size. */
export function formatScaling(rows: ScalingRow[]): string {
  const lines = [
    "| acceptors | groups | keys | command bytes | decided/s (median) | min – max | no-ops per command | duplicates per command |",
    "|---:|---:|---|---:|---:|---:|---:|---:|",
  ];
  const sorted = [...rows].sort(
    (a, b) =>
      a.groups - b.groups ||
      a.acceptors - b.acceptors ||
      (a.keys === b.keys ? 0 : a.keys === "uniform" ? -1 : 1) ||
      (a.commandBytes ?? 0) - (b.commandBytes ?? 0),
  );
  for (const r of sorted) {
    const s = r.decidedPerSecond;
    lines.push(
      `| ${r.acceptors} | ${r.groups} | ${r.keys ?? "uniform"} | ${r.commandBytes ?? "?"} | ${formatRate(s.median)} | ${fixed(s.min)} – ${fixed(s.max)} | ${fixed(r.noopsPerCommand, 2)} | ${fixed(r.duplicatesPerCommand, 2)} |`,
    );
  }
  return lines.join("\n");
}

export interface SlotMemory {
  registers: RegisterWidth[];
  bitsPerSlot: number;
  bytesPerSlotInP4: number;
  embeddedSwitchBytesPerSlot: number;
  measuredWithSlots: number[];
  note: string;
}

export function formatMemory(m: SlotMemory): string {
  const widths = m.registers
    .map((r) => `${r.name.replace("MyIngress.acceptor.", "")} ${r.bitwidth}`)
    .join(", ");
  return [
    "| memory per acceptor slot | bytes |",
    "|---|---:|",
    `| P4 registers (what a hardware target stores): ${m.bitsPerSlot} bits — ${widths} | ${fixed(m.bytesPerSlotInP4)} |`,
    `| embedded switch, V8 heap per slot (measured with ${m.measuredWithSlots.join(" and ")} slots) | ${fixed(m.embeddedSwitchBytesPerSlot)} |`,
  ].join("\n");
}

/** Decided/s against the number of groups (3 acceptors, 32-byte puts): one line per key layout. */
export function scalingPlotSvg(rows: ScalingRow[]): string {
  const base = (r: ScalingRow) => r.acceptors === 3 && (r.commandBytes ?? 32) === 32;
  const series = (["uniform", "balanced"] as const).map((keys) => ({
    name: `${keys} keys`,
    points: rows
      .filter((r) => base(r) && ((r.keys ?? "uniform") === keys || r.groups === 1))
      .sort((a, b) => a.groups - b.groups)
      .map((r) => ({ x: r.groups, y: r.decidedPerSecond.median })),
  }));
  return linePlotSvg(series, {
    title: "p4paxos server-side: saturation throughput vs Paxos groups (3 acceptors, closed loop)",
    xLabel: "Paxos groups",
    yLabel: "decided commands per second (median)",
  });
}
