// `make bench`: runs the benchmarks, prints a table for each, and saves JSON under bench/results/.
// Timings are reported, never asserted.
import { parseArgs } from "node:util";
import { describeMachine, machine, saveResult } from "./common.js";
import { formatSwitchRows, runSwitchBench } from "./switch.js";

const BENCHMARKS = ["switch"] as const;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string", multiple: true },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `Usage: node dist/bench/run.js [--only NAME]... [--quick]\nBenchmarks: ${BENCHMARKS.join(", ")}\n`,
    );
    return 0;
  }
  const selected = values.only ?? [...BENCHMARKS];
  const unknown = selected.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown benchmark(s) ${unknown.join(", ")}; known: ${BENCHMARKS.join(", ")}\n`,
    );
    return 2;
  }
  process.stdout.write(`p4paxos benchmarks on ${describeMachine(machine())}\n`);
  if (selected.includes("switch")) {
    process.stdout.write("\n## Switch pipeline (p4/paxos.p4)\n");
    const result = await runSwitchBench({ quick: values.quick ?? false });
    process.stdout.write(`\n${formatSwitchRows(result.rows)}\n${result.note}\n`);
    process.stdout.write(`saved ${saveResult("switch", result)}\n`);
  }
  return 0;
}

process.exitCode = await main();
