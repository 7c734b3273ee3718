// `paxosctl demo` and `paxosctl cluster` end to end through the real processes (switches, host
// bridges, agents, controller) on loopback: a shortened demo must pass its own checks, Ctrl-C
// must stop everything, and a detached cluster must be stoppable with `cluster down`.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRecord, stopRecorded } from "../../controller/launch/launcher.js";
import { isOurs } from "../../controller/launch/process.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin", "paxosctl");
const dirs: string[] = [];

function runDir(): string {
  const d = mkdtempSync(join(tmpdir(), "p4paxos-demo-"));
  dirs.push(d);
  return join(d, "run");
}

function paxosctl(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string }>;
} {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b) => (out += b));
  child.stderr!.on("data", (b) => (out += b));
  return {
    child,
    done: new Promise((r) => child.once("exit", (code) => r({ code, out }))),
  };
}

/** Every process a run directory lists has ended. */
function allStopped(dir: string): boolean {
  const rec = readRecord(dir);
  return rec !== null && rec.processes.length > 0 && rec.processes.every((p) => !isOurs(p));
}

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist", "controller", "cli", "main.js")))
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
}, 180_000);

afterAll(async () => {
  for (const d of dirs) {
    const rec = readRecord(join(d, "run"));
    if (rec) await stopRecorded(rec);
    rmSync(d, { recursive: true, force: true });
  }
});

describe("paxosctl demo", () => {
  it("survives a coordinator switch kill: failover, fail-back, identical replicas, linearizable", async () => {
    const dir = runDir();
    const { done } = paxosctl([
      "demo",
      "--requests",
      "300",
      "--rate",
      "100",
      "--seed",
      "5",
      "--run-dir",
      dir,
    ]);
    const { code, out } = await done;
    expect(out, out).toMatch(/SIGKILL to the coordinator switch process \(coord, pid \d+\)/);
    expect(out).toMatch(/controller: group 0: failover \(no PONG from coord/);
    expect(out).toMatch(/failover +yes: served by server coordinator rc in round \d+/);
    expect(out).toMatch(/fail-back +yes: served by switch coord in round \d+ from instance \d+/);
    expect(out).toMatch(/replicas identical +yes: l1 (\d+) entries, digest (\w+); l2 \1 entries, digest \2/);
    expect(out).toMatch(/logs identical +yes: log\.bin (\d+) \/ \1 bytes, byte for byte/);
    expect(out).toMatch(/linearizable +yes: 300 operations over \d+ keys/);
    expect(out).toMatch(/requests +300: \d+ answered/);
    const decided = Number(/commands decided +(\d+) log entries/.exec(out)?.[1]);
    expect(decided).toBeGreaterThanOrEqual(300);
    expect(out).toMatch(/latency +p50 [\d.]+ m?s, p99 [\d.]+ m?s/);
    expect(out).toMatch(/without service +[\d.]+ m?s around the kill/);
    expect(out).toContain("demo: PASS");
    expect(code).toBe(0);
    // Nothing it started is left running.
    expect(allStopped(dir)).toBe(true);
  }, 90_000);

  it("stops everything it started on SIGINT", async () => {
    const dir = runDir();
    const { child, done } = paxosctl(["demo", "--requests", "5000", "--rate", "50", "--run-dir", dir]);
    let out = "";
    child.stdout!.on("data", (b) => (out += b));
    for (let i = 0; i < 600 && !/workload: /.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/workload: /);
    child.kill("SIGINT");
    const r = await done;
    expect(r.code).not.toBe(0);
    expect(allStopped(dir)).toBe(true);
  }, 60_000);

  it("rejects bad options with a usage error", async () => {
    for (const args of [["--requests", "x"], ["--rate", "0"], ["extra"], ["--bogus"]]) {
      const { code } = await paxosctl(["demo", ...args]).done;
      expect(code, args.join(" ")).toBe(2);
    }
  }, 30_000);
});

describe("paxosctl cluster", () => {
  it("up --detach, status, down", async () => {
    const dir = runDir();
    const up = await paxosctl(["cluster", "up", "-c", "examples/demo.yaml", "--run-dir", dir, "--detach"])
      .done;
    expect(up.out).toMatch(/controller ready/);
    expect(up.code, up.out).toBe(0);
    const url = /l1: KV API (http:\/\/127\.0\.0\.1:\d+)/.exec(up.out)![1]!;
    const put = await paxosctl(["kv", "--replica", url, "put", "color", "blue"]).done;
    expect(put.out).toContain("ok");
    const l2 = /l2: KV API (http:\/\/127\.0\.0\.1:\d+)/.exec(up.out)![1]!;
    const get = await paxosctl(["kv", "--replica", l2, "get", "color"]).done;
    expect(get.out.trim()).toBe("blue");
    const st = await paxosctl(["cluster", "status", "--run-dir", dir]).done;
    expect(st.code).toBe(0);
    expect(st.out).toMatch(/switch-coord +pid \d+ +running/);
    expect(st.out).toMatch(/controller +pid \d+ +running/);
    const again = await paxosctl(["cluster", "up", "-c", "examples/demo.yaml", "--run-dir", dir, "--detach"])
      .done;
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already running/);
    const down = await paxosctl(["cluster", "down", "--run-dir", dir]).done;
    expect(down.code).toBe(0);
    expect(down.out).toMatch(/stopped controller, .*switch-coord/);
    expect(allStopped(dir)).toBe(true);
    const after = await paxosctl(["cluster", "status", "--run-dir", dir]).done;
    expect(after.code).toBe(1);
    expect(after.out).toMatch(/switch-coord +pid \d+ +stopped/);
  }, 60_000);
});
