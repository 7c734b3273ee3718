// Canonical forms of friendly entries, so that the same entry compares equal however its values
// are written (10.0.0.1 / 167772161 / 0xa000001n), e.g. desired state versus what a switch reports.
import { TABLE_ORDER } from "./names.js";
import type { FriendlyEntry, FriendlyMatch, FriendlyValue, MulticastGroup, Replica } from "./types.js";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC = /^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){5}$/i;

/** An unsigned integer for numbers, bigints, decimal, 0x-hex, dotted-quad and MAC text; else the text itself. */
export function canonicalValue(v: FriendlyValue): bigint | string {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : String(v);
  const t = v.trim();
  if (/^\d+$/.test(t)) return BigInt(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  const ip = IPV4.exec(t);
  if (ip?.slice(1).every((p) => Number(p) <= 255)) {
    return ip.slice(1).reduce((acc, p) => acc * 256n + BigInt(p), 0n);
  }
  if (MAC.test(t)) return t.split(/[:-]/).reduce((acc, p) => acc * 256n + BigInt(Number.parseInt(p, 16)), 0n);
  return `'${t}'`;
}

function valueText(v: FriendlyValue): string {
  return String(canonicalValue(v));
}

export function canonicalMatch(m: FriendlyMatch): string {
  if (typeof m === "object" && m !== null && !(typeof m === "bigint")) {
    if ("lpm" in m) return `lpm:${valueText(m.lpm[0])}/${m.lpm[1]}`;
    return valueText(m.exact);
  }
  return valueText(m);
}

/** Identity of an entry in its table: table, match and priority (defaults: the table alone). */
export function entryKey(e: FriendlyEntry): string {
  if (e.isDefault) return `${e.table}|default`;
  const fields = Object.keys(e.match)
    .sort()
    .map((f) => `${f}=${canonicalMatch(e.match[f]!)}`);
  return `${e.table}|${fields.join(",")}|${e.priority ?? 0}`;
}

/** What the entry does: action and parameters. */
export function actionKey(e: FriendlyEntry): string {
  const params = Object.keys(e.params)
    .sort()
    .map((p) => `${p}=${valueText(e.params[p]!)}`);
  return `${e.action}(${params.join(",")})`;
}

export function replicasKey(replicas: readonly Replica[]): string {
  return sortReplicas(replicas)
    .map((r) => `${r.port}/${r.rid}`)
    .join(",");
}

export function sortReplicas(replicas: readonly Replica[]): Replica[] {
  return [...replicas].sort((a, b) => a.port - b.port || a.rid - b.rid);
}

function tableRank(table: string): number {
  const i = TABLE_ORDER.indexOf(table);
  return i < 0 ? TABLE_ORDER.length : i;
}

/** Sort key of a match: numeric values compare as numbers, lpm by address then length. */
function matchSortKey(e: FriendlyEntry): (bigint | string)[] {
  const out: (bigint | string)[] = [];
  for (const f of Object.keys(e.match).sort()) {
    const m = e.match[f]!;
    if (typeof m === "object" && m !== null && typeof m !== "bigint" && "lpm" in m) {
      out.push(canonicalValue(m.lpm[0]), BigInt(m.lpm[1]));
    } else {
      out.push(canonicalValue(typeof m === "object" && m !== null && typeof m !== "bigint" ? m.exact : m));
    }
  }
  return out;
}

function compareParts(a: (bigint | string)[], b: (bigint | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "bigint" && typeof y === "bigint") return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** Stable order: tables in dependency order, then by match values. */
export function compareEntries(a: FriendlyEntry, b: FriendlyEntry): number {
  return (
    tableRank(a.table) - tableRank(b.table) ||
    (a.table < b.table ? -1 : a.table > b.table ? 1 : 0) ||
    compareParts(matchSortKey(a), matchSortKey(b)) ||
    (a.priority ?? 0) - (b.priority ?? 0)
  );
}

export function sortEntries(entries: readonly FriendlyEntry[]): FriendlyEntry[] {
  return [...entries].sort(compareEntries);
}

export function sortGroups(groups: readonly MulticastGroup[]): MulticastGroup[] {
  return [...groups].sort((a, b) => a.id - b.id);
}
