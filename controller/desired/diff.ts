// Difference between what a switch should hold and what it holds, keyed by table + match
// (entries), id (multicast groups, clone sessions) and table (default actions). Pure.
import { actionKey, entryKey, replicasKey, sortEntries, sortGroups, sortReplicas } from "./canonical.js";
import type { CloneSession, FriendlyEntry, MulticastGroup, SwitchDesired } from "./types.js";

/** The parts of a switch's state that the diff compares. */
export type SwitchContents = Pick<
  SwitchDesired,
  "tableEntries" | "multicastGroups" | "cloneSessions" | "defaultActions"
>;

export interface Changes<T> {
  inserts: T[];
  modifies: T[];
  deletes: T[];
}

export interface SwitchDiff {
  /**
   * Inserts and modifies in dependency order (replica rewrites … coordinator role last),
   * deletes in reverse (coordinator role first). Apply: multicast inserts/modifies, table
   * inserts/modifies, table deletes, multicast deletes.
   */
  tableEntries: Changes<FriendlyEntry>;
  multicastGroups: Changes<MulticastGroup>;
  cloneSessions: Changes<CloneSession>;
  /** Tables whose default action must be set (modify-only in P4Runtime). */
  defaultActions: FriendlyEntry[];
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const it of items) m.set(key(it), it);
  return m;
}

function diffKeyed<T>(
  desired: readonly T[],
  installed: readonly T[],
  key: (t: T) => string,
  same: (a: T, b: T) => boolean,
): Changes<T> {
  const want = byKey(desired, key);
  const have = byKey(installed, key);
  const out: Changes<T> = { inserts: [], modifies: [], deletes: [] };
  for (const [k, d] of want) {
    const h = have.get(k);
    if (h === undefined) out.inserts.push(d);
    else if (!same(d, h)) out.modifies.push(d);
  }
  for (const [k, h] of have) if (!want.has(k)) out.deletes.push(h);
  return out;
}

const groupKey = (g: { id: number }) => String(g.id);
const sameReplicas = (
  a: { replicas: MulticastGroup["replicas"] },
  b: { replicas: MulticastGroup["replicas"] },
) => replicasKey(a.replicas) === replicasKey(b.replicas);

export function diffDesired(desired: SwitchContents, installed: SwitchContents): SwitchDiff {
  const entries = diffKeyed(
    desired.tableEntries,
    installed.tableEntries,
    entryKey,
    (a, b) => actionKey(a) === actionKey(b),
  );
  const groups = diffKeyed(desired.multicastGroups, installed.multicastGroups, groupKey, sameReplicas);
  const clones = diffKeyed(desired.cloneSessions, installed.cloneSessions, groupKey, sameReplicas);
  const haveDefaults = byKey(installed.defaultActions, (e) => e.table);
  const defaults = desired.defaultActions.filter((e) => {
    const h = haveDefaults.get(e.table);
    return h === undefined || actionKey(h) !== actionKey(e);
  });
  return {
    tableEntries: {
      inserts: sortEntries(entries.inserts),
      modifies: sortEntries(entries.modifies),
      deletes: sortEntries(entries.deletes).reverse(),
    },
    multicastGroups: {
      inserts: sortGroups(groups.inserts),
      modifies: sortGroups(groups.modifies),
      deletes: sortGroups(groups.deletes),
    },
    cloneSessions: {
      inserts: sortGroups(clones.inserts),
      modifies: sortGroups(clones.modifies),
      deletes: sortGroups(clones.deletes),
    },
    defaultActions: sortEntries(defaults),
  };
}

export function isEmptyDiff(d: SwitchDiff): boolean {
  const n = (c: Changes<unknown>) => c.inserts.length + c.modifies.length + c.deletes.length;
  return n(d.tableEntries) + n(d.multicastGroups) + n(d.cloneSessions) + d.defaultActions.length === 0;
}

function applyKeyed<T>(items: readonly T[], c: Changes<T>, key: (t: T) => string): T[] {
  const m = byKey(items, key);
  for (const d of c.deletes) m.delete(key(d));
  for (const x of [...c.inserts, ...c.modifies]) m.set(key(x), x);
  return [...m.values()];
}

/** What a switch holds after the diff is applied to it (for bookkeeping and tests). */
export function applyDiff(installed: SwitchContents, d: SwitchDiff): SwitchContents {
  const defaults = byKey(installed.defaultActions, (e) => e.table);
  for (const e of d.defaultActions) defaults.set(e.table, e);
  const withSortedReplicas = <G extends { id: number; replicas: MulticastGroup["replicas"] }>(gs: G[]) =>
    sortGroups(gs.map((g) => ({ ...g, replicas: sortReplicas(g.replicas) }))) as G[];
  return {
    tableEntries: sortEntries(applyKeyed(installed.tableEntries, d.tableEntries, entryKey)),
    multicastGroups: withSortedReplicas(applyKeyed(installed.multicastGroups, d.multicastGroups, groupKey)),
    cloneSessions: withSortedReplicas(applyKeyed(installed.cloneSessions, d.cloneSessions, groupKey)),
    defaultActions: sortEntries([...defaults.values()]),
  };
}
