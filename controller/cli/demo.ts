// `paxosctl demo`: the real system on this machine, no root and no P4 tools: compile the data
// plane, launch a deployment on loopback as processes (controller/launch/), run a KV workload
// through the switches, SIGKILL the coordinator switch midway, watch the controller fail over to
// the server coordinator and back once the switch process is restarted, and check the outcome:
// both replicas identical, the client history linearizable. `--simulated` runs demo-sim.ts.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { KvClient } from "../../hosts/kv/client.js";
import { checkLinearizable, formatHistory } from "../../hosts/kv/linearizability.js";
import { coordinatorSwitchOf } from "../desired/compute.js";
import { buildPipeline } from "../launch/compile.js";
import { LogFollower, type StampedLine } from "../launch/follow.js";
import { LaunchedCluster, loadOrThrow } from "../launch/launcher.js";
import { LaunchError, paxosctlBin, tail } from "../launch/process.js";
import { fmtMs, largestGap, progressBar, quantile } from "../launch/stats.js";
import { Workload, type WorkloadResult } from "../launch/workload.js";
import { type CliIO, type Command, ExitCode, UsageError } from "./command.js";
import { runSimulatedDemo, SIMULATED_HELP } from "./demo-sim.js";

const HELP = `Usage: paxosctl demo [--requests N] [--rate R] [--seed N] [--keep] [-c FILE]
       paxosctl demo --simulated [--seed N] [--requests N] [--entries N]

Run p4paxos for real on this machine (no root, no P4 tools; docs/demo.md): compile p4/paxos.p4
(p4c-bm2-ss if it is on PATH, else the embedded compiler), start one coordinator switch, three
acceptor switches and an edge switch as embedded switch processes wired by UDP tunnels, the
server coordinator, two KV replicas and the controller ('paxosctl up --daemon'), then run a KV
workload (puts, compare-and-swaps, gets) through the switches with a progress bar. Midway the
coordinator switch process is killed (SIGKILL): the controller notices the missing PONGs and
hands the group to the server coordinator. The switch process is then restarted, empty, and the
controller gives the group back to it in a new round. The run ends with a summary: commands
decided, throughput, latency, the time without service around the kill, whether both replicas'
logs and stores are identical, and whether the clients' history is linearizable.

Options:
  --requests N   KV operations (default 3000)
  --rate R       operations started per second (default 150)
  --seed N       seed of the workload (default 1)
  --keep         leave the cluster running at the end (stop it with 'paxosctl cluster down')
  -c FILE        deployment (default examples/demo.yaml)
  --run-dir DIR  run directory (default build/cluster/NAME)
  --simulated    the simulated demo instead (one process, simulated network): see below

Exit code 0 only if every check passed: failover and fail-back happened, both replicas hold the
same log and store, and the history is linearizable. Ctrl-C stops everything it started.

Examples:
  paxosctl demo
  paxosctl demo --requests 500 --rate 100 --seed 7
  paxosctl demo --keep && paxosctl status -c build/cluster/demo/deploy.yaml

${SIMULATED_HELP}`;

