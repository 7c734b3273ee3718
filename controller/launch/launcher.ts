// Launches a deployment on 127.0.0.1 as separate processes, in dependency order, each waited
// for by its readiness line: the switches (`paxosctl switch`, UDP-tunnel ports wired as the
// cables say), the host bridges (`paxosctl cluster bridge`), the host agents (`paxosctl agent
// --plan`), and the controller (`paxosctl up --daemon`). Everything it starts is recorded in the
// run directory (cluster.json) so that `paxosctl cluster down` stops it by pid.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatConfigError } from "../config/index.js";
import { loadDeployment } from "../config/load.js";
import type { Deployment } from "../config/types.js";
import { agentPlanJson } from "./agent-file.js";
import { rewriteDeployment } from "./deploy-file.js";
import { type ClusterPlan, countPorts, planCluster, switchArgs } from "./plan.js";
import { freePorts } from "./ports.js";
import {
  isOurs,
  killProcess,
  LaunchError,
  type ProcessRecord,
  type Spawned,
  spawnPaxosctl,
  stopProcess,
  waitReady,
} from "./process.js";

export interface LaunchOptions {
  /** The deployment file. */
  config: string;
  /** Default build/cluster/NAME (relative to the working directory). */
  runDir?: string;
  /** A compiled pipeline for the controller (else `paxosctl up` compiles p4.program itself). */
  pipeline?: { json: string; p4info: string };
  /** Start the controller (default true). */
  controller?: boolean;
  /** Progress, one line each. */
  log?: (line: string) => void;
  /** Per-process readiness timeout (default 30 s). */
  readyTimeoutMs?: number;
  /** Directory a relative `p4.program` is resolved against (default: the working directory). */
  baseDir?: string;
  /** Called before the first process starts, so a signal handler can stop a half-started cluster. */
  started?: (c: LaunchedCluster) => void;
}

/** What cluster.json holds. */
export interface ClusterRecord {
  name: string;
  config: string;
  deployFile: string;
  runDir: string;
  launcher: number;
  plan: ClusterPlan;
  processes: ProcessRecord[];
}

export const RECORD_FILE = "cluster.json";

const READY = {
  switch: /^switch ready: /,
  bridges: /^bridges ready: /,
  agent: /^(learner|server coordinator|server acceptor) \d+ on udp /,
  controller: /^controller running/,
};

export function defaultRunDir(name: string): string {
  return resolve("build", "cluster", name);
}

export function readRecord(runDir: string): ClusterRecord | null {
  try {
    return JSON.parse(readFileSync(join(runDir, RECORD_FILE), "utf8")) as ClusterRecord;
  } catch {
    return null;
  }
}

/** Processes of the record that are still running. */
export function liveProcesses(rec: ClusterRecord): ProcessRecord[] {
  return rec.processes.filter(isOurs);
}

/** Stops every process a record lists (controller first, switches last). */
export async function stopRecorded(rec: ClusterRecord): Promise<string[]> {
  const stopped: string[] = [];
  for (const p of [...rec.processes].reverse()) {
    if (!isOurs(p)) continue;
    await stopProcess(p);
    stopped.push(p.name);
  }
  return stopped;
}

export async function loadOrThrow(config: string): Promise<Deployment> {
  const r = await loadDeployment(config);
  if (!r.ok) {
    throw new LaunchError(
      `${config} is not a valid deployment:\n${r.errors.map((e) => `  ${formatConfigError(e, config)}`).join("\n")}`,
    );
  }
  return r.deployment;
}

