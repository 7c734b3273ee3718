// Shared by the tests that run a deployment as real processes (controller/launch): launching
// with a pre-built pipeline, polling, a replica's log position and digest, and the controller's
// log followed on the test's clock.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { buildPipeline } from "../../controller/launch/compile.js";
import { LogFollower } from "../../controller/launch/follow.js";
import { LaunchedCluster, loadOrThrow } from "../../controller/launch/launcher.js";
import { tail } from "../../controller/launch/process.js";
import { KvClient } from "../../hosts/kv/client.js";
import { checkLinearizable, formatHistory, type HistoryOp } from "../../hosts/kv/linearizability.js";

export const ROOT = resolve(import.meta.dirname, "../..");

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds dist/ if a test runs before `make build` (the processes run the built CLI). */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, "dist", "controller", "cli", "main.js")))
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
}

/** Polls `cond` until it holds; throws `what` after `timeoutMs`. */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

export interface ReplicaStatus {
  merged: number;
  digest: string;
}

/** A KV replica's merged log length and state digest, or null when it does not answer. */
export async function replicaStatus(url: string): Promise<ReplicaStatus | null> {
  const r = await new KvClient(url, 2000).status();
  if (r.kind !== "ok" || r.status !== 200) return null;
  const learner = r.body.learner as { merged?: number } | undefined;
  return { merged: learner?.merged ?? -1, digest: String(r.body.digest) };
}

export interface Launched {
  cluster: LaunchedCluster;
  /** The controller's log, stamped with `clock()`. */
  follower: LogFollower;
  clock: () => number;
  /** The controller's last 40 lines, for failure messages. */
  controllerTail: () => string;
}

/** Launches `config` (examples/…) in `runDir`; `onStarted` sees the cluster before it is ready. */
export async function launch(
  config: string,
  runDir: string,
  onStarted: (c: LaunchedCluster) => void,
): Promise<Launched> {
  const d = await loadOrThrow(config);
  const p = buildPipeline(d, `${runDir}-p4`, ROOT);
  const cluster = await LaunchedCluster.launch({
    config,
    runDir,
    baseDir: ROOT,
    pipeline: { json: p.json, p4info: p.p4info },
    started: onStarted,
  });
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const follower = new LogFollower(cluster.logFile("controller"), clock);
  follower.start();
  const controllerTail = () =>
    follower.lines
      .slice(-40)
      .map((l) => `  ${(l.at / 1000).toFixed(1)} s | ${l.text}`)
      .join("\n");
  return { cluster, follower, clock, controllerTail };
}

/**
 * For a test file that launches one cluster: builds dist/ first if needed, and stops the cluster
 * and removes its directory afterwards. Returns the launcher for a config file.
 */
export function launchedSuite(name: string): (config: string) => Promise<Launched> {
  const dir = mkdtempSync(join(tmpdir(), `p4paxos-${name}-`));
  let cluster: LaunchedCluster | null = null;
  beforeAll(ensureBuilt, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
  return (config) =>
    launch(config, join(dir, "run"), (c) => {
      cluster = c;
    });
}

/** The end of every launched test: the history is linearizable, no process died on its own. */
export function expectLinearizableAndAlive(l: Launched, ops: readonly HistoryOp[]): void {
  const lin = checkLinearizable([...ops]);
  expect(
    lin.ok,
    lin.ok === false ? `key ${lin.key}: ${lin.reason}\n${formatHistory(lin.ops)}` : JSON.stringify(lin),
  ).toBe(true);
  const dead = l.cluster.unexpectedExits();
  expect(dead.map((x) => `${x.name} exited (${x.exitedWith}):\n${tail(x.log).join("\n")}`)).toEqual([]);
  l.follower.stop();
}
