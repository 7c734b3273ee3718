// Runs a scenario over a range of seeds and formats failures with their replay commands.
import { type RunOptions, type RunResult, replayCommand, runScenario } from "../../src/paxos/sim/run.js";

export interface Sweep {
  results: RunResult[];
  failures: RunResult[];
}

export function sweep(
  scenario: string,
  firstSeed: number,
  runs: number,
  options: Omit<RunOptions, "seed"> = {},
): Sweep {
  const results: RunResult[] = [];
  for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
    results.push(runScenario(scenario, { ...options, seed }));
  }
  return { results, failures: results.filter((r) => r.violations.length > 0) };
}

/** One line per failing run: what broke and how to replay it. */
export function describeFailures(failures: readonly RunResult[], max = 5): string {
  return failures
    .slice(0, max)
    .map(
      (r) =>
        `${r.scenario} seed ${r.seed}: ${r.violations.map((v) => `${v.kind}: ${v.detail}`).join("; ")}\n` +
        `  replay: ${replayCommand(r)}`,
    )
    .join("\n");
}

/** Seeds of the results for which `ok` does not hold, with the replay command of the first. */
export function seedsWhere(results: readonly RunResult[], ok: (r: RunResult) => boolean): string {
  const bad = results.filter((r) => !ok(r));
  if (bad.length === 0) return "";
  return `seeds ${bad.map((r) => r.seed).join(", ")}; replay: ${replayCommand(bad[0]!)}`;
}
