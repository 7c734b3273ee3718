// `paxosctl stf`: runs a p4c-style STF test against the embedded switch.
import { readFileSync } from "node:fs";
import { compileP4 } from "../../src/p4c/compile.js";
import { LoadError } from "../../src/switch/errors.js";
import type { Bmv2Json } from "../../src/switch/json.js";
import { formatStfResult, runStfFiles } from "../../src/switch/stf/file.js";
import { StfParseError } from "../../src/switch/stf/parse.js";
import { type CliIO, type Command, ExitCode, parseCommandArgs, UsageError } from "./command.js";

const HELP = `Usage: paxosctl stf FILE.stf (--json PROGRAM.json | --p4 PROGRAM.p4) [--seed N]

Run an STF test (the text format of p4c's BMv2 tests) against the embedded software switch:
table entries (add/setdefault), multicast and mirroring set-up, packets in, expected packets
out ('*' matches any nibble, a trailing '$' requires the exact length), counter and register
checks. Packets are compared per port, in order; a packet on a port without expectations is a
failure unless the file has a bare 'expect PORT' line for it.

Options:
  --json FILE  the program as BMv2 JSON (from p4c-bm2-ss or 'paxosctl compile')
  --p4 FILE    compile this P4 program with the embedded compiler first
  --seed N     seed for random() in the program (default 1)
  --verbose    also list every packet received, per port, as hex (handy for writing 'expect' lines)
  -h, --help   this text

Exit codes: 0 all expectations met, 1 a mismatch or a program the switch refuses, 2 usage error.

Examples:
  paxosctl stf test/p4/programs/basic.stf --json build/basic.json
  paxosctl stf test/p4/programs/basic.stf --p4 test/p4/programs/basic.p4`;

export const stfCommand: Command = {
  name: "stf",
  summary: "run an STF packet test against the embedded switch",
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError("expected exactly one STF file");
    if ((values.json === undefined) === (values.p4 === undefined))
      throw new UsageError("give exactly one of --json or --p4");
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`bad --seed '${values.seed}'`);
    const stf = positionals[0]!;
    let json: Bmv2Json;
    try {
      json =
        values.json !== undefined
          ? (JSON.parse(readFileSync(values.json, "utf8")) as Bmv2Json)
          : (compileP4({ file: values.p4! }).json as unknown as Bmv2Json);
    } catch (e) {
      io.err(`paxosctl stf: ${(e as Error).message}`);
      return ExitCode.FAILURE;
    }
    try {
      const r = runStfFiles(stf, json, { seed });
      if (values.verbose)
        for (const [port, pkts] of [...r.received].sort((a, b) => a[0] - b[0]))
          for (const [i, p] of pkts.entries())
            io.out(`port ${port} #${i + 1}: ${Buffer.from(p).toString("hex")}`);
      (r.ok ? io.out : io.err)(formatStfResult(r, stf));
      return r.ok ? ExitCode.OK : ExitCode.FAILURE;
    } catch (e) {
      if (e instanceof LoadError || e instanceof StfParseError) {
        io.err(`paxosctl stf: ${e.message}`);
        return ExitCode.FAILURE;
      }
      throw e;
    }
  },
};

function parse(args: string[]) {
  return parseCommandArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "string" },
      p4: { type: "string" },
      seed: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    },
  });
}
