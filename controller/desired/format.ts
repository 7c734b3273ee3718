// Text rendering of desired state, one line per entry, for `paxosctl plan`.
import type { FriendlyEntry, FriendlyMatch, SwitchDesired } from "./types.js";

function matchText(m: FriendlyMatch): string {
  if (typeof m === "object" && "lpm" in m) return `${m.lpm[0]}/${m.lpm[1]}`;
  if (typeof m === "object") return String(m.exact);
  return String(m);
}

export function formatEntry(e: FriendlyEntry): string {
  const match = Object.entries(e.match)
    .map(([f, m]) => `${f}=${matchText(m)}`)
    .join(" ");
  const params = Object.entries(e.params)
    .map(([p, v]) => `${p}=${v}`)
    .join(", ");
  return `${e.table}${e.isDefault ? " (default)" : ""} ${match}${match ? " " : ""}-> ${e.action}(${params})`;
}

export function formatSwitchDesired(s: SwitchDesired): string {
  const lines = [
    `switch ${s.switch} (device ${s.deviceId}): ${s.tableEntries.length} entries, ${s.multicastGroups.length} multicast groups`,
  ];
  for (const e of s.tableEntries) lines.push(`  ${formatEntry(e)}`);
  for (const g of s.multicastGroups)
    lines.push(
      `  multicast ${g.id}: ${g.replicas.map((r) => `port ${r.port} rid ${r.rid}`).join(", ") || "(no replicas)"}`,
    );
  for (const e of s.defaultActions) lines.push(`  ${formatEntry(e)}`);
  return lines.join("\n");
}
