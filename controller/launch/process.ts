// Child processes of a launched cluster: each runs `paxosctl ...` detached (its own process
// group, so it outlives a launcher that leaves the cluster running), stdout and stderr to a log
// file in the run directory. Readiness is a line in that log; a process that dies or stays
// silent is reported with the last lines of its log. Stopping is by pid only.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's `bin/paxosctl` (this file is dist/controller/launch/process.js or its source). */
export function paxosctlBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, "bin", "paxosctl");
    if (existsSync(bin)) return bin;
    dir = dirname(dir);
  }
  throw new LaunchError("cannot find bin/paxosctl above this module");
}

export class LaunchError extends Error {
  override readonly name = "LaunchError";
}

export interface ProcessRecord {
  /** Name in the cluster: "switch:coord", "agent:l1", "bridges", "controller". */
  name: string;
  pid: number;
  args: string[];
  log: string;
}

export interface Spawned extends ProcessRecord {
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  exitedWith: number | string | null;
}

export function spawnPaxosctl(name: string, args: string[], log: string): Spawned {
  const fd = openSync(log, "a");
  const child = spawn(process.execPath, [paxosctlBin(), ...args], {
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new LaunchError(`${name}: could not start ${args[0]}`);
  const rec: Spawned = {
    name,
    pid: child.pid,
    args,
    log,
    exitedWith: null,
    exited: new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        rec.exitedWith = code ?? signal ?? "unknown";
        resolve(rec.exitedWith);
      });
    }),
  };
  child.unref();
  return rec;
}

/** The last `n` lines of a log file (empty if unreadable). */
export function tail(log: string, n = 12): string[] {
  try {
    const lines = readFileSync(log, "utf8").split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-n);
  } catch {
    return [];
  }
}

function failure(p: ProcessRecord, why: string): LaunchError {
  const lines = tail(p.log);
  return new LaunchError(
    `${p.name} ${why} (log ${p.log})${lines.length ? `; last lines:\n${lines.map((l) => `  | ${l}`).join("\n")}` : ""}`,
  );
}

/** Waits until the process's log has a line matching `ready` (after the first `skipLines`); throws with its log if it exits or times out. */
export async function waitReady(
  p: Spawned,
  ready: RegExp,
  timeoutMs: number,
  skipLines = 0,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let text = "";
    try {
      text = readFileSync(p.log, "utf8");
    } catch {}
    const line = text
      .split("\n")
      .slice(skipLines)
      .find((l) => ready.test(l));
    if (line !== undefined) return line;
    if (p.exitedWith !== null) throw failure(p, `exited (${p.exitedWith}) before it was ready`);
    if (Date.now() > end) throw failure(p, `not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The command line of `pid` (empty once it is gone or a zombie; null without /proc). */
function cmdline(pid: number): string[] | null {
  if (!existsSync("/proc")) return null;
  try {
    const parts = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (parts.at(-1) === "") parts.pop();
    return parts;
  } catch {
    return [];
  }
}

/** Whether `pid` is alive and still runs `args` (so a recycled pid is never signalled). */
export function isOurs(rec: ProcessRecord): boolean {
  const cmd = cmdline(rec.pid);
  if (cmd === null) return alive(rec.pid);
  const argv = cmd.slice(-rec.args.length);
  return cmd.length > rec.args.length && argv.every((a, i) => a === rec.args[i]);
}

function alive(pid: number): boolean {
  const cmd = cmdline(pid);
  if (cmd !== null) return cmd.length > 0;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(rec: ProcessRecord, graceMs = 3000): Promise<void> {
  if (!isOurs(rec)) return;
  try {
    process.kill(rec.pid, "SIGTERM");
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (alive(rec.pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  if (alive(rec.pid)) {
    try {
      process.kill(rec.pid, "SIGKILL");
    } catch {}
    while (alive(rec.pid)) await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILL now (a crash); resolves when it is gone. */
export async function killProcess(rec: ProcessRecord): Promise<void> {
  if (!isOurs(rec)) return;
  try {
    process.kill(rec.pid, "SIGKILL");
  } catch {
    return;
  }
  while (alive(rec.pid)) await new Promise((r) => setTimeout(r, 10));
}