function int(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be an integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}`);
  return n;
}

/** The repository the CLI runs from (bin/paxosctl's parent). */
const repoRoot = (): string => dirname(dirname(paxosctlBin()));

interface ReplicaStatus {
  merged: number;
  digest: string;
  positions: Record<string, number>;
}

async function replicaStatus(url: string): Promise<ReplicaStatus | null> {
  const r = await new KvClient(url, 3000).status();
  if (r.kind !== "ok" || r.status !== 200) return null;
  const learner = r.body.learner as { merged?: number; positions?: Record<string, number> } | undefined;
  return {
    merged: learner?.merged ?? -1,
    digest: String(r.body.digest),
    positions: learner?.positions ?? {},
  };
}

/** Polls both replicas until they report the same log length and digest (or time runs out). */
async function converge(urls: string[], timeoutMs: number): Promise<(ReplicaStatus | null)[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await Promise.all(urls.map(replicaStatus));
    const same = s.every((x) => x && x.merged === s[0]!.merged && x.digest === s[0]!.digest);
    if (same || Date.now() > end) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Byte-compares the replicas' log files (docs/hosts.md "Persistence format"). */
function compareLogs(files: string[]): { same: boolean; bytes: number[] } {
  const data = files.map((f) => (existsSync(f) ? readFileSync(f) : Buffer.alloc(0)));
  const bytes = data.map((d) => d.length);
  return { same: data.every((d) => d.length > 8 && d.equals(data[0]!)), bytes };
}

interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

async function run(args: string[], io: CliIO): Promise<number> {
  if (args.includes("--simulated"))
    return runSimulatedDemo(
      args.filter((a) => a !== "--simulated"),
      io,
    );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        requests: { type: "string" },
        rate: { type: "string" },
        seed: { type: "string" },
        keep: { type: "boolean" },
        config: { type: "string", short: "c" },
        "run-dir": { type: "string" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const requests = int("requests", values.requests as string | undefined, 3000, 20, 1_000_000);
  const rate = int("rate", values.rate as string | undefined, 150, 1, 100_000);
  const seed = int("seed", values.seed as string | undefined, 1, 0, 0xffff_ffff);
  const keep = values.keep === true;
  let config = values.config as string | undefined;
  let baseDir = process.cwd();
  if (config === undefined) {
    config = "examples/demo.yaml";
    if (!existsSync(config)) {
      baseDir = repoRoot();
      config = join(baseDir, "examples", "demo.yaml");
    }
  }
  try {
    return await demo(
      { config, baseDir, runDir: values["run-dir"] as string | undefined, requests, rate, seed, keep },
      io,
    );
  } catch (e) {
    if (e instanceof LaunchError) {
      io.err(`paxosctl demo: ${e.message}`);
      return ExitCode.FAILURE;
    }
    throw e;
  }
}

interface DemoOptions {
  config: string;
  baseDir: string;
  runDir?: string;
  requests: number;
  rate: number;
  seed: number;
  keep: boolean;
}

async function demo(o: DemoOptions, io: CliIO): Promise<number> {
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const stamp = (ms: number) => `[${(ms / 1000).toFixed(1).padStart(5)} s]`;
  // On a terminal the progress bar is redrawn in place; event lines clear it first.
  const tty = Boolean(process.stdout.isTTY) && !process.env.VITEST;
  let barShown = false;
  const say = (line: string) => {
    if (barShown) process.stdout.write("\r\x1b[K");
    barShown = false;
    io.out(`${stamp(clock())} ${line}`);
  };
  const d = await loadOrThrow(o.config);
  const coord = coordinatorSwitchOf(d, d.paxos.groups[0]!.id);
  if (!coord) throw new LaunchError(`${o.config}: group ${d.paxos.groups[0]!.id} has no coordinator switch`);
  const kvHosts = d.hosts.filter((h) => h.roles.kv).map((h) => h.name);
  if (kvHosts.length < 2) throw new LaunchError(`${o.config}: the demo needs two KV replicas (kv: true)`);
  const runDir = resolve(o.runDir ?? join("build", "cluster", d.name));
  io.out(
    `p4paxos demo: deployment ${d.name} on 127.0.0.1; ${o.requests} KV operations at ${o.rate}/s, seed ${o.seed}`,
  );

  // Ctrl-C / SIGTERM: stop everything started so far, then leave.
  let cluster: LaunchedCluster | null = null;
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    io.err(`${sig}: stopping the cluster`);
    void (cluster?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  };
  const onExit = () => cluster?.stopSync();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", onExit);
  const stopAtEnd = !o.keep;
  try {
    const p = buildPipeline(d, `${runDir}-p4`, o.baseDir);
    say(
      `compiled ${d.p4.program} with ${p.compiler === "embedded" ? "the embedded compiler" : "p4c-bm2-ss"} in ${fmtMs(p.ms)}`,
    );
    say(
      `starting ${d.switches.length} switch processes, host bridges, ${d.hosts.filter((h) => h.roles.learner || h.roles["server-coordinator"] || h.roles["server-acceptor"]).length} agents, the controller`,
    );
    cluster = await LaunchedCluster.launch({
      config: o.config,
      runDir,
      baseDir: o.baseDir,
      pipeline: { json: p.json, p4info: p.p4info },
      log: (l) => say(`  ${l}`),
      started: (c) => {
        cluster = c;
      },
    });
    const c = cluster;
    const follower = new LogFollower(c.logFile("controller"), clock, (l) => {
      if (/^group \d+: |lost its|stream back|stream lost/.test(l.text)) say(`  controller: ${l.text}`);
    });
    follower.poll();
    follower.start();
    say(
      `deployed: ${follower.lines
        .filter((l) => /served by/.test(l.text))
        .map((l) => l.text)
        .join("; ")}`,
    );

    const urls = kvHosts.map((h) => c.kvUrls()[h]!);
    const workload = new Workload({
      urls,
      requests: o.requests,
      rate: o.rate,
      concurrency: 16,
      keys: 16,
      seed: o.seed,
    });
    const killName = `switch-${coord.name}`;
    let killAt: number | null = null;
    let restartAt: number | null = null;
    let restarting: Promise<void> | null = null;
    let restartError: Error | null = null;
    const restart = (why: string) => {
      follower.poll();
      restartAt = clock();
      say(`restarting ${coord.name}${why}`);
      restarting = c.restart(killName).then(
        () => say(`  ${coord.name} is up again`),
        (e: Error) => {
          restartError = e;
        },
      );
    };
    let failoverSeen: StampedLine | undefined;
    let lastTenth = -1;
    let crashed: string | null = null;
    const onTick = () => {
      const done = workload.completed;
      // A process that dies by itself ends the run: nothing after it would mean anything.
      const dead = c.unexpectedExits();
      if (crashed === null && dead.length > 0) {
        crashed = dead
          .map(
            (p) =>
              `${p.name} exited (${p.exitedWith}); last lines of ${p.log}:\n${tail(p.log)
                .map((l) => `    | ${l}`)
                .join("\n")}`,
          )
          .join("\n");
        say(`${dead.map((p) => p.name).join(", ")} exited unexpectedly; stopping the workload`);
        workload.stop();
      }
      if (tty) {
        process.stdout.write(`\r  ${progressBar(done, o.requests)} ${done}/${o.requests}`);
        barShown = true;
      } else if (Math.floor((done * 10) / o.requests) > lastTenth) {
        lastTenth = Math.floor((done * 10) / o.requests);
        say(`  workload ${progressBar(done, o.requests, 20)} ${done}/${o.requests}`);
      }
      // The crash: 40% in. The restart: once the server serves and 60% are done.
      if (killAt === null && done >= o.requests * 0.4) {
        killAt = clock();
        say(`SIGKILL to the coordinator switch process (${coord.name}, pid ${c.process(killName)?.pid})`);
        void c.kill(killName).catch((e: Error) => say(`kill failed: ${e.message}`));
      }
      failoverSeen ??= follower.find(/served by server coordinator/);
      if (killAt !== null && restarting === null && failoverSeen && done >= o.requests * 0.6) {
        restart(" (empty: no pipeline, no registers)");
      }
    };
    const ticker = setInterval(onTick, 100);
    say(`workload: ${o.requests} operations on ${kvHosts.join(" and ")} (16 clients, 16 keys)`);
    let result: WorkloadResult;
    try {
      result = await workload.run();
    } finally {
      clearInterval(ticker);
    }
    onTick();
    if (barShown) process.stdout.write("\n");
    barShown = false;
    // Make sure the restart happened and wait for the fail-back (or time out).
    if (killAt !== null && restarting === null && crashed === null) {
      failoverSeen ??= await follower.waitFor(/served by server coordinator/, 0, 10_000);
      if (failoverSeen) restart(" (empty: no pipeline, no registers)");
    }
    if (restarting) await restarting;
    const failback =
      restartAt === null || crashed !== null
        ? undefined
        : await follower.waitFor(new RegExp(`served by switch ${coord.name} in round`), restartAt, 15_000);
    follower.stop();

    // Agreement between the replicas: the same log length and store digest, the same log file.
    say("waiting for the replicas to agree");
    const statuses = await converge(urls, 10_000);
    const logs = compareLogs(kvHosts.map((h) => join(c.runDir, "data", h, "learner", "log.bin")));
    const lin = checkLinearizable(result.history);

    // Numbers.
    const lat = result.latencies;
    const seconds = result.elapsedMs / 1000;
    // Completion times on the demo's clock (the workload's starts later).
    const done = result.completions.map((x) => x + workload.t0 - t0);
    const failoverLine = follower.lines.find((l) => /served by server coordinator/.test(l.text));
    // From the kill until the server coordinator serves: the gap that spans the outage.
    const failoverGap = killAt === null ? null : largestGap(done, killAt, failoverLine?.at ?? killAt + 1);
    const failbackGap = restartAt === null ? null : largestGap(done, restartAt, clock());
    const s0 = statuses[0];
    const identical = statuses.every((s) => s && s0 && s.merged === s0.merged && s.digest === s0.digest);
    const checks: Check[] = [
      {
        what: "failover",
        ok: failoverLine !== undefined,
        detail: failoverLine
          ? failoverLine.text.replace(/^group \d+: /, "")
          : "the controller never handed the group to the server coordinator",
      },
      {
        what: "fail-back",
        ok: failback !== undefined,
        detail: failback
          ? failback.text.replace(/^group \d+: /, "")
          : restartError
            ? `the switch did not restart: ${(restartError as Error).message}`
            : "the switch did not get the group back",
      },
      {
        what: "replicas identical",
        ok: identical,
        detail: statuses
          .map(
            (s, i) =>
              `${kvHosts[i]} ${s ? `${s.merged} entries, digest ${s.digest.slice(0, 12)}` : "no answer"}`,
          )
          .join("; "),
      },
      {
        what: "logs identical",
        ok: logs.same,
        detail: `log.bin ${logs.bytes.join(" / ")} bytes${logs.same ? ", byte for byte" : ""}`,
      },
      {
        what: "linearizable",
        ok: lin.ok === true,
        detail:
          lin.ok === true
            ? `${result.history.length} operations over ${lin.keys} keys`
            : lin.ok === false
              ? `key ${lin.key}: ${lin.reason}\n${formatHistory(lin.ops)}`
              : `undecided: ${lin.reason}`,
      },
    ];
    if (crashed !== null) checks.unshift({ what: "processes", ok: false, detail: crashed });
    if (result.errors.length) {
      checks.push({ what: "requests well-formed", ok: false, detail: result.errors.slice(0, 3).join("; ") });
    }

    io.out("");
    io.out("Summary");
    const row = (k: string, v: string) => io.out(`  ${k.padEnd(22)} ${v}`);
    row(
      "commands decided",
      `${s0?.merged ?? "?"} log entries (group 0: ${s0?.positions["0"] ?? "?"} instances)`,
    );
    row(
      "requests",
      `${o.requests}: ${result.answered} answered, ${result.unknown} without answer (outcome unknown)`,
    );
    row(
      "throughput",
      `${(result.answered / seconds).toFixed(0)} ops/s over ${seconds.toFixed(1)} s (offered ${o.rate}/s)`,
    );
    row(
      "latency",
      `p50 ${fmtMs(quantile(lat, 0.5))}, p99 ${fmtMs(quantile(lat, 0.99))}, max ${fmtMs(Math.max(...lat))}`,
    );
    if (failoverGap)
      row("without service", `${fmtMs(failoverGap.ms)} around the kill (largest gap between completions)`);
    if (failbackGap)
      row("fail-back gap", `${fmtMs(failbackGap.ms)} (largest gap between completions after the restart)`);
    for (const ch of checks) row(ch.what, `${ch.ok ? "yes" : "NO"}: ${ch.detail}`);
    const pass = checks.every((ch) => ch.ok);
    io.out("");
    io.out(
      pass
        ? "demo: PASS"
        : `demo: FAIL (${checks
            .filter((ch) => !ch.ok)
            .map((ch) => ch.what)
            .join(", ")}); logs in ${c.runDir}/logs`,
    );
    if (o.keep) {
      io.out(`cluster left running; deployment ${c.record.deployFile}`);
      for (const [h, url] of Object.entries(c.kvUrls())) io.out(`  ${h}: ${url}/kv/KEY`);
      io.out(`stop it with: paxosctl cluster down --run-dir ${c.runDir}`);
    }
    return pass ? ExitCode.OK : ExitCode.FAILURE;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", onExit);
    if (cluster && stopAtEnd) await cluster.stop();
  }
}

export const demoCommand: Command = {
  name: "demo",
  summary:
    "run p4paxos on loopback: switches, controller, KV replicas, a coordinator crash, failover and fail-back",
  help: HELP,
  run,
};
