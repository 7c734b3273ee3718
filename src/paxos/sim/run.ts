// One simulation run: a scenario, a seed, optionally a broken variant → the checker's verdict.
import { allDelivered, checkLiveness, checkSafety, type Violation } from "./checker.js";
import { Prng } from "./prng.js";
import { findScenario, type Scenario } from "./scenarios.js";
import { type BrokenVariants, type ClusterConfig, DEFAULT_TIMING } from "./types.js";
import { World, type WorldEvent, type WorldStats } from "./world.js";

/** After the faults stop, every request must take effect at every learner within this (ms). */
export const LIVENESS_BOUND = 1500;

export interface RunOptions {
  seed: number;
  trace?: boolean;
  broken?: BrokenVariants;
  /** Overrides the scenario's request count. */
  requests?: number;
}

export interface RunResult {
  scenario: string;
  seed: number;
  violations: Violation[];
  /** When the faults stopped. */
  healAt: number;
  /** When every request had taken effect everywhere (null: never, within the bound). */
  doneAt: number | null;
  requests: number;
  /** The request count given in the options (undefined: the scenario's own). */
  requestsOverride: number | undefined;
  broken: BrokenVariants;
  events: WorldEvent[];
  trace: string[];
  stats: WorldStats;
  world: World;
}

export class UnknownScenarioError extends Error {
  override readonly name = "UnknownScenarioError";
}

/** The one-line command that replays a run with its full trace. */
export function replayCommand(
  run: Pick<RunResult, "scenario" | "seed" | "broken" | "requestsOverride">,
): string {
  const broken = Object.entries(run.broken)
    .filter(([, on]) => on)
    .map(([name]) => ` --broken ${name}`)
    .join("");
  const requests = run.requestsOverride === undefined ? "" : ` --requests ${run.requestsOverride}`;
  return `./bin/paxosctl sim --scenario ${run.scenario} --seed ${run.seed}${broken}${requests} --verbose`;
}

export function runScenario(scenarioOrName: Scenario | string, options: RunOptions): RunResult {
  const scenario = typeof scenarioOrName === "string" ? findScenario(scenarioOrName) : scenarioOrName;
  if (!scenario) throw new UnknownScenarioError(`unknown scenario '${String(scenarioOrName)}'`);
  const rng = new Prng(options.seed);
  const shapeRng = rng.fork();
  const faultRng = rng.fork();
  const workRng = rng.fork();
  const shape = scenario.shape(shapeRng);
  const config: ClusterConfig = {
    seed: rng.nextU32(),
    acceptors: 3,
    learners: 2,
    proposers: 2,
    groups: [0],
    ringSize: 64,
    window: 4,
    ...shape.cluster,
    timing: { ...DEFAULT_TIMING, ...shape.timing },
    broken: options.broken ?? {},
    trace: options.trace ?? false,
  };
  const world = new World(config);
  const healAt = scenario.faults(world, faultRng);
  const requests = options.requests ?? shape.requests;
  const encoder = new TextEncoder();
  for (let k = 0; k < requests; k++) {
    const node = `prop${(k % config.proposers) + 1}`;
    const value = encoder.encode(`put k${workRng.int(10)} v${k}`);
    world.at(workRng.range(0, shape.submitUntil), () => world.submit(node, value));
  }
  const deadline = healAt + LIVENESS_BOUND;
  let doneAt: number | null = null;
  for (let t = 10; ; t += 10) {
    world.run(Math.min(t, deadline));
    if (
      world.now >= shape.submitUntil &&
      world.history.mustDeliver.size === requests &&
      allDelivered(world.history)
    ) {
      doneAt = world.now;
      if (world.now >= healAt) break;
    }
    if (world.now >= deadline) break;
  }
  const violations = [...checkSafety(world.history), ...checkLiveness(world.history, deadline)];
  return {
    scenario: scenario.name,
    seed: options.seed,
    violations,
    healAt,
    doneAt,
    requests,
    requestsOverride: options.requests,
    broken: config.broken,
    events: world.events,
    trace: world.trace,
    stats: world.stats,
    world,
  };
}
