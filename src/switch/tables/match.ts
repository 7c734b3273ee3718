// Match-field values as the control plane gives them (bigints, P4Runtime-style), and their
// normalised in-table form (numbers for widths ≤ 32, bigints above).

import { isNumWidth } from "../bits.js";

/** Key values are numbers (≤ 32 bits) or bigints; byte-array fields are converted when read. */
export type KeyValue = number | bigint;

import { ControlError } from "../errors.js";

export type MatchKind = "exact" | "lpm" | "ternary" | "range" | "optional" | "valid";

export type FieldMatch =
  | { kind: "exact"; value: bigint }
  | { kind: "lpm"; value: bigint; prefixLen: number }
  | { kind: "ternary"; value: bigint; mask: bigint }
  | { kind: "range"; low: bigint; high: bigint }
  /** `value` undefined = wildcard (P4Runtime omits the field). */
  | { kind: "optional"; value?: bigint }
  | { kind: "valid"; value: boolean };

export interface KeyField {
  name: string;
  kind: MatchKind;
  width: number;
  /** The JSON key target joined with dots ("ipv4.dstAddr"), used to resolve names. */
  target?: string;
}

/** Normalised match of one field: every kind reduces to value/mask or a range. */
export interface NormMatch {
  value: KeyValue;
  mask: KeyValue;
  low: KeyValue;
  high: KeyValue;
  isRange: boolean;
  prefixLen: number;
}

const ones = (w: number): bigint => (1n << BigInt(w)) - 1n;
const rep = (v: bigint, w: number): KeyValue => (isNumWidth(w) ? Number(v) : v);

export function normalise(f: KeyField, m: FieldMatch, where: string): NormMatch {
  const w = f.width;
  const full = ones(w);
  const inRange = (v: bigint, what: string) => {
    if (v < 0n || v > full)
      throw new ControlError(`${where}: ${what} ${v} does not fit ${w}-bit key '${f.name}'`);
  };
  const mk = (value: bigint, mask: bigint, prefixLen = w): NormMatch => ({
    value: rep(value & mask, w),
    mask: rep(mask, w),
    low: rep(0n, w),
    high: rep(full, w),
    isRange: false,
    prefixLen,
  });
  const kind = m.kind;
  const expected = f.kind === "valid" ? "valid" : f.kind;
  if (kind !== expected && !(f.kind === "valid" && kind === "exact"))
    throw new ControlError(`${where}: key '${f.name}' is ${f.kind}, got a ${kind} match`);
  switch (m.kind) {
    case "exact":
      inRange(m.value, "value");
      return mk(m.value, full);
    case "valid":
      return mk(m.value ? 1n : 0n, full);
    case "lpm": {
      if (!Number.isInteger(m.prefixLen) || m.prefixLen < 0 || m.prefixLen > w)
        throw new ControlError(`${where}: prefix length ${m.prefixLen} out of range for '${f.name}'`);
      inRange(m.value, "value");
      const mask = m.prefixLen === 0 ? 0n : ones(m.prefixLen) << BigInt(w - m.prefixLen);
      return mk(m.value, mask, m.prefixLen);
    }
    case "ternary":
      inRange(m.value, "value");
      inRange(m.mask, "mask");
      return mk(m.value, m.mask);
    case "optional":
      if (m.value === undefined) return mk(0n, 0n);
      inRange(m.value, "value");
      return mk(m.value, full);
    case "range":
      inRange(m.low, "low");
      inRange(m.high, "high");
      if (m.low > m.high) throw new ControlError(`${where}: empty range ${m.low}..${m.high} for '${f.name}'`);
      return {
        value: rep(0n, w),
        mask: rep(0n, w),
        low: rep(m.low, w),
        high: rep(m.high, w),
        isRange: true,
        prefixLen: w,
      };
  }
}

/** Canonical text of a normalised match, for duplicate detection. */
export function canon(ms: NormMatch[]): string {
  return ms.map((m) => (m.isRange ? `${m.low}-${m.high}` : `${m.value}&${m.mask}`)).join("|");
}

/** Does key value `k` satisfy `m`? */
export function matches(m: NormMatch, k: KeyValue): boolean {
  if (m.isRange) return k >= m.low && k <= m.high;
  if (typeof k === "number") return (k & (m.mask as number)) >>> 0 === m.value;
  return (k & (m.mask as bigint)) === m.value;
}
