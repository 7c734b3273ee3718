// `paxosctl trim`: send the trim watermark (protocol §8) from the state file again.

import {
  connectAsPrimary,
  intFlag,
  loadConfig,
  parseFlags,
  runCommand,
  stateFilePath,
} from "../runtime/cli-common.js";
import { Controller } from "../runtime/controller.js";
import { loadPipeline } from "../runtime/pipeline.js";
import { type CliIO, type Command, ExitCode } from "./command.js";

const HELP = `Usage: paxosctl trim -c FILE [--json] [--election-id N]

Compute each group's trim watermark W (the lowest instance every learner reported DELIVERED, as
recorded in the state file by the controller daemon) and send TRIM(W) to the coordinator and
acceptor switches as PacketOut. The daemon does this by itself as reports arrive; this command
re-sends it, e.g. after switches were restarted while no daemon ran. It needs the switches'
session: stop a running daemon first.

Options:
  -c, --config FILE   the deployment
  --json              {"groups": {"G": {"trim", "learners": {"ID": delivered}}}}
  --election-id N     default 1

Exit codes: 0 sent, 1 failure, 2 usage, 3 a switch unreachable.

Examples:
  paxosctl trim -c examples/classic.yaml
  paxosctl trim -c examples/classic.yaml --json`;

async function run(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { "election-id": { type: "string" } }, { min: 0, max: 0, names: "" });
  const electionId = intFlag(values["election-id"], "election-id", 1, 1);
  const d = await loadConfig(values.config, io);
  const ctl = new Controller({
    deployment: d,
    pipeline: loadPipeline(d),
    stateFile: stateFilePath(d),
    electionId,
  });
  try {
    ctl.loadState();
    const unreachable = await connectAsPrimary(ctl);
    const before = Object.fromEntries(d.paxos.groups.map((g) => [g.id, ctl.group(g.id).trim]));
    ctl.trim(true);
    // PacketOuts are queued on the stream: give them a moment before closing it.
    await new Promise((r) => setTimeout(r, 100));
    const groups: Record<number, { trim: number; learners: Record<number, number> }> = {};
    for (const g of d.paxos.groups)
      groups[g.id] = { trim: ctl.group(g.id).trim, learners: ctl.state.delivered[g.id] ?? {} };
    if (values.json) io.out(JSON.stringify({ groups, unreachable }, null, 2));
    else
      for (const [g, v] of Object.entries(groups))
        io.out(
          v.trim === 0
            ? `group ${g}: nothing delivered by every learner yet; no TRIM sent`
            : `group ${g}: TRIM ${v.trim} sent${v.trim > before[Number(g)]! ? ` (was ${before[Number(g)]})` : ""}`,
        );
    if (unreachable.length > 0) {
      io.err(`unreachable: ${unreachable.join(", ")}`);
      return ExitCode.UNREACHABLE;
    }
    return ExitCode.OK;
  } finally {
    await ctl.close();
  }
}

export const trimCommand: Command = {
  name: "trim",
  summary: "send the trim watermark from the state file to the switches",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
