// `paxosctl cluster up|down|status`: a deployment launched on 127.0.0.1 as separate processes
// (controller/launch/), and `paxosctl cluster bridge`, the host-bridge process it starts.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { HostBridge } from "../launch/bridge.js";
import {
  defaultRunDir,
  LaunchedCluster,
  liveProcesses,
  loadOrThrow,
  readRecord,
  stopRecorded,
} from "../launch/launcher.js";
import type { BridgePlan } from "../launch/plan.js";
import { isOurs, LaunchError } from "../launch/process.js";
import { type CliIO, type Command, ExitCode, UsageError } from "./command.js";

const HELP = `Usage: paxosctl cluster up -c FILE [--run-dir DIR] [--detach] [--no-controller]
                             [--json BMV2.json --p4info P4INFO]
       paxosctl cluster down (-c FILE | --run-dir DIR)
       paxosctl cluster status (-c FILE | --run-dir DIR) [--json]

Run a deployment on this machine, without root: every switch is an embedded switch process
('paxosctl switch') on free loopback ports, its data-plane ports UDP tunnels wired cable for
cable as the deployment says; every host's cable ends at a bridge that turns the raw Ethernet
frames into loopback UDP for the host's agent ('paxosctl agent'); the controller runs as
'paxosctl up --daemon'. Each process is waited for by its readiness line; if one does not start,
the error shows the last lines of its log. Logs, agent plans, the rewritten deployment
(deploy.yaml, for 'paxosctl status -c' and friends), the controller's state and the pids are in
the run directory (default build/cluster/NAME).

  up       start the cluster; stays in the foreground until Ctrl-C (then stops everything),
           or with --detach returns once everything is ready and leaves it running
  down     stop every process a run directory lists (by pid; SIGTERM, then SIGKILL)
  status   the processes, whether they still run, and the KV and control endpoints

Options:
  -c, --config FILE    the deployment (docs/deployment.md)
  --run-dir DIR        run directory (default build/cluster/NAME)
  --detach             up: return when ready; stop it later with 'paxosctl cluster down'
  --no-controller      up: start switches, bridges and agents only ('paxosctl up' is yours to run)
  --json F --p4info F  up: a compiled pipeline for the controller (default: it compiles p4.program)
  --json               status: machine-readable output

Examples:
  paxosctl cluster up -c examples/demo.yaml --detach
  paxosctl cluster status -c examples/demo.yaml
  paxosctl status -c build/cluster/demo/deploy.yaml
  paxosctl cluster down -c examples/demo.yaml`;

type Values = Record<string, string | boolean | undefined>;

async function runDirOf(v: Values): Promise<string> {
  if (typeof v["run-dir"] === "string") return v["run-dir"];
  if (typeof v.config !== "string") throw new UsageError("need -c FILE or --run-dir DIR");
  return defaultRunDir((await loadOrThrow(v.config)).name);
}

async function up(v: Values, io: CliIO): Promise<number> {
  if (typeof v.config !== "string") throw new UsageError("missing -c FILE");
  if ((typeof v.json === "string") !== (typeof v.p4info === "string"))
    throw new UsageError("--json and --p4info go together");
  // Ctrl-C or SIGTERM (also while starting): stop what was started, then leave.
  let cluster: LaunchedCluster | null = null;
  let signalled: (sig: string) => void = () => {};
  const signal = new Promise<string>((resolve) => {
    signalled = resolve;
  });
  const onInt = () => signalled("SIGINT");
  const onTerm = () => signalled("SIGTERM");
  const onExit = () => cluster?.stopSync();
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.on("exit", onExit);
  try {
    const launching = LaunchedCluster.launch({
      config: v.config,
      runDir: typeof v["run-dir"] === "string" ? v["run-dir"] : undefined,
      controller: v["no-controller"] !== true,
      pipeline: typeof v.json === "string" ? { json: v.json, p4info: v.p4info as string } : undefined,
      log: (l) => io.out(l),
      started: (c) => {
        cluster = c;
      },
    });
    const first = await Promise.race([launching.then(() => null), signal]);
    if (first !== null) {
      io.out(`${first}: stopping`);
      await (cluster as LaunchedCluster | null)?.stop();
      await launching.catch(() => {});
      return ExitCode.FAILURE;
    }
    const c = await launching;
    for (const [h, url] of Object.entries(c.kvUrls())) io.out(`  ${h}: KV API ${url}/kv/KEY`);
    io.out(`  deployment for paxosctl commands: ${c.record.deployFile}`);
    if (v.detach === true) {
      cluster = null; // left running on purpose
      io.out(`cluster ${c.record.name} running; stop it with: paxosctl cluster down --run-dir ${c.runDir}`);
      return ExitCode.OK;
    }
    io.out("cluster running; Ctrl-C stops it");
    io.out(`${await signal}: stopping`);
    await c.stop();
    return ExitCode.OK;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("exit", onExit);
  }
}

