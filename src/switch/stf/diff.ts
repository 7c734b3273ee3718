// Readable comparison of an expected STF packet pattern with a received packet.

import type { ExpectPattern } from "./parse.js";

/** True when `data` matches `p` (wildcard nibbles match anything; `$` requires equal length). */
export function matchesPattern(p: ExpectPattern, data: Uint8Array): boolean {
  const n = p.nibbles.length;
  if (data.length * 2 < n) return false;
  if (p.exactLength && data.length * 2 !== n) return false;
  for (let i = 0; i < n; i++) {
    const want = p.nibbles[i];
    if (want === undefined) continue;
    const byte = data[i >> 1]!;
    const got = i % 2 === 0 ? byte >> 4 : byte & 15;
    if (got !== want) return false;
  }
  return true;
}

/**
 * A per-byte diff: rows of 16 bytes with offsets; expected and received side by side; a marker
 * row shows `^^` under differing bytes, `**` where the expectation is a wildcard.
 */
export function renderDiff(p: ExpectPattern, data: Uint8Array): string {
  const expBytes = Math.ceil(p.nibbles.length / 2);
  const total = Math.max(expBytes, data.length);
  const lines: string[] = [];
  const diffs: number[] = [];
  for (let row = 0; row < total; row += 16) {
    const e: string[] = [];
    const g: string[] = [];
    const m: string[] = [];
    for (let i = row; i < Math.min(row + 16, total); i++) {
      const hi = p.nibbles[2 * i];
      const lo = p.nibbles[2 * i + 1];
      const inExp = i < expBytes;
      const es = inExp
        ? `${hi === undefined ? "*" : hi.toString(16)}${lo === undefined ? "*" : lo.toString(16)}`
        : "  ";
      const gs = i < data.length ? data[i]!.toString(16).padStart(2, "0") : "--";
      e.push(es);
      g.push(gs);
      let mark = "  ";
      if (!inExp) mark = p.exactLength ? "^^" : "  ";
      else if (i >= data.length) mark = "^^";
      else if (hi === undefined && lo === undefined) mark = "**";
      else {
        const b = data[i]!;
        const bad = (hi !== undefined && b >> 4 !== hi) || (lo !== undefined && (b & 15) !== lo);
        mark = bad ? "^^" : hi === undefined || lo === undefined ? "* " : "  ";
      }
      if (mark === "^^") diffs.push(i);
      m.push(mark);
    }
    const off = row.toString(16).padStart(4, "0");
    lines.push(
      `  ${off}  expected ${e.join(" ")}`,
      `        received ${g.join(" ")}`,
      `                 ${m.join(" ")}`,
    );
  }
  const head =
    diffs.length > 0
      ? `first difference at byte offset ${diffs[0]} (0x${diffs[0]!.toString(16)}), ${diffs.length} differing byte(s); expected ${expBytes}${p.exactLength ? " (exact)" : "+"} bytes, received ${data.length}`
      : `expected ${expBytes} bytes, received ${data.length}`;
  return [head, ...lines].join("\n");
}
