// paxosctl entry point: dispatches to subcommands, maps errors to exit codes.
import { type CliIO, ExitCode, UsageError } from "./command.js";
import { COMMANDS } from "./commands.js";

const stdio: CliIO = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "paxosctl — operate p4paxos: compile P4, run switches, deploy, observe, fail over.",
    "",
    "Usage: paxosctl <command> [options]     paxosctl <command> --help",
    "",
    "Commands:",
    ...lines,
    "",
    "Exit codes: 0 ok, 1 failure, 2 usage error, 3 unreachable switch or peer.",
  ].join("\n");
}

export async function main(argv: string[], io: CliIO = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(overview());
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`paxosctl: unknown command '${name}'\n\n${overview()}`);
    return ExitCode.USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.help);
    return ExitCode.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`paxosctl ${name}: ${error.message}\nTry 'paxosctl ${name} --help'.`);
      return ExitCode.USAGE;
    }
    io.err(`paxosctl ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.FAILURE;
  }
}
