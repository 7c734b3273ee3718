// Shared by every benchmark: what machine it ran on, spread statistics, and saving results.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url)).replace(/\/dist\/bench$/, "/bench");
export const REPO_ROOT = join(BENCH_DIR, "..");

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(runs: number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs };
}

/** `x` with `digits` decimals; "n/a" for NaN, infinities and null (NaN saved as JSON). */
export function fixed(x: number | null | undefined, digits = 0): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "n/a";
}

export function formatRate(perSecond: number | null | undefined): string {
  if (typeof perSecond !== "number" || !Number.isFinite(perSecond)) return "n/a";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

/** How a result file was produced: the command line and the benchmark's wall time. */
export interface RunInfo {
  command: string;
  durationMs: number;
}

export const RESULTS_DIR = join(BENCH_DIR, "results");
export const PLOTS_DIR = join(BENCH_DIR, "plots");

/** Writes `bench/results/NAME.json` (with `run` added) and returns its path. */
export function saveResult(name: string, data: object, run?: RunInfo): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(run ? { ...data, run } : data, null, 2)}\n`);
  return path;
}

/** "42 s", "3 min 05 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

export const progress = (text: string): void => {
  process.stdout.write(`  ${text}\n`);
};
