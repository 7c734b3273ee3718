// `paxosctl demo --simulated`: a whole p4paxos cluster in one process — the real roles of src/paxos on a
// seeded simulated network — with a KV workload, a switch-coordinator crash, failover to the
// server coordinator, and fail-back. Everything printed is computed by the run.
import { parseArgs } from "node:util";
import { isNoopCommand, type Command as PaxosCommand } from "../../src/paxos/command.js";
import { type RunResult, runScenario } from "../../src/paxos/sim/run.js";
import { demoScenario } from "../../src/paxos/sim/scenarios.js";
import { fmtTime } from "../../src/paxos/sim/world.js";
import { type CliIO, ExitCode, UsageError } from "./command.js";

export const SIMULATED_HELP = `Usage: paxosctl demo --simulated [--seed N] [--requests N] [--entries N]

Run a simulated p4paxos cluster in this process: 3 acceptors, a switch coordinator, a
server-side (recovery) coordinator, a controller, 2 learners each with a replicated KV store,
and 3 proposers submitting "put key value" commands over a lossy, reordering network. A third
of the way in, the switch coordinator crashes; the controller notices the missing PONGs and
fails over to the server coordinator; the switch reboots with empty registers and later gets
the coordinator role back in a fresh round. The protocol code is the same that the tests check.

Options:
  --seed N       seed of the simulated network and workload (default 1)
  --requests N   commands to submit (default 60, at most 5000)
  --entries N    log entries to show (default 8)
  -h, --help     this text

Exit code 0 only if both learners' logs and KV stores are identical and the checker found no
violation.

Examples:
  paxosctl demo --simulated
  paxosctl demo --simulated --seed 42 --requests 200`;

function count(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be an integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}`);
  return n;
}

function show(c: PaxosCommand): string {
  return isNoopCommand(c)
    ? "no-op"
    : `${JSON.stringify(new TextDecoder().decode(c.value))} (request ${c.proposer}:${c.seq})`;
}

/** Applies "put key value" commands in log order. */
function kvState(applied: readonly { command: PaxosCommand }[]): Map<string, string> {
  const kv = new Map<string, string>();
  for (const { command } of applied) {
    const [op, key, value] = new TextDecoder().decode(command.value).split(" ");
    if (op === "put" && key !== undefined && value !== undefined) kv.set(key, value);
  }
  return kv;
}

function report(r: RunResult, entries: number, io: CliIO): boolean {
  const w = r.world;
  const [l1, l2] = w.history.learners;
  if (!l1 || !l2) throw new Error("the demo cluster needs two learners");
  io.out(
    `p4paxos demo — seed ${r.seed}: ${w.config.acceptors} acceptors, ${w.config.learners} learners, ` +
      `${w.config.proposers} proposers, ring size ${w.config.ringSize}, ${r.requests} requests`,
  );
  io.out("");
  io.out("Events:");
  for (const e of r.events) io.out(`  ${fmtTime(e.at)}  ${e.text}`);
  io.out("");
  const noops = l1.delivered.filter((d) => isNoopCommand(d.command)).length;
  const dups = l1.delivered.length - noops - l1.applied.length;
  io.out(
    `Decisions: ${l1.delivered.length} instances decided and delivered in order ` +
      `(${l1.applied.length} commands applied, ${noops} no-ops, ${dups} duplicate retries skipped)`,
  );
  io.out(
    `Network: ${r.stats.messagesSent} messages sent, ${r.stats.copiesDelivered} copies delivered; ` +
      `messages dropped by acceptors (${[...w.acceptors.keys()].join("/")}): ` +
      [...w.acceptors.values()].map((a) => a.counters.totalDrops()).join("/"),
  );
  io.out(
    r.doneAt === null
      ? "Not every request was delivered."
      : `Every request delivered by ${fmtTime(r.doneAt)}.`,
  );
  io.out("");
  io.out(`First ${Math.min(entries, l1.delivered.length)} log entries (learner 1):`);
  for (const d of l1.delivered.slice(0, entries))
    io.out(`  instance ${String(d.instance).padStart(4)}: ${show(d.command)}`);
  const kv1 = kvState(l1.applied);
  const kv2 = kvState(l2.applied);
  const sample = [...kv1].sort(([a], [b]) => a.localeCompare(b)).slice(0, 5);
  io.out("");
  io.out(`KV store (learner 1): ${kv1.size} keys, e.g. ${sample.map(([k, v]) => `${k}=${v}`).join(" ")}`);
  const sameLog =
    l1.delivered.length === l2.delivered.length &&
    l1.delivered.every(
      (d, i) => JSON.stringify(show(d.command)) === JSON.stringify(show(l2.delivered[i]!.command)),
    );
  const sameKv = kv1.size === kv2.size && [...kv1].every(([k, v]) => kv2.get(k) === v);
  io.out("");
  io.out(
    `Learner logs identical: ${sameLog ? "yes" : "NO"} (${l1.delivered.length} vs ${l2.delivered.length} entries)`,
  );
  io.out(`KV stores identical:    ${sameKv ? "yes" : "NO"}`);
  io.out(
    `Checker: ${r.violations.length === 0 ? "no violations" : r.violations.map((v) => `${v.kind}: ${v.detail}`).join("; ")}`,
  );
  return sameLog && sameKv && r.violations.length === 0 && r.doneAt !== null;
}

/** `paxosctl demo --simulated` with the flag already removed from `args`. */
export async function runSimulatedDemo(args: string[], io: CliIO): Promise<number> {
  let values: { seed?: string; requests?: string; entries?: string };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { seed: { type: "string" }, requests: { type: "string" }, entries: { type: "string" } },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const seed = count("seed", values.seed, 1, 0, 0xffff_ffff);
  const requests = count("requests", values.requests, 60, 1, 5000);
  const entries = count("entries", values.entries, 8, 0, 1000);
  const result = runScenario(demoScenario(requests), { seed });
  return report(result, entries, io) ? ExitCode.OK : ExitCode.FAILURE;
}
