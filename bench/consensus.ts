// Benchmark 2: end-to-end consensus. An open-loop client offers KV puts (each one command in the
// log) at fixed rates to the KV replicas of (a) the in-network deployment (examples/demo.yaml
// launched as processes: switch coordinator, switch acceptors) and (b) a server-side deployment
// (server coordinator, server acceptors, agents as processes on 127.0.0.1). Requests go out on
// schedule whatever completes, and latency counts from the scheduled send time, so a stalled
// system is charged for the requests it held back (no coordinated omission).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LaunchedCluster } from "../controller/launch/launcher.js";
import { freePorts } from "../controller/launch/ports.js";
import {
  isOurs,
  killProcess,
  LaunchError,
  type Spawned,
  spawnPaxosctl,
  stopProcess,
  waitReady,
} from "../controller/launch/process.js";
import { quantile } from "../controller/launch/stats.js";
import { makeRound } from "../src/paxos/round.js";
import { fixed, formatRate, machine, PLOTS_DIR, progress, REPO_ROOT, type Spread, spread } from "./common.js";
import { LoadClient } from "./kvload.js";
import { linePlotSvg } from "./plot.js";

// ---------- pure parts ----------

/** Scheduled send time (ms from start) of request i at `rate` per second. */
export function scheduledAt(i: number, rate: number): number {
  return (i * 1000) / rate;
}

/** How many requests are due by `elapsedMs` at `rate`/s, capped at `total`. */
export function dueBy(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}

export interface LatencySummary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function latencySummary(latencies: readonly number[]): LatencySummary {
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    p999: quantile(latencies, 0.999),
    max: latencies.length ? Math.max(...latencies) : Number.NaN,
  };
}

// ---------- open-loop load ----------

