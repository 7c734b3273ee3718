// The launcher's process handling with real `paxosctl` processes: readiness from the log, a
// failing process reported with its last log lines, stopping by pid only while the pid still
// runs what was recorded.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isOurs,
  LaunchError,
  spawnPaxosctl,
  stopProcess,
  waitReady,
} from "../../controller/launch/process.js";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "p4paxos-launch-"));

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist", "controller", "cli", "main.js")))
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("launcher processes", () => {
  it("waits for the readiness line and stops the process by pid", async () => {
    const p = spawnPaxosctl(
      "switch-x",
      ["switch", "--grpc", "127.0.0.1:0", "--device-id", "9"],
      join(dir, "sw.log"),
    );
    const line = await waitReady(p, /^switch ready: /, 20_000);
    expect(line).toMatch(/device-id=9/);
    expect(isOurs(p)).toBe(true);
    // A record whose arguments differ is not ours: a recycled pid is never signalled.
    expect(isOurs({ ...p, args: ["switch", "--grpc", "127.0.0.1:1"] })).toBe(false);
    await stopProcess(p);
    expect(isOurs(p)).toBe(false);
    expect(await p.exited).toBe(0);
  }, 30_000);

  it("reports a process that exits before it is ready, with its log", async () => {
    const p = spawnPaxosctl(
      "agent-bad",
      ["agent", "--plan", join(dir, "missing.json")],
      join(dir, "bad.log"),
    );
    const err = await waitReady(p, /^learner /, 20_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LaunchError);
    expect((err as Error).message).toMatch(/agent-bad exited \(1\) before it was ready/);
    expect((err as Error).message).toMatch(/\| paxosctl agent: cannot read plan .*missing\.json/);
  }, 30_000);
});
