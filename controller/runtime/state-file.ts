// The controller's persistent state (paxos.stateFile): the highest round ever handed out, each
// group's mode (switch or server coordinator, its round), trim watermarks and acceptor fences.
// Written atomically (temp file + rename) before the controller acts on a new value, so a
// restarted controller never hands out a round twice or forgets a fence.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Deployment } from "../config/types.js";
import { initialControllerState } from "../desired/compute.js";
import type { ControllerState, GroupState } from "../desired/types.js";

export interface PersistentState {
  version: 1;
  /** Highest round ever assigned to any coordinator (protocol §3). */
  highestRound: number;
  /** Per group: false until the first round's Phase 1 completed through the data plane. */
  started: Record<number, boolean>;
  /** Per group: highest instance known to be issued (from PONGs and recoveries). */
  knownNext: Record<number, number>;
  /** Per group and learner id: highest instance delivered in order (DELIVERED). */
  delivered: Record<number, Record<number, number>>;
  control: ControllerState;
  /**
   * Per group: the controller daemon's last view of which acceptors answer its probes, written
   * when it changes (for `paxosctl status`). Absent in files written before it existed.
   */
  liveness?: Record<number, GroupLiveness>;
}

/** Which acceptors of a group answered the controller's probes (protocol §7, liveness). */
export interface GroupLiveness {
  /** Acceptor ids that answered a probe sent within the last failoverMs. */
  alive: number[];
  /** Acceptor ids it cannot probe (server acceptors without its agent socket): counted as alive. */
  unprobed: number[];
  acceptors: number;
  quorum: number;
  /** Since when it holds (ms since the epoch): written when the view changes. */
  at: number;
}

export class StateFileError extends Error {
  override readonly name = "StateFileError";
}

export function freshState(d: Deployment): PersistentState {
  const control = initialControllerState(d, 1);
  // Nothing serves until Phase 1 of the first round is done (controller start-up).
  for (const g of Object.values(control.groups)) {
    g.switchRole = false;
    g.requestsTo = "none";
  }
  const started: Record<number, boolean> = {};
  const knownNext: Record<number, number> = {};
  for (const g of d.paxos.groups) {
    started[g.id] = false;
    knownNext[g.id] = 1;
  }
  return { version: 1, highestRound: 0, started, knownNext, delivered: {}, control };
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

function checkGroup(id: string, g: unknown): GroupState {
  const o = g as Partial<GroupState> | null;
  if (
    !o ||
    !isInt(o.round) ||
    typeof o.switchRole !== "boolean" ||
    !["switch", "server", "none"].includes(String(o.requestsTo)) ||
    !isInt(o.trim) ||
    typeof o.acceptors !== "object" ||
    o.acceptors === null ||
    // Optional (files written before it existed have none): serving.
    (o.noQuorum !== undefined &&
      (typeof o.noQuorum !== "object" || o.noQuorum === null || !isInt(o.noQuorum.alive)))
  )
    throw new StateFileError(`group ${id}: malformed entry`);
  return o as GroupState;
}

/** Reads the state file; a missing file gives the fresh state, a corrupt one is an error (never guess rounds). */
export function loadState(path: string, d: Deployment): { state: PersistentState; existed: boolean } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { state: freshState(d), existed: false };
    throw new StateFileError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let data: PersistentState;
  try {
    data = JSON.parse(text) as PersistentState;
  } catch (e) {
    throw new StateFileError(
      `${path}: not JSON (${(e as Error).message}); it holds the highest round ever used — restore it rather than delete it`,
    );
  }
  if (data?.version !== 1 || !isInt(data.highestRound) || typeof data.control?.groups !== "object")
    throw new StateFileError(`${path}: not a p4paxos controller state (version 1)`);
  const fresh = freshState(d);
  for (const [id, g] of Object.entries(data.control.groups)) checkGroup(id, g);
  // Groups added to the deployment since the file was written start fresh.
  for (const g of d.paxos.groups) {
    if (!data.control.groups[g.id]) {
      data.control.groups[g.id] = fresh.control.groups[g.id]!;
      data.started[g.id] = false;
    }
    data.knownNext[g.id] ??= 1;
  }
  data.delivered ??= {};
  // A view for status only: a malformed one is dropped, never an error.
  if (data.liveness !== undefined && (typeof data.liveness !== "object" || data.liveness === null))
    delete data.liveness;
  data.control.down = [];
  return { state: data, existed: true };
}

/** Writes atomically: a crash leaves the old file or the new one, never a torn one. */
export function saveState(path: string, s: PersistentState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const { down: _down, ...control } = s.control;
  writeFileSync(tmp, `${JSON.stringify({ ...s, control: { ...control, down: [] } }, null, 2)}\n`);
  renameSync(tmp, path);
}
