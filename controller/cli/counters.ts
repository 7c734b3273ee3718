// `paxosctl counters SWITCH`: the program's indexed counters (Paxos messages received and
// sent per type, drops per reason), read over P4Runtime.

import { counterEntity } from "../../src/p4runtime/entities.js";
import { MSG_TYPE_NAMES } from "../../src/wire/header.js";
import {
  ExitError,
  loadConfig,
  parseFlags,
  readSession,
  runCommand,
  switchNamed,
} from "../runtime/cli-common.js";
import { DROP_COUNTER_NAMES } from "../runtime/inspect.js";
import { type CliIO, type Command, ExitCode } from "./command.js";

const HELP = `Usage: paxosctl counters -c FILE SWITCH [--all] [--json]

Print SWITCH's indexed counters with their cells named: MyIngress.paxos_rx and MyEgress.paxos_tx
by message type (REQUEST, P2A, ...), MyIngress.drops by reason (malformed, port_filter,
no_role, coord_full, amnesia, round_low, stale, ring_full, no_quorum, no_route). Zero cells are left out
unless --all.

Options:
  -c, --config FILE   the deployment
  --all               include zero cells
  --json              {"COUNTER": {"CELL": {"packets", "bytes"}}}

Exit codes: 0 ok, 1 failure (no pipeline), 2 usage, 3 unreachable.

Examples:
  paxosctl counters -c examples/classic.yaml acc1
  paxosctl counters -c examples/classic.yaml coord --json | jq '.["MyIngress.drops"]'`;

function cellName(counter: string, i: number): string {
  if (counter.endsWith("drops")) return DROP_COUNTER_NAMES[i] || String(i);
  if (counter.endsWith("paxos_rx") || counter.endsWith("paxos_tx")) return MSG_TYPE_NAMES[i] ?? String(i);
  return String(i);
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { all: { type: "boolean" } },
    { min: 1, max: 1, names: "SWITCH" },
  );
  const d = await loadConfig(values.config, io);
  const s = switchNamed(d, positionals[0]!);
  const { link, idx } = await readSession(s);
  try {
    if (!idx) throw new ExitError(ExitCode.FAILURE, `${s.name}: no pipeline installed`);
    const out: Record<string, Record<string, { packets: number; bytes: number }>> = {};
    for (const c of idx.info.counters) {
      const name = c.preamble!.name;
      const cells: Record<string, { packets: number; bytes: number }> = {};
      for (const e of await link.client.read([counterEntity(c.preamble!.id)])) {
        if (e.entity.case !== "counterEntry") continue;
        const i = Number(e.entity.value.index?.index ?? 0n);
        const packets = Number(e.entity.value.data?.packetCount ?? 0n);
        const bytes = Number(e.entity.value.data?.byteCount ?? 0n);
        if (packets === 0 && bytes === 0 && !values.all) continue;
        cells[cellName(name, i)] = { packets, bytes };
      }
      out[name] = cells;
    }
    if (values.json) io.out(JSON.stringify(out, null, 2));
    else
      for (const [name, cells] of Object.entries(out)) {
        const list = Object.entries(cells);
        io.out(`${name}:${list.length === 0 ? " (all zero)" : ""}`);
        for (const [cell, v] of list)
          io.out(`  ${cell.padEnd(12)} ${String(v.packets).padStart(10)} packets`);
      }
    return ExitCode.OK;
  } finally {
    link.close();
  }
}

export const countersCommand: Command = {
  name: "counters",
  summary: "a switch's Paxos message and drop counters",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
