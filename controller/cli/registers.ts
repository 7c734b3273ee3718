// `paxosctl registers SWITCH NAME`: register cells over P4Runtime — for debugging only: BMv2's
// P4Runtime server does not implement register reads (the controller never needs them).

import { decodeUnsigned } from "../../src/p4runtime/bytes.js";
import { registerEntity } from "../../src/p4runtime/entities.js";
import {
  ExitError,
  intFlag,
  loadConfig,
  parseFlags,
  readSession,
  runCommand,
  switchNamed,
} from "../runtime/cli-common.js";
import { type CliIO, type Command, ExitCode } from "./command.js";

const HELP = `Usage: paxosctl registers -c FILE SWITCH NAME [--index N] [--all] [--json]

Read register NAME (fully qualified or its unambiguous short name, e.g.
MyIngress.acceptor.minround or minround) on SWITCH: one cell with --index, else every non-zero
cell (every cell with --all). Works on the embedded switch; simple_switch_grpc answers
UNIMPLEMENTED (exit 1 with that reason). The controller itself never reads registers.

Options:
  -c, --config FILE   the deployment
  --index N           one cell
  --all               include zero cells
  --json              {"register", "cells": {"INDEX": "VALUE"}}

Exit codes: 0 ok, 1 failure (unknown register, not supported by the switch), 2 usage,
3 unreachable.

Examples:
  paxosctl registers -c examples/classic.yaml coord MyIngress.coordinator.next_instance --index 0
  paxosctl registers -c examples/classic.yaml acc1 minround --json`;

async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { index: { type: "string" }, all: { type: "boolean" } },
    { min: 2, max: 2, names: "SWITCH NAME" },
  );
  const index = values.index === undefined ? undefined : intFlag(values.index, "index", 0);
  const d = await loadConfig(values.config, io);
  const s = switchNamed(d, positionals[0]!);
  const { link, idx } = await readSession(s);
  try {
    if (!idx) throw new ExitError(ExitCode.FAILURE, `${s.name}: no pipeline installed`);
    const reg = idx.registers.find(positionals[1]!);
    if (!reg)
      throw new ExitError(
        ExitCode.FAILURE,
        `${s.name}: no register '${positionals[1]}' (registers: ${idx.info.registers.map((r) => r.preamble!.name).join(", ")})`,
      );
    if (index !== undefined && index >= reg.size)
      throw new ExitError(ExitCode.FAILURE, `--index ${index}: ${reg.preamble!.name} has ${reg.size} cells`);
    let entities: Awaited<ReturnType<typeof link.client.read>>;
    try {
      entities = await link.client.read([registerEntity(reg.preamble!.id, index)]);
    } catch (e) {
      throw new ExitError(ExitCode.FAILURE, `${s.name}: register read refused: ${(e as Error).message}`);
    }
    const cells: Record<string, string> = {};
    for (const e of entities) {
      if (e.entity.case !== "registerEntry") continue;
      const d = e.entity.value.data?.data;
      const v = d?.case === "bitstring" ? decodeUnsigned(d.value) : 0n;
      if (v === 0n && !values.all && index === undefined) continue;
      cells[String(e.entity.value.index?.index ?? 0n)] = v.toString();
    }
    if (values.json) io.out(JSON.stringify({ register: reg.preamble!.name, cells }, null, 2));
    else {
      io.out(
        `${reg.preamble!.name} (${reg.size} cells)${Object.keys(cells).length === 0 ? ": all zero" : ""}`,
      );
      for (const [i, v] of Object.entries(cells)) io.out(`  [${i}] ${v}`);
    }
    return ExitCode.OK;
  } finally {
    link.close();
  }
}

export const registersCommand: Command = {
  name: "registers",
  summary: "register cells of a switch (embedded switch; not simple_switch_grpc)",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
