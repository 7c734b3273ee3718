// `make bench`: runs the benchmarks, prints a table for each, saves JSON under bench/results/, and
// publishes (bench/results/summary.md, the plots, README.md's benchmark section). Timings are
// reported, never asserted.
import { parseArgs } from "node:util";
import { describeMachine, formatDuration, machine, type RunInfo, saveResult } from "./common.js";
import { formatConsensus, runConsensusBench, stopClustersOnSignal } from "./consensus.js";
import { closeLoadAgents } from "./kvload.js";
import { publish } from "./publish.js";
import { formatRecovery, runRecoveryBench } from "./recovery.js";
import { formatMemory, formatScaling, runScalingBench } from "./scaling.js";
import { formatSwitchRows, runSwitchBench } from "./switch.js";

const BENCHMARKS = ["switch", "consensus", "scaling", "recovery"] as const;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string", multiple: true },
      quick: { type: "boolean", default: false },
      "no-publish": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      "Usage: node dist/bench/run.js [--only NAME]... [--quick] [--no-publish]\n" +
        `Benchmarks: ${BENCHMARKS.join(", ")}\n` +
        "Publishing (bench/results/summary.md, bench/plots/, README.md) alone: node dist/bench/publish.js\n",
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
  const quick = values.quick ?? false;
  // The Makefile passes the command the user typed; run directly, this process's own arguments.
  const command =
    process.env.BENCH_COMMAND?.trim() || ["node dist/bench/run.js", ...process.argv.slice(2)].join(" ");
  process.stdout.write(`p4paxos benchmarks on ${describeMachine(machine())}\n`);
  stopClustersOnSignal();
  const started = performance.now();
  const timings: string[] = [];
  const failed: string[] = [];
  /** Runs one benchmark, prints its tables, saves its JSON with the command and wall time. */
  const bench = async <T extends object>(
    name: (typeof BENCHMARKS)[number],
    title: string,
    run: () => Promise<T>,
    format: (r: T) => string,
  ): Promise<void> => {
    if (!selected.includes(name)) return;
    process.stdout.write(`\n## ${title}\n`);
    const t0 = performance.now();
    let result: T;
    try {
      result = await run();
    } catch (e) {
      // Not a timing: an error. Report it, keep the others running, fail at the end.
      failed.push(name);
      timings.push(`${name} failed after ${formatDuration(performance.now() - t0)}`);
      process.stderr.write(
        `bench: ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      return;
    }
    const info: RunInfo = { command, durationMs: Math.round(performance.now() - t0) };
    timings.push(`${name} ${formatDuration(info.durationMs)}`);
    process.stdout.write(`\n${format(result)}\n`);
    process.stdout.write(`saved ${saveResult(name, result, info)} (${formatDuration(info.durationMs)})\n`);
  };

  await bench(
    "switch",
    "Switch pipeline (p4/paxos.p4)",
    () => runSwitchBench({ quick }),
    (r) => `${formatSwitchRows(r.rows)}\n${r.note}`,
  );
  await bench(
    "consensus",
    "End-to-end consensus (open loop, in-network and server-side)",
    () => runConsensusBench({ quick }),
    (r) => `${formatConsensus(r.curves)}\nplot: ${r.plot}`,
  );
  await bench(
    "scaling",
    "Scaling (server-side mode)",
    () => runScalingBench({ quick }),
    (r) => `${formatScaling(r.rows)}\n\n${formatMemory(r.memory)}`,
  );
  await bench(
    "recovery",
    "Recovery (failover, fail-back, learner catch-up)",
    () => runRecoveryBench({ quick }),
    (r) => formatRecovery(r),
  );
  closeLoadAgents();
  process.stdout.write(
    `\nbenchmarks took ${formatDuration(performance.now() - started)} (${timings.join(", ")})\n`,
  );
  if (!values["no-publish"]) {
    process.stdout.write("\n## Publishing\n");
    if (failed.length > 0)
      process.stdout.write(
        `  (${failed.join(", ")} failed: their results are from an earlier run, if any)\n`,
      );
    for (const f of publish()) process.stdout.write(`  wrote ${f}\n`);
  }
  if (failed.length > 0) {
    process.stderr.write(`bench: failed: ${failed.join(", ")}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
