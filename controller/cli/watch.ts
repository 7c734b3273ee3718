// `paxosctl watch`: `status`, refreshed.

import { intFlag, loadConfig, parseFlags, runCommand } from "../runtime/cli-common.js";
import { formatStatus } from "../runtime/inspect.js";
import { type CliIO, type Command, ExitCode } from "./command.js";
import { collectGroups, collectStatus, formatGroups } from "./status.js";

const HELP = `Usage: paxosctl watch -c FILE [--interval-ms N] [--count N] [--json]

'paxosctl status', refreshed every --interval-ms (default 1000) until Ctrl-C or --count
refreshes. On a terminal the screen is redrawn; otherwise (and with --json, one JSON object per
line) each refresh is appended.

Options:
  -c, --config FILE   the deployment
  --interval-ms N     refresh period (default 1000)
  --count N           stop after N refreshes (default: run until interrupted)
  --json              one line of JSON per refresh: {"time", "switches", "groups"}

Exit codes: 0 ok (last refresh: all reachable), 1 failure, 2 usage, 3 last refresh had an
unreachable switch.

Examples:
  paxosctl watch -c examples/classic.yaml
  paxosctl watch -c examples/classic.yaml --json --interval-ms 500 | jq -c '.switches[0].coordinator'`;

async function run(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(
    args,
    { "interval-ms": { type: "string" }, count: { type: "string" } },
    { min: 0, max: 0, names: "" },
  );
  const interval = intFlag(values["interval-ms"], "interval-ms", 1000, 50);
  const count = intFlag(values.count, "count", 0, 1);
  const d = await loadConfig(values.config, io);
  let stop = false;
  const onSig = () => {
    stop = true;
  };
  process.once("SIGINT", onSig);
  let code: number = ExitCode.OK;
  try {
    for (let n = 0; !stop && (count === 0 || n < count); n++) {
      if (n > 0) await new Promise((r) => setTimeout(r, interval));
      const rows = await collectStatus(d, 1, 2000);
      const groups = collectGroups(d);
      code = rows.every((r) => r.reachable) ? ExitCode.OK : ExitCode.UNREACHABLE;
      if (values.json)
        io.out(JSON.stringify({ time: new Date().toISOString(), switches: rows, groups: groups.groups }));
      else {
        const redraw = process.stdout.isTTY === true;
        io.out(
          `${redraw ? "\x1b[2J\x1b[H" : ""}${new Date().toISOString()}  ${d.name}\n${formatStatus(rows)}\n${formatGroups(d, groups)}\n`,
        );
      }
    }
  } finally {
    process.off("SIGINT", onSig);
  }
  return code;
}

export const watchCommand: Command = {
  name: "watch",
  summary: "status, refreshed live",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
