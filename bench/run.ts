// `make bench`: runs the benchmarks, prints a table for each, and saves JSON under bench/results/.
// Timings are reported, never asserted.
import { parseArgs } from "node:util";
import { describeMachine, machine, saveResult } from "./common.js";
import { formatConsensus, runConsensusBench, stopClustersOnSignal } from "./consensus.js";
import { formatRecovery, runRecoveryBench } from "./recovery.js";
import { formatScaling, runScalingBench } from "./scaling.js";
import { formatSwitchRows, runSwitchBench } from "./switch.js";

const BENCHMARKS = ["switch", "consensus", "scaling", "recovery"] as const;

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
  stopClustersOnSignal();
  if (selected.includes("switch")) {
    process.stdout.write("\n## Switch pipeline (p4/paxos.p4)\n");
    const result = await runSwitchBench({ quick: values.quick ?? false });
    process.stdout.write(`\n${formatSwitchRows(result.rows)}\n${result.note}\n`);
    process.stdout.write(`saved ${saveResult("switch", result)}\n`);
  }
  const quick = values.quick ?? false;
  if (selected.includes("consensus")) {
    process.stdout.write("\n## End-to-end consensus (open loop, in-network and server-side)\n");
    const result = await runConsensusBench({ quick });
    process.stdout.write(`\n${formatConsensus(result.curves)}\nplot: ${result.plot}\n`);
    process.stdout.write(`saved ${saveResult("consensus", result)}\n`);
  }
  if (selected.includes("scaling")) {
    process.stdout.write("\n## Scaling (server-side mode)\n");
    const result = await runScalingBench({ quick });
    const m = result.memory;
    process.stdout.write(
      `\n${formatScaling(result.rows)}\n` +
        `memory per acceptor slot: ${m.bytesPerSlotInP4} B in P4 registers (${m.bitsPerSlot} bits: ` +
        `${m.registers.map((r) => `${r.name.replace("MyIngress.acceptor.", "")} ${r.bitwidth}`).join(", ")}); ` +
        `embedded switch ${m.embeddedSwitchBytesPerSlot.toFixed(0)} B of heap per slot\n`,
    );
    process.stdout.write(`saved ${saveResult("scaling", result)}\n`);
  }
  if (selected.includes("recovery")) {
    process.stdout.write("\n## Recovery (failover, fail-back, learner catch-up)\n");
    const result = await runRecoveryBench({ quick });
    process.stdout.write(`\n${formatRecovery(result)}\n`);
    process.stdout.write(`saved ${saveResult("recovery", result)}\n`);
  }
  return 0;
}

process.exitCode = await main();
