// `paxosctl status`: per switch — reachable, pipeline, who is primary, roles with round and next
// instance (PING/PONG when no controller daemon holds the session), acceptor fences, drops; per
// group, from the controller's state file — who serves it, acceptors alive / quorum, refusing.

import type { Deployment } from "../config/types.js";
import { intFlag, loadConfig, parseFlags, runCommand, stateFilePath } from "../runtime/cli-common.js";
import { formatGroupStatus, type GroupStatus, groupStatus } from "../runtime/group-status.js";
import { formatStatus, type SwitchStatus, switchStatus } from "../runtime/inspect.js";
import { type CliIO, type Command, ExitCode } from "./command.js";

const HELP = `Usage: paxosctl status -c FILE [--json] [--election-id N] [--timeout-ms N]

For every switch of the deployment: reachable or not, the pipeline it runs ("ours" when its
cookie is the one 'paxosctl up' installs), who is primary, its roles with the coordinator round
and (through a PING/PONG in the data plane) the next instance and trim watermark, acceptor
fences (floor/join), and non-zero drop counters. Reads need no arbitration; the PING needs the
session for a moment, so while a controller daemon holds it (same election id) the next
instance is not shown and 'primary' says "controller". A coordinator whose role entry refuses
REQUESTs says "refusing requests: no quorum (1 of 3 acceptors alive, quorum 2)".

Then, per group, from the controller's state file (paxos.stateFile): who serves it, the trim
watermark, the acceptors the controller daemon last saw answer its probes (alive of all, and the
quorum), and "refusing requests: no quorum" while the coordinator switch refuses REQUESTs.

Options:
  -c, --config FILE   the deployment
  --json              one JSON object: {"switches": [...], "groups": [...] | null}
  --election-id N     election id for the PING (default 1)
  --timeout-ms N      per-switch deadline (default 2000)

Exit codes: 0 every switch reachable, 1 failure, 2 usage, 3 some switch unreachable.

Examples:
  paxosctl status -c examples/classic.yaml
  paxosctl status -c examples/classic.yaml --json | jq '.switches[] | {name, coordinator}'
  paxosctl status -c examples/classic.yaml --json | jq '.groups[] | {group, alive, quorum, refusing}'`;

/** Per group from the state file; null without one; an unreadable file is reported, not fatal. */
export function collectGroups(d: Deployment): { groups: GroupStatus[] | null; error?: string } {
  try {
    return { groups: groupStatus(d, stateFilePath(d)) };
  } catch (e) {
    return { groups: null, error: (e as Error).message };
  }
}

export function formatGroups(d: Deployment, g: { groups: GroupStatus[] | null; error?: string }): string {
  return g.error ? `groups: ${g.error}` : formatGroupStatus(g.groups, stateFilePath(d));
}

export async function collectStatus(
  d: Deployment,
  electionId: number,
  timeoutMs: number,
): Promise<SwitchStatus[]> {
  return Promise.all(d.switches.map((s) => switchStatus(s, { electionId, ping: true, timeoutMs })));
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(
    args,
    { "election-id": { type: "string" }, "timeout-ms": { type: "string" } },
    { min: 0, max: 0, names: "" },
  );
  const electionId = intFlag(values["election-id"], "election-id", 1, 1);
  const timeoutMs = intFlag(values["timeout-ms"], "timeout-ms", 2000, 1);
  const d = await loadConfig(values.config, io);
  const rows = await collectStatus(d, electionId, timeoutMs);
  const groups = collectGroups(d);
  if (values.json)
    io.out(
      JSON.stringify(
        { switches: rows, groups: groups.groups, ...(groups.error ? { groupsError: groups.error } : {}) },
        null,
        2,
      ),
    );
  else
    io.out(`${formatStatus(rows)}
${formatGroups(d, groups)}`);
  return rows.every((r) => r.reachable) ? ExitCode.OK : ExitCode.UNREACHABLE;
}

export const statusCommand: Command = {
  name: "status",
  summary:
    "per switch: reachable, pipeline, primary, roles, round, next instance, drops; per group: acceptors alive",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
