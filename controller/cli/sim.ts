// `paxosctl sim`: runs the deterministic fault simulator — one scenario and seed with its event
// trace (the replay command a failing test prints), or a sweep over seeds with a summary.
import { parseArgs } from "node:util";
import { type RunResult, replayCommand, runScenario } from "../../src/paxos/sim/run.js";
import { findScenario, SCENARIOS } from "../../src/paxos/sim/scenarios.js";
import { BROKEN_VARIANT_NAMES, type BrokenVariantName } from "../../src/paxos/sim/types.js";
import { fmtTime } from "../../src/paxos/sim/world.js";
import { type CliIO, type Command, ExitCode, UsageError } from "./command.js";

const HELP = `Usage: paxosctl sim --scenario NAME|all [--seed N] [--runs K] [--verbose]
                    [--broken VARIANT] [--requests N] [--list]

Run the Paxos roles of src/paxos on a simulated network with seeded faults (loss, duplication,
reordering, crashes, amnesia, partitions) and check agreement, validity, at-most-once effect,
in-order delivery and liveness after the faults stop. A run is a pure function of
(scenario, seed): the same command always prints the same trace.

Options:
  --scenario NAME   a scenario (see --list), or 'all' for every scenario
  --seed N          first seed (default 1)
  --runs K          run seeds N .. N+K-1 and print a summary (default 1)
  --verbose         print the full event trace of each run (every message delivered)
  --broken VARIANT  switch on a deliberate bug, to watch the checker catch it
                    (${BROKEN_VARIANT_NAMES.join(", ")})
  --requests N      requests submitted (default: the scenario's own count)
  --list            list scenarios and broken variants
  -h, --help        this text

Exit codes: 0 every run passed the checker, 1 a violation was found, 2 usage error.

Examples:
  paxosctl sim --list
  paxosctl sim --scenario failover --seed 7 --verbose
  paxosctl sim --scenario all --runs 100
  paxosctl sim --scenario stale-coordinator --runs 20 --broken acceptLowerRounds`;

function parseCount(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a non-negative integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > 0xffff_ffff) throw new UsageError(`--${name} must be between ${min} and ${0xffff_ffff}`);
  return n;
}

function describe(r: RunResult): string[] {
  const done = r.doneAt === null ? "not all delivered" : `all delivered by t=${r.doneAt.toFixed(1)}ms`;
  const lines = [
    `scenario ${r.scenario} seed ${r.seed}: ${r.requests} requests, faults stop at t=${r.healAt.toFixed(1)}ms, ${done}`,
    `  messages sent ${r.stats.messagesSent}, copies delivered ${r.stats.copiesDelivered}, events ${r.stats.events}`,
  ];
  for (const v of r.violations) lines.push(`  VIOLATION ${v.kind}: ${v.detail}`);
  lines.push(r.violations.length === 0 ? "  checker: ok" : `  replay: ${replayCommand(r)}`);
  return lines;
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.list) {
    io.out("Scenarios:");
    for (const s of SCENARIOS) io.out(`  ${s.name.padEnd(18)} ${s.summary}`);
    io.out(`Broken variants: ${BROKEN_VARIANT_NAMES.join(", ")}`);
    return ExitCode.OK;
  }
  if (!values.scenario) throw new UsageError("--scenario is required (or --list)");
  const scenarios = values.scenario === "all" ? SCENARIOS : [findScenario(values.scenario)];
  if (scenarios[0] === undefined) {
    throw new UsageError(
      `unknown scenario '${values.scenario}'; one of: all, ${SCENARIOS.map((s) => s.name).join(", ")}`,
    );
  }
  let broken: BrokenVariantName | undefined;
  if (values.broken !== undefined) {
    if (!(BROKEN_VARIANT_NAMES as readonly string[]).includes(values.broken)) {
      throw new UsageError(
        `unknown broken variant '${values.broken}'; one of: ${BROKEN_VARIANT_NAMES.join(", ")}`,
      );
    }
    broken = values.broken as BrokenVariantName;
  }
  const seed = parseCount("seed", values.seed, 1, 0);
  const runs = parseCount("runs", values.runs, 1, 1);
  const requests = values.requests === undefined ? undefined : parseCount("requests", values.requests, 0, 1);
  let failed = 0;
  let total = 0;
  for (const scenario of scenarios) {
    if (!scenario) continue;
    let scenarioFailed = 0;
    let firstFailure: RunResult | null = null;
    const started = performance.now();
    for (let k = 0; k < runs; k++) {
      const r = runScenario(scenario, {
        seed: seed + k,
        trace: values.verbose ?? false,
        ...(broken ? { broken: { [broken]: true } } : {}),
        ...(requests !== undefined ? { requests } : {}),
      });
      total++;
      if (r.violations.length > 0) {
        scenarioFailed++;
        firstFailure ??= r;
      }
      if (values.verbose) {
        for (const line of r.trace) io.out(line);
      }
      if (runs === 1 || values.verbose) {
        for (const e of r.events) if (!values.verbose) io.out(`${fmtTime(e.at)} ${e.text}`);
        for (const line of describe(r)) io.out(line);
      }
    }
    failed += scenarioFailed;
    if (runs > 1) {
      const ms = (performance.now() - started) / runs;
      io.out(
        `${scenario.name.padEnd(18)} ${runs - scenarioFailed}/${runs} passed  (seeds ${seed}..${seed + runs - 1}, ${ms.toFixed(1)} ms/run)`,
      );
      if (firstFailure) for (const line of describe(firstFailure)) io.out(`  ${line}`);
    }
  }
  if (runs > 1 || scenarios.length > 1)
    io.out(`total: ${total - failed}/${total} runs passed${broken ? ` (broken: ${broken})` : ""}`);
  return failed === 0 ? ExitCode.OK : ExitCode.FAILURE;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      scenario: { type: "string" },
      seed: { type: "string" },
      runs: { type: "string" },
      verbose: { type: "boolean" },
      broken: { type: "string" },
      requests: { type: "string" },
      list: { type: "boolean" },
    },
  });
}

export const simCommand: Command = {
  name: "sim",
  summary: "run the deterministic Paxos fault simulator (scenarios × seeds, checker)",
  help: HELP,
  run,
};
