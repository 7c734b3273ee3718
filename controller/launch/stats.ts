// Numbers a demo run reports, computed from what the load client recorded (pure).

/** The q-quantile (0..1) of `values` by the nearest-rank method; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Gap {
  /** Length of the gap (ms). */
  ms: number;
  /** Completion times that bound it. */
  from: number;
  to: number;
}

/**
 * The largest interval without a completion that overlaps [start, end]: the time the service
 * was unavailable around an event (the gap that contains the event, or the largest after it).
 * `times` are completion times; the last completion before `start` bounds the first gap.
 */
export function largestGap(times: readonly number[], start: number, end: number): Gap | null {
  const sorted = [...times].sort((a, b) => a - b);
  let best: Gap | null = null;
  for (let i = 1; i < sorted.length; i++) {
    const from = sorted[i - 1]!;
    const to = sorted[i]!;
    if (to < start || from > end) continue;
    if (!best || to - from > best.ms) best = { ms: to - from, from, to };
  }
  return best;
}

/** A progress bar of `width` cells for done/total (e.g. "[#####.....]  50%"). */
export function progressBar(done: number, total: number, width = 30): string {
  const f = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** Milliseconds as "12.3 ms" or "1.24 s". */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
