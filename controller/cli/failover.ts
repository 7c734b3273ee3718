// `paxosctl failover --to server|switch`: move a group's coordinator role by hand, with the same
// procedures the daemon uses (protocol §7), then exit.

import { coordinatorSwitchOf } from "../desired/compute.js";
import {
  connectAsPrimary,
  ExitError,
  intFlag,
  loadConfig,
  parseFlags,
  runCommand,
  stateFilePath,
} from "../runtime/cli-common.js";
import { Controller } from "../runtime/controller.js";
import { loadPipeline } from "../runtime/pipeline.js";
import { type CliIO, type Command, ExitCode, UsageError } from "./command.js";
import { parseHostPort } from "./up.js";

const HELP = `Usage: paxosctl failover -c FILE --to server|switch [--group G] [options]

Move the coordinator role of a group (default: every group) by the protocol's procedures:
  --to server   stop REQUESTs, withdraw the switch's role, fence the acceptors in a new server
                round, have the server coordinator take over (its control channel), route the
                service address to it.
  --to switch   the hand-back of protocol §7 step 4: stop REQUESTs, recover up to hi' with
                FENCE in a new switch round, SYNC the switch past hi' until a PONG confirms,
                install its role, wait for a PONG in the new round, route REQUESTs to it.
The command acts as the controller: it needs the switches' session, so stop a running
'paxosctl up --daemon' first (or it is refused: election id in use). The daemon, started
again, continues from the state file.

Options:
  -c, --config FILE         the deployment
  --to server|switch        target
  --group G                 only this group
  --json FILE, --p4info FILE  the pipeline as given to 'paxosctl up'
  --election-id N           default 1
  --server-control NAME=HOST:PORT   as for 'paxosctl up' (default 127.0.0.1:34960)

Exit codes: 0 done, 1 failed (see the message), 2 usage, 3 a switch needed is unreachable.

Examples:
  paxosctl failover -c examples/classic.yaml --to server
  paxosctl failover -c examples/classic.yaml --to switch --group 0`;

async function run(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      to: { type: "string" },
      group: { type: "string" },
      json: { type: "string" },
      p4info: { type: "string" },
      "election-id": { type: "string" },
      "server-control": { type: "string", multiple: true },
    },
    { min: 0, max: 0, names: "" },
  );
  if (values.to !== "server" && values.to !== "switch")
    throw new UsageError("--to must be 'server' or 'switch'");
  const group = values.group === undefined ? undefined : intFlag(values.group, "group", 0);
  const electionId = intFlag(values["election-id"], "election-id", 1, 1);
  const serverControl: Record<string, string> = {};
  for (const s of (values["server-control"] as string[] | undefined) ?? []) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UsageError(`--server-control: expected NAME=HOST:PORT, got '${s}'`);
    parseHostPort(s.slice(eq + 1), "--server-control");
    serverControl[s.slice(0, eq)] = s.slice(eq + 1);
  }
  const d = await loadConfig(values.config, io);
  const groups = group === undefined ? d.paxos.groups.map((g) => g.id) : [group];
  if (group !== undefined && !d.paxos.groups.some((g) => g.id === group))
    throw new UsageError(`no group ${group} in the deployment`);
  const pipeline = loadPipeline(d, {
    json: values.json as string | undefined,
    p4info: values.p4info as string | undefined,
  });
  const ctl = new Controller({
    deployment: d,
    pipeline,
    stateFile: stateFilePath(d),
    log: (l) => io.out(l),
    electionId,
    serverControl,
  });
  try {
    ctl.loadState();
    const unreachable = await connectAsPrimary(ctl);
    let ok = true;
    for (const g of groups) {
      if (!ctl.state.started[g])
        throw new ExitError(ExitCode.FAILURE, `group ${g} was never started: run 'paxosctl up' first`);
      const coord = coordinatorSwitchOf(d, g);
      if (values.to === "switch" && coord && unreachable.includes(coord.name))
        throw new ExitError(
          ExitCode.UNREACHABLE,
          `group ${g}: coordinator switch ${coord.name} is unreachable`,
        );
      const done =
        values.to === "server"
          ? await ctl.failover(g, "operator request")
          : await ctl.failback(g, "operator request");
      if (!done) ok = false;
    }
    return ok ? ExitCode.OK : ExitCode.FAILURE;
  } finally {
    await ctl.close();
  }
}

export const failoverCommand: Command = {
  name: "failover",
  summary: "move a group's coordinator to the server coordinator or back to its switch",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