export interface OpenLoopRun {
  offeredPerSecond: number;
  durationMs: number;
  sent: number;
  decided: number;
  /** Timed out, refused or lost: not counted as decided. */
  unanswered: number;
  decidedPerSecond: number;
  latencyMs: LatencySummary;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Offers `rate` puts/s for `durationMs` across `urls`, then waits for the stragglers. */
export async function openLoop(
  urls: string[],
  rate: number,
  durationMs: number,
  timeoutMs = 3000,
): Promise<OpenLoopRun> {
  const clients = urls.map((u) => new LoadClient(u, timeoutMs));
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const latencies: number[] = [];
  let decided = 0;
  let unanswered = 0;
  let sent = 0;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  while (sent < total) {
    const due = dueBy(performance.now() - t0, rate, total);
    for (; sent < due; sent++) {
      const i = sent;
      const planned = t0 + scheduledAt(i, rate);
      inflight.push(
        clients[i % clients.length]!.put(`k${i % 64}`, `v${i}`).then((res) => {
          if (res.kind === "ok" && res.status === 200) {
            decided++;
            latencies.push(performance.now() - planned);
          } else unanswered++;
        }),
      );
    }
    // Wake up in time for the next scheduled send (a timer's lateness becomes measured latency).
    const next = t0 + scheduledAt(sent, rate) - performance.now();
    await sleep(Math.max(0, Math.min(next, 5)));
  }
  await Promise.all(inflight);
  const elapsed = Math.max(durationMs, performance.now() - t0);
  return {
    offeredPerSecond: rate,
    durationMs,
    sent,
    decided,
    unanswered,
    decidedPerSecond: (decided * 1000) / elapsed,
    latencyMs: latencySummary(latencies),
  };
}

/** Puts until one succeeds: the deployment serves. */
export async function waitServing(urls: string[], timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (const u of urls) {
    const c = new LoadClient(u, 2000);
    for (;;) {
      const r = await c.put("bench-probe", "1");
      if (r.kind === "ok" && r.status === 200) break;
      if (Date.now() > end) throw new LaunchError(`${u} does not serve after ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}

// ---------- clusters stopped on Ctrl-C ----------

/** Clusters running now: their processes are detached, so a signal must stop them by pid. */
const running = new Set<{ stopSync(): void }>();

/** SIGINT/SIGTERM stop every cluster a benchmark started, then end the process. */
export function stopClustersOnSignal(): void {
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => {
      for (const c of running) c.stopSync();
      process.exit(130);
    });
}

// ---------- server-side deployment as processes ----------

export interface ServerClusterOptions {
  acceptors: number;
  groups: number;
  runDir: string;
  ringSize?: number;
  /** Host timing (defaults: TIMING, as the controller's defaults). */
  timing?: Partial<typeof TIMING>;
}

const AGENT_READY = /^(learner|server coordinator|server acceptor) \d+ on udp /;
export const TIMING = { tickMs: 10, gapTimeoutMs: 200, noopDelayMs: 200, catchupMs: 200, retryMs: 100 };

/**
 * A server-side deployment on 127.0.0.1: N server acceptors, one server coordinator serving every
 * group (and trimming from the learners' DELIVERED reports, as without a controller), and two
 * learners with KV replicas, each a `paxosctl agent --plan` process.
 */
export class ServerCluster {
  private readonly procs = new Map<string, Spawned>();
  private constructor(
    readonly runDir: string,
    readonly urls: Record<string, string>,
    readonly controlUrl: string,
  ) {}

  kvUrls(): string[] {
    return Object.values(this.urls);
  }

  /**
   * Starts the deployment; on EADDRINUSE (a port picked free was taken before the agent bound it:
   * proposers bind ephemeral ports, and so does everything else on a shared machine) starts it
   * again on fresh ports, up to three times.
   */
  static async start(o: ServerClusterOptions): Promise<ServerCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ServerCluster.startOnce(o);
      } catch (e) {
        if (attempt >= 3 || !(e instanceof Error) || !e.message.includes("EADDRINUSE")) throw e;
        progress(`port taken while starting (${e.message.split("\n").pop()?.trim()}); again on fresh ports`);
      }
    }
  }

  private static async startOnce(o: ServerClusterOptions): Promise<ServerCluster> {
    rmSync(o.runDir, { recursive: true, force: true });
    for (const d of ["logs", "plans", "data"]) mkdirSync(join(o.runDir, d), { recursive: true });
    const ports = await freePorts({ udp: o.acceptors + 4, tcp: 3 });
    const at = (p: number) => `127.0.0.1:${p}`;
    const acc = Array.from({ length: o.acceptors }, () => at(ports.udp()));
    const coord = at(ports.udp());
    const service = at(ports.udp());
    const learners = [at(ports.udp()), at(ports.udp())];
    const control = at(ports.tcp());
    const http = [at(ports.tcp()), at(ports.tcp())];
    const groups = Array.from({ length: o.groups }, (_, g) => g);
    const common = (name: string) => ({
      groups,
      ringSize: o.ringSize ?? 8192,
      timing: { ...TIMING, ...o.timing },
      dataDir: join(o.runDir, "data", name),
      peers: {
        acceptors: acc,
        learners: [...learners, coord],
        coordinators: Object.fromEntries(groups.map((g) => [String(g), service])),
        recovery: [coord],
      },
    });
    const plans: [string, unknown][] = acc.map((bind, k) => [
      `acceptor-${k + 1}`,
      { ...common(`acceptor-${k + 1}`), acceptor: { id: k + 1, bind } },
    ]);
    plans.push([
      "coordinator",
      {
        ...common("coordinator"),
        coordinator: { id: 1, bind: coord, service: [service], control, trimFor: [0, 1] },
      },
    ]);
    for (const [k, bind] of learners.entries()) {
      const c = common(`l${k + 1}`);
      plans.push([
        `l${k + 1}`,
        {
          ...c,
          peers: { ...c.peers, learnerPeers: learners.filter((_, j) => j !== k), controller: coord },
          learner: { id: k, rank: k, bind, kv: { http: http[k] } },
        },
      ]);
    }
    const c = new ServerCluster(
      o.runDir,
      { l1: `http://${http[0]}`, l2: `http://${http[1]}` },
      `http://${control}`,
    );
    running.add(c);
    try {
      // Acceptors first, then the coordinator, then the learners (as a controller would).
      const order = [
        plans.filter(([n]) => n.startsWith("acceptor")),
        plans.filter(([n]) => !n.startsWith("acceptor")),
      ];
      for (const batch of order)
        await Promise.all(
          batch.map(([name, plan]) => {
            const file = join(o.runDir, "plans", `${name}.json`);
            writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
            return c.spawn(name, ["agent", "--plan", file]);
          }),
        );
      // A fresh group is served once the coordinator ran Phase 1 (the controller's first step).
      for (const g of groups) {
        const res = await fetch(`${c.controlUrl}/takeover`, {
          method: "POST",
          body: JSON.stringify({ group: g, round: makeRound(1, 1) }),
        });
        if (res.status !== 200)
          throw new LaunchError(`takeover of group ${g}: HTTP ${res.status} ${await res.text()}`);
      }
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  private async spawn(name: string, args: string[], skipLines = 0): Promise<void> {
    const p = spawnPaxosctl(name, args, join(this.runDir, "logs", `${name}.log`));
    this.procs.set(name, p);
    await waitReady(p, AGENT_READY, 30_000, skipLines);
  }

  /** SIGKILL (a crash). */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new LaunchError(`no process '${name}'`);
    await killProcess(p);
  }

  /** Starts the process again with its plan (same ports, same data directory). */
  async restart(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new LaunchError(`no process '${name}'`);
    if (isOurs(p)) await stopProcess(p);
    const before = existsSync(p.log) ? readFileSync(p.log, "utf8").split("\n").length - 1 : 0;
    await this.spawn(name, p.args, before);
  }

  async stop(): Promise<void> {
    for (const p of [...this.procs.values()].reverse()) await stopProcess(p);
    running.delete(this);
  }

  /** Synchronous last resort (signal handler): SIGTERM whatever still runs. */
  stopSync(): void {
    for (const p of this.procs.values()) {
      if (!isOurs(p)) continue;
      try {
        process.kill(p.pid, "SIGTERM");
      } catch {}
    }
  }
}

// ---------- the benchmark ----------

export interface ConsensusPoint {
  offeredPerSecond: number;
  decidedPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  p999Ms: Spread;
  runs: OpenLoopRun[];
}

export interface ConsensusCurve {
  mode: "in-network" | "server-side";
  deployment: string;
  points: ConsensusPoint[];
  /** Why higher rates were not offered, if they were not. */
  stoppedAt?: string;
}

async function curve(
  mode: ConsensusCurve["mode"],
  deployment: string,
  urls: string[],
  rates: number[],
  repeats: number,
  ms: number,
): Promise<ConsensusCurve> {
  await waitServing(urls);
  progress(`${mode}: warm-up, ${ms} ms at ${rates[0]}/s`);
  await openLoop(urls, rates[0]!, ms);
  const out: ConsensusCurve = { mode, deployment, points: [] };
  for (const rate of rates) {
    const runs: OpenLoopRun[] = [];
    for (let r = 0; r < repeats; r++) {
      const run = await openLoop(urls, rate, ms);
      runs.push(run);
      progress(
        `${mode}: offered ${rate}/s run ${r + 1}/${repeats}: ${run.decidedPerSecond.toFixed(0)} decided/s, ` +
          `p50 ${run.latencyMs.p50.toFixed(1)} ms, p99 ${run.latencyMs.p99.toFixed(1)} ms, ${run.unanswered} unanswered`,
      );
    }
    const point: ConsensusPoint = {
      offeredPerSecond: rate,
      decidedPerSecond: spread(runs.map((x) => x.decidedPerSecond)),
      p50Ms: spread(runs.map((x) => x.latencyMs.p50)),
      p99Ms: spread(runs.map((x) => x.latencyMs.p99)),
      p999Ms: spread(runs.map((x) => x.latencyMs.p999)),
      runs,
    };
    out.points.push(point);
    // Past saturation an open-loop client only builds queues: stop before it costs the budget.
    const lost = runs.reduce((s, x) => s + x.unanswered, 0) / runs.reduce((s, x) => s + x.sent, 0);
    if (lost > 0.1 || point.p50Ms.median > 1000) {
      out.stoppedAt = `saturated at ${rate}/s offered (${(lost * 100).toFixed(0)}% unanswered, p50 ${point.p50Ms.median.toFixed(0)} ms); higher rates not offered`;
      progress(`${mode}: ${out.stoppedAt}`);
      break;
    }
  }
  return out;
}

export async function runConsensusBench(opts: { quick: boolean }) {
  const rates = opts.quick ? [50, 100, 200, 400] : [50, 100, 200, 400, 800];
  const repeats = opts.quick ? 2 : 3;
  const ms = opts.quick ? 2000 : 4000;
  const curves: ConsensusCurve[] = [];
  const runRoot = join(REPO_ROOT, "build", "bench");

  progress("in-network: launching examples/demo.yaml (5 switch processes, bridges, agents, controller)");
  const cluster = await LaunchedCluster.launch({
    config: join(REPO_ROOT, "examples", "demo.yaml"),
    runDir: join(runRoot, "consensus-in-network"),
    baseDir: REPO_ROOT,
    log: (l) => progress(`launcher: ${l}`),
    started: (c) => running.add(c),
  });
  try {
    curves.push(
      await curve("in-network", "examples/demo.yaml", Object.values(cluster.kvUrls()), rates, repeats, ms),
    );
  } finally {
    await cluster.stop();
    running.delete(cluster);
  }

  progress("server-side: starting 3 server acceptors, a server coordinator, 2 KV replicas");
  const servers = await ServerCluster.start({
    acceptors: 3,
    groups: 1,
    runDir: join(runRoot, "consensus-server"),
  });
  try {
    curves.push(
      await curve(
        "server-side",
        "3 server acceptors, 1 server coordinator, 2 learners",
        servers.kvUrls(),
        rates,
        repeats,
        ms,
      ),
    );
  } finally {
    await servers.stop();
  }

  mkdirSync(PLOTS_DIR, { recursive: true });
  writeFileSync(join(PLOTS_DIR, "consensus.svg"), consensusPlotSvg(curves));
  return {
    benchmark: "consensus",
    machine: machine(),
    method:
      "open-loop KV puts (one log command each) over HTTP to both KV replicas alternately; latency from the scheduled send time; " +
      `${repeats} runs of ${ms} ms per offered rate after a warm-up run; request timeout 3 s (unanswered, not decided)`,
    curves,
    plot: "bench/plots/consensus.svg",
  };
}

/** Throughput against p99 latency, one curve per mode (bench/plots/consensus.svg). */
export function consensusPlotSvg(curves: ConsensusCurve[]): string {
  return linePlotSvg(
    curves.map((c) => ({
      name: `${c.mode} (p99)`,
      points: c.points.map((p) => ({ x: p.decidedPerSecond.median, y: p.p99Ms.median })),
    })),
    {
      title: "p4paxos end to end: throughput vs p99 latency (open loop, KV puts)",
      xLabel: "decided commands per second (median of runs)",
      yLabel: "p99 latency from scheduled send (ms)",
      logY: true,
    },
  );
}

export function formatConsensus(curves: ConsensusCurve[]): string {
  const lines = [
    "| mode | offered/s | decided/s (median, min – max) | p50 ms | p99 ms | p99.9 ms | unanswered |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const c of curves) {
    for (const p of c.points) {
      const d = p.decidedPerSecond;
      const lost = p.runs.reduce((s, r) => s + r.unanswered, 0);
      lines.push(
        `| ${c.mode} | ${p.offeredPerSecond} | ${formatRate(d.median)} (${fixed(d.min)} – ${fixed(d.max)}) | ${fixed(p.p50Ms.median, 1)} | ${fixed(p.p99Ms.median, 1)} | ${fixed(p.p999Ms.median, 1)} | ${lost} |`,
      );
    }
    if (c.stoppedAt) lines.push(`| ${c.mode} | — | ${c.stoppedAt} | | | | |`);
  }
  return lines.join("\n");
}
