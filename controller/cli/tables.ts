// `paxosctl tables SWITCH`: every table entry and default action a switch holds, plus its
// multicast groups, read back over P4Runtime and named from the switch's own P4Info.

import { TABLE_ORDER } from "../desired/names.js";
import {
  ExitError,
  loadConfig,
  parseFlags,
  readSession,
  runCommand,
  switchNamed,
} from "../runtime/cli-common.js";
import { describe as describeEntry } from "../runtime/switch-link.js";
import { type CliIO, type Command, ExitCode } from "./command.js";

const HELP = `Usage: paxosctl tables -c FILE SWITCH [--table NAME] [--json]

Print what SWITCH holds: table entries (by table), the default actions of the program's tables
and the multicast groups with their replicas (port, replica id). Names come from the P4Info the
switch runs. Compare with 'paxosctl plan -c FILE --switch SWITCH' (what it should hold).

Options:
  -c, --config FILE   the deployment
  --table NAME        only this table (fully qualified, e.g. MyIngress.ipv4_lpm)
  --json              {"entries": [...], "defaults": [...], "multicastGroups": [...]} in the
                      friendly form 'paxosctl plan --json' uses

Exit codes: 0 ok, 1 failure (no pipeline on the switch, unknown table), 2 usage, 3 unreachable.

Examples:
  paxosctl tables -c examples/classic.yaml coord
  paxosctl tables -c examples/classic.yaml edge1 --table MyIngress.ipv4_lpm --json`;

async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { table: { type: "string" } },
    { min: 1, max: 1, names: "SWITCH" },
  );
  const d = await loadConfig(values.config, io);
  const s = switchNamed(d, positionals[0]!);
  const { link, idx } = await readSession(s);
  try {
    if (!idx)
      throw new ExitError(
        ExitCode.FAILURE,
        `${s.name}: no pipeline installed (run 'paxosctl up -c ${values.config}')`,
      );
    const only = values.table as string | undefined;
    if (only && !idx.tables.find(only))
      throw new ExitError(ExitCode.FAILURE, `${s.name}: no table '${only}'`);
    const tables = idx.info.tables.map((t) => t.preamble!.name).filter((n) => !only || n === only);
    const c = await link.readContents(tables);
    const order = (t: string) => TABLE_ORDER.indexOf(t) + 1 || 99;
    const entries = c.tableEntries
      .filter((e) => !only || e.table === only)
      .sort((a, b) => order(a.table) - order(b.table));
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            switch: s.name,
            entries,
            defaults: c.defaultActions,
            multicastGroups: only ? [] : c.multicastGroups,
          },
          null,
          2,
        ),
      );
      return ExitCode.OK;
    }
    io.out(`${s.name}: ${entries.length} entr${entries.length === 1 ? "y" : "ies"}`);
    for (const e of entries) io.out(`  ${describeEntry(e)}`);
    for (const e of c.defaultActions) io.out(`  ${describeEntry(e)}`);
    if (!only)
      for (const g of c.multicastGroups)
        io.out(
          `  multicast group ${g.id}: ${g.replicas.map((r) => `port ${r.port} rid ${r.rid}`).join(", ") || "no replicas"}`,
        );
    return ExitCode.OK;
  } finally {
    link.close();
  }
}

export const tablesCommand: Command = {
  name: "tables",
  summary: "table entries, default actions and multicast groups a switch holds",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