async function down(v: Values, io: CliIO): Promise<number> {
  const dir = await runDirOf(v);
  const rec = readRecord(dir);
  if (!rec) {
    io.err(`no cluster recorded in ${dir}`);
    return ExitCode.FAILURE;
  }
  const stopped = await stopRecorded(rec);
  io.out(stopped.length ? `stopped ${stopped.join(", ")}` : `nothing of cluster ${rec.name} was running`);
  return ExitCode.OK;
}

async function status(v: Values, io: CliIO): Promise<number> {
  const dir = await runDirOf(v);
  const rec = readRecord(dir);
  if (!rec) {
    io.err(`no cluster recorded in ${dir}`);
    return ExitCode.FAILURE;
  }
  const rows = rec.processes.map((p) => ({ name: p.name, pid: p.pid, running: isOurs(p), log: p.log }));
  if (v.json === true) {
    io.out(
      JSON.stringify(
        { name: rec.name, runDir: rec.runDir, deployFile: rec.deployFile, processes: rows, plan: rec.plan },
        null,
        2,
      ),
    );
  } else {
    io.out(`cluster ${rec.name} (${rec.runDir}); deployment ${rec.deployFile}`);
    for (const r of rows)
      io.out(`  ${r.name.padEnd(20)} pid ${String(r.pid).padEnd(8)} ${r.running ? "running" : "stopped"}`);
    for (const a of rec.plan.agents) {
      if (a.kvUrl) io.out(`  ${a.host}: KV API ${a.kvUrl}`);
      if (a.control) io.out(`  ${a.host}: control http://${a.control}/status`);
    }
  }
  return liveProcesses(rec).length === rec.processes.length ? ExitCode.OK : ExitCode.FAILURE;
}

/** The bridges process: one HostBridge per host of the plan, until SIGINT/SIGTERM. */
async function bridge(v: Values, io: CliIO): Promise<number> {
  if (typeof v.plan !== "string") throw new UsageError("bridge needs --plan FILE");
  const plans = JSON.parse(await readFile(v.plan, "utf8")) as BridgePlan[];
  const bridges: HostBridge[] = [];
  try {
    for (const p of plans) bridges.push(await HostBridge.open(p));
  } catch (e) {
    for (const b of bridges) await b.close();
    io.err(`bridges: ${(e as Error).message}`);
    return ExitCode.FAILURE;
  }
  io.out(`bridges ready: ${plans.map((p) => `${p.host}@udp:${p.nic}->${p.switchEnd}`).join(" ")}`);
  const sig = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  io.out(`${sig}: ${bridges.map((b) => `${b.plan.host} ${JSON.stringify(b.counters)}`).join(", ")}`);
  for (const b of bridges) await b.close();
  return ExitCode.OK;
}

async function run(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  let values: Values;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string", short: "c" },
        "run-dir": { type: "string" },
        detach: { type: "boolean" },
        "no-controller": { type: "boolean" },
        json: { type: sub === "status" ? "boolean" : "string" },
        p4info: { type: "string" },
        plan: { type: "string" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    switch (sub) {
      case "up":
        return await up(values, io);
      case "down":
        return await down(values, io);
      case "status":
        return await status(values, io);
      case "bridge":
        return await bridge(values, io);
      default:
        throw new UsageError(
          sub === undefined ? "missing up, down or status" : `unknown subcommand '${sub}'`,
        );
    }
  } catch (e) {
    if (e instanceof LaunchError) {
      io.err(`paxosctl cluster ${sub}: ${e.message}`);
      return ExitCode.FAILURE;
    }
    throw e;
  }
}

export const clusterCommand: Command = {
  name: "cluster",
  summary: "run a deployment on loopback as processes: switches, host bridges, agents, controller",
  help: HELP,
  run,
};
