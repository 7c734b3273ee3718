// What `paxosctl status` and `watch` show per group, from the controller's state file: who
// serves it (switch or server coordinator, round), the controller daemon's last view of the
// acceptors (alive of all, quorum), and whether the coordinator refuses REQUESTs for lack of a
// quorum. The switch rows show the same refusal as read from the coordinator's role entry.

import type { Deployment } from "../config/types.js";
import { coordinatorSwitchOf } from "../desired/compute.js";
import { loadState } from "./state-file.js";

export interface GroupStatus {
  group: number;
  /** Where REQUESTs go: the coordinator switch, a server coordinator, or nowhere (a procedure runs). */
  servedBy: "switch" | "server" | "none";
  /** The coordinator switch or server coordinator host serving it. */
  coordinator: string | null;
  /** Round of the switch coordinator's role entry (0: none). */
  round: number;
  trim: number;
  acceptors: number;
  quorum: number;
  /** Acceptors the controller daemon last saw alive (unprobed ones included); null: no view yet. */
  alive: number | null;
  aliveIds: number[] | null;
  /** Since when that view holds (ISO time). */
  aliveAt: string | null;
  /** The coordinator switch refuses REQUESTs (NACK_NOQUORUM): fewer acceptors alive than a quorum. */
  refusing: boolean;
}

/** Per group, from the state file at `path`; null when there is none (no controller ran yet). */
export function groupStatus(d: Deployment, path: string): GroupStatus[] | null {
  const { state, existed } = loadState(path, d);
  if (!existed) return null;
  return d.paxos.groups.map((gc) => {
    const g = state.control.groups[gc.id]!;
    const view = state.liveness?.[gc.id];
    const servedBy = g.requestsTo === "switch" && !g.switchRole ? "none" : g.requestsTo;
    const coordinator =
      servedBy === "switch"
        ? (coordinatorSwitchOf(d, gc.id)?.name ?? null)
        : servedBy === "server"
          ? (g.serverCoordinator ??
            d.hosts.find((h) => h.roles["server-coordinator"]?.groups.includes(gc.id))?.name ??
            null)
          : null;
    const aliveIds = view ? [...view.alive, ...view.unprobed].sort((a, b) => a - b) : null;
    return {
      group: gc.id,
      servedBy,
      coordinator,
      round: g.switchRole ? g.round : 0,
      trim: g.trim,
      acceptors: d.acceptors.length,
      quorum: d.quorum,
      alive: aliveIds ? aliveIds.length : null,
      aliveIds,
      aliveAt: view ? new Date(view.at).toISOString() : null,
      refusing: servedBy === "switch" && g.noQuorum !== undefined,
    };
  });
}

export function formatGroupStatus(rows: GroupStatus[] | null, path: string): string {
  if (rows === null) return `groups: no controller state at ${path} (run 'paxosctl up')`;
  const lines = [`groups (controller state ${path}):`];
  for (const r of rows) {
    const served =
      r.servedBy === "switch"
        ? `served by switch ${r.coordinator ?? "?"} in round ${r.round}`
        : r.servedBy === "server"
          ? `served by server coordinator ${r.coordinator ?? "?"}`
          : "not served (a procedure runs, REQUESTs are dropped)";
    const alive =
      r.alive === null
        ? `acceptors alive: not seen yet (quorum ${r.quorum} of ${r.acceptors})`
        : `acceptors alive ${r.alive} of ${r.acceptors} (quorum ${r.quorum}; ids ${r.aliveIds!.join(", ") || "none"}; since ${r.aliveAt})`;
    lines.push(
      `  group ${r.group}: ${served}, trim ${r.trim}; ${alive}${r.refusing ? "; refusing requests: no quorum" : ""}`,
    );
  }
  return lines.join("\n");
}
