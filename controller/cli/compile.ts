// `paxosctl compile`: the embedded P4_16 compiler (v1model → BMv2 JSON + P4Info).
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { bmv2JsonText, compileP4 } from "../../src/p4c/compile.js";
import { CompileError } from "../../src/p4c/diag.js";
import { p4infoBinary, p4infoText } from "../../src/p4c/p4info-out.js";
import { type CliIO, type Command, ExitCode, parseCommandArgs, UsageError } from "./command.js";

const HELP = `Usage: paxosctl compile FILE.p4 -o OUTDIR [-I DIR]... [-D NAME[=VALUE]]... [--json-only]

Compiles a P4_16 program for the v1model architecture with the embedded compiler and writes
  OUTDIR/NAME.json          BMv2 JSON (what simple_switch loads)
  OUTDIR/NAME.p4info.txtpb  P4Info, protobuf text format
  OUTDIR/NAME.p4info.binpb  P4Info, binary protobuf
where NAME is FILE without its .p4 extension. Output is deterministic.

Options:
  -o, --out DIR        output directory (created if missing)
  -I, --include DIR    add DIR to the #include search path (repeatable)
  -D, --define N[=V]   define a preprocessor macro (V defaults to 1; repeatable)
      --json-only      write only NAME.json

Errors are printed as file:line:col with the source line; exit code 1 on a compile error,
2 on a usage error.

Examples:
  paxosctl compile p4/paxos.p4 -I p4 -o build/p4
  paxosctl compile prog.p4 -D SLOTS=1024 -o out --json-only`;

export const compileCommand: Command = {
  name: "compile",
  summary: "compile a P4_16 v1model program to BMv2 JSON and P4Info",
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1)
      throw new UsageError(positionals.length === 0 ? "missing FILE.p4" : "exactly one FILE.p4 expected");
    if (!values.out) throw new UsageError("missing -o OUTDIR");
    const file = positionals[0]!;
    const defines: Record<string, string> = {};
    for (const d of values.define ?? []) {
      const eq = d.indexOf("=");
      const name = eq < 0 ? d : d.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`bad macro name in -D ${d}`);
      defines[name] = eq < 0 ? "1" : d.slice(eq + 1);
    }
    let result: ReturnType<typeof compileP4>;
    try {
      result = compileP4({ file, includeDirs: values.include ?? [], defines });
    } catch (e) {
      if (e instanceof CompileError) {
        io.err(e.message);
        return ExitCode.FAILURE;
      }
      throw e;
    }
    const name = path.basename(file).replace(/\.p4$/, "");
    mkdirSync(values.out, { recursive: true });
    const written = [path.join(values.out, `${name}.json`)];
    writeFileSync(written[0]!, bmv2JsonText(result.json));
    if (!values["json-only"]) {
      const txt = path.join(values.out, `${name}.p4info.txtpb`);
      const bin = path.join(values.out, `${name}.p4info.binpb`);
      writeFileSync(txt, p4infoText(result.p4info));
      writeFileSync(bin, p4infoBinary(result.p4info));
      written.push(txt, bin);
    }
    io.out(`compiled ${file}: ${written.join(", ")}`);
    return ExitCode.OK;
  },
};

function parse(args: string[]) {
  return parseCommandArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      include: { type: "string", short: "I", multiple: true },
      define: { type: "string", short: "D", multiple: true },
      "json-only": { type: "boolean" },
    },
  });
}