export class LaunchedCluster {
  private readonly procs = new Map<string, Spawned>();
  /** Processes this launcher killed or stopped on purpose. */
  private readonly killed = new Set<Spawned>();
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly record: ClusterRecord,
    /** The deployment as launched (switch addresses on loopback). */
    readonly deployment: Deployment,
    private readonly log: (line: string) => void,
    private readonly readyTimeoutMs: number,
  ) {}

  get runDir(): string {
    return this.record.runDir;
  }

  get plan(): ClusterPlan {
    return this.record.plan;
  }

  /** KV replica host name → HTTP base URL. */
  kvUrls(): Record<string, string> {
    return Object.fromEntries(this.plan.agents.filter((a) => a.kvUrl).map((a) => [a.host, a.kvUrl!]));
  }

  logFile(name: string): string {
    return join(this.runDir, "logs", `${name}.log`);
  }

  process(name: string): Spawned | undefined {
    return this.procs.get(name);
  }

  static async launch(o: LaunchOptions): Promise<LaunchedCluster> {
    const log = o.log ?? (() => {});
    const original = await loadOrThrow(o.config);
    const runDir = resolve(o.runDir ?? defaultRunDir(original.name));
    const old = readRecord(runDir);
    if (old && liveProcesses(old).length > 0)
      throw new LaunchError(
        `cluster '${old.name}' is already running in ${runDir} (paxosctl cluster down -c ${o.config})`,
      );
    // A fresh run: no state, data or logs of an earlier one.
    rmSync(runDir, { recursive: true, force: true });
    for (const d of ["logs", "agents", "data"]) mkdirSync(join(runDir, d), { recursive: true });

    const ports = await freePorts(countPorts(original));
    const plan = planCluster(original, ports, { dataDir: (h) => join(runDir, "data", h) });
    const deployFile = join(runDir, "deploy.yaml");
    writeFileSync(
      deployFile,
      rewriteDeployment(readFileSync(o.config, "utf8"), {
        addresses: Object.fromEntries(plan.switches.map((s) => [s.name, s.grpc])),
        stateFile: join(runDir, "state.json"),
        baseDir: o.baseDir ?? process.cwd(),
      }),
    );
    const deployment = await loadOrThrow(deployFile);
    writeFileSync(join(runDir, "bridges.json"), `${JSON.stringify(plan.bridges, null, 2)}\n`);
    for (const a of plan.agents)
      writeFileSync(
        join(runDir, "agents", `${a.host}.json`),
        `${JSON.stringify(agentPlanJson(a.plan), null, 2)}\n`,
      );

    const record: ClusterRecord = {
      name: original.name,
      config: resolve(o.config),
      deployFile,
      runDir,
      launcher: process.pid,
      plan,
      processes: [],
    };
    const c = new LaunchedCluster(record, deployment, log, o.readyTimeoutMs ?? 30_000);
    o.started?.(c);
    try {
      await c.startAll(o);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  private async startAll(o: LaunchOptions): Promise<void> {
    const plan = this.plan;
    this.log(`run directory ${this.runDir}`);
    await Promise.all(plan.switches.map((s) => this.start(`switch-${s.name}`, switchArgs(s), READY.switch)));
    this.log(`switches ready: ${plan.switches.map((s) => `${s.name} (${s.grpc})`).join(", ")}`);
    await this.start(
      "bridges",
      ["cluster", "bridge", "--plan", join(this.runDir, "bridges.json")],
      READY.bridges,
    );
    await Promise.all(
      plan.agents.map((a) =>
        this.start(
          `agent-${a.host}`,
          ["agent", "--plan", join(this.runDir, "agents", `${a.host}.json`)],
          READY.agent,
        ),
      ),
    );
    this.log(`agents ready: ${plan.agents.map((a) => a.host).join(", ")}`);
    if (o.controller === false) return;
    const args = ["up", "-c", this.record.deployFile, "--daemon", "--watch-ms", "500"];
    for (const [h, addr] of Object.entries(plan.controller.serverControl))
      args.push("--server-control", `${h}=${addr}`);
    // The DELIVERED socket sits behind the controller-agent host's cable (its bridge delivers to
    // this port); the controller reaches server roles through PacketOut, never from this socket.
    args.push(
      "--agent",
      plan.controller.agentPort === null ? "none" : `127.0.0.1:${plan.controller.agentPort}`,
    );
    if (o.pipeline) args.push("--json", o.pipeline.json, "--p4info", o.pipeline.p4info);
    await this.start("controller", args, READY.controller);
    this.log("controller ready");
  }

  private save(): void {
    this.record.processes = [...this.procs.values()].map(({ name, pid, args, log }) => ({
      name,
      pid,
      args,
      log,
    }));
    writeFileSync(join(this.runDir, RECORD_FILE), `${JSON.stringify(this.record, null, 2)}\n`);
  }

  private async start(name: string, args: string[], ready: RegExp): Promise<Spawned> {
    if (this.stopping) throw new LaunchError(`${name}: not started, the cluster is stopping`);
    const p = spawnPaxosctl(name, args, this.logFile(name));
    this.procs.set(name, p);
    this.save();
    await waitReady(p, ready, this.readyTimeoutMs);
    return p;
  }

  /** Processes that ended without being asked to (stopped, killed or restarted ones excepted). */
  unexpectedExits(): Spawned[] {
    if (this.stopping) return [];
    return [...this.procs.values()].filter((p) => p.exitedWith !== null && !this.killed.has(p));
  }

  /** SIGKILL one process (a crash). */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new LaunchError(`no process '${name}'`);
    this.killed.add(p);
    await killProcess(p);
  }

  /** Starts a process again with the same arguments (ports, addresses) and waits until it is ready. */
  async restart(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new LaunchError(`no process '${name}'`);
    this.killed.add(p);
    if (isOurs(p)) await stopProcess(p);
    const kind = name.startsWith("switch-")
      ? "switch"
      : name.startsWith("agent-")
        ? "agent"
        : (name as keyof typeof READY);
    const ready = READY[kind as keyof typeof READY];
    if (!ready) throw new LaunchError(`cannot restart '${name}'`);
    // The log keeps the earlier run's lines: wait for a ready line after them.
    const before = existsSync(p.log) ? readFileSync(p.log, "utf8").split("\n").length - 1 : 0;
    const q = spawnPaxosctl(name, p.args, p.log);
    this.procs.set(name, q);
    this.save();
    await waitReady(q, ready, this.readyTimeoutMs, before);
  }

  /** Stops everything this launcher started (controller first, switches last). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const p of [...this.procs.values()].reverse()) await stopProcess(p);
    })();
    return this.stopping;
  }

  /** Synchronous last resort on process exit: SIGTERM whatever still runs. */
  stopSync(): void {
    for (const p of this.procs.values()) {
      if (!isOurs(p)) continue;
      try {
        process.kill(p.pid, "SIGTERM");
      } catch {}
    }
  }
}
