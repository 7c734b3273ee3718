// Helpers for root-only end-to-end tests: network namespaces and veth pairs whose names are unique
// to this test run, and processes started inside namespaces. `cleanup()` removes everything a
// NetLab created and is meant for `afterAll`/`finally`, so a failing test leaves nothing behind.
// Leftovers of a run that was killed outright are swept by the next run (`sweepStale()`): names
// and link aliases carry the creating process id.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const NS_PREFIX = "p4px-";
const ALIAS_PREFIX = "p4paxos-e2e pid=";

/** Runs a command synchronously; throws with its stderr on failure. */
export function sh(cmd: string, args: string[], opts: { input?: string } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], input: opts.input });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")}: ${(err.stderr ?? "").trim() || err.message}`);
  }
}

function commandExists(name: string): boolean {
  return ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"].some((d) =>
    existsSync(`${d}/${name}`),
  );
}

/**
 * Whether this machine can run the real-interface tests: Linux, root, `ip` and `ethtool`, and
 * the AF_PACKET addon built. `reason` says what is missing.
 */
export function e2eAvailability(): { ok: boolean; reason: string } {
  if (process.platform !== "linux") return { ok: false, reason: `needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: "needs root (network namespaces, raw sockets)" };
  for (const c of ["ip", "ethtool"])
    if (!commandExists(c)) return { ok: false, reason: `needs '${c}' (make deps installs it)` };
  try {
    createRequire(import.meta.url)("@p4paxos/afpacket");
  } catch (e) {
    return {
      ok: false,
      reason: `the AF_PACKET addon @p4paxos/afpacket is not built (${(e as Error).message.split("\n")[0]}); run npm install`,
    };
  }
  return { ok: true, reason: "" };
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Deletes namespaces and root-namespace links left by earlier runs whose process is gone. */
export function sweepStale(): void {
  try {
    sweep();
  } catch (e) {
    console.warn(`netns: could not sweep leftovers of earlier runs: ${(e as Error).message}`);
  }
}

function sweep(): void {
  const namespaces = JSON.parse(sh("ip", ["-j", "netns", "list"]) || "[]") as Array<{ name: string }>;
  for (const { name } of namespaces) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(name);
    if (m && !pidAlive(Number(m[1]))) spawnQuiet("ip", ["netns", "delete", name]);
  }
  const links = JSON.parse(sh("ip", ["-j", "link", "show"]) || "[]") as Array<{
    ifname: string;
    ifalias?: string;
  }>;
  for (const l of links) {
    if (l.ifalias?.startsWith(ALIAS_PREFIX) && !pidAlive(Number(l.ifalias.slice(ALIAS_PREFIX.length))))
      spawnQuiet("ip", ["link", "delete", l.ifname]);
  }
}

function spawnQuiet(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
  } catch {
    // already gone
  }
}

export interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A set of namespaces, veth pairs and processes owned by one test file. */
export class NetLab {
  /** Short per-run tag: interface names must fit in 15 bytes. */
  readonly tag = randomBytes(3).toString("hex");
  private readonly namespaces: string[] = [];
  private readonly links: string[] = [];
  private readonly children = new Set<ChildProcess>();

  /** Creates a namespace (loopback up, IPv6 off so hosts stay quiet) and returns its name. */
  ns(label: string): string {
    const name = `${NS_PREFIX}${process.pid}-${this.tag}-${label}`;
    sh("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    this.exec(name, "ip", ["link", "set", "lo", "up"]);
    this.exec(name, "sysctl", [
      "-qw",
      "net.ipv6.conf.all.disable_ipv6=1",
      "net.ipv6.conf.default.disable_ipv6=1",
    ]);
    return name;
  }

  /** An interface name unique to this run: `x<tag><label>` (label up to 8 characters). */
  ifname(label: string): string {
    if (label.length > 8) throw new Error(`interface label '${label}' is longer than 8 characters`);
    return `x${this.tag}${label}`;
  }

  /**
   * Creates a veth pair: `a` in the root namespace, `b` in `bNs` (or the root namespace), both up.
   * Returns the two names.
   */
  veth(aLabel: string, bLabel: string, bNs?: string): { a: string; b: string } {
    const a = this.ifname(aLabel);
    const b = this.ifname(bLabel);
    sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b, ...(bNs ? ["netns", bNs] : [])]);
    this.links.push(a);
    sh("ip", ["link", "set", a, "alias", `${ALIAS_PREFIX}${process.pid}`]);
    sh("ip", ["link", "set", a, "up"]);
    if (bNs) this.exec(bNs, "ip", ["link", "set", b, "up"]);
    else sh("ip", ["link", "set", b, "up"]);
    return { a, b };
  }

  /** Runs a command inside a namespace, synchronously (blocks the event loop: setup only). */
  exec(ns: string, cmd: string, args: string[]): string {
    return sh("ip", ["netns", "exec", ns, cmd, ...args]);
  }

  /**
   * Starts a command inside a namespace without blocking (the switch runs in this process, so
   * traffic must not wait on a synchronous call). Killed by cleanup() if still running.
   */
  start(ns: string, cmd: string, args: string[]): { child: ChildProcess; done: Promise<Output> } {
    const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const done = new Promise<Output>((resolve) => {
      child.on("error", (e) => {
        stderr += String(e);
      });
      child.on("close", (code) => {
        this.children.delete(child);
        resolve({ code, stdout, stderr });
      });
    });
    return { child, done };
  }

  /** Kills started processes, deletes links and namespaces. Never throws. */
  cleanup(): void {
    for (const c of this.children) c.kill("SIGKILL");
    this.children.clear();
    // Deleting one end of a veth deletes both; links inside a namespace die with it.
    for (const l of this.links.splice(0)) spawnQuiet("ip", ["link", "delete", l]);
    for (const n of this.namespaces.splice(0)) spawnQuiet("ip", ["netns", "delete", n]);
  }
}

/** Resolves with the first line of a child's stdout that matches, or rejects after `ms`. */
export function waitForLine(child: ChildProcess, match: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => {
      child.stdout?.off("data", onData);
      reject(new Error(`timed out after ${ms} ms waiting for ${match} (got: ${JSON.stringify(buf)})`));
    }, ms);
    const onData = (d: Buffer | string): void => {
      buf += String(d);
      for (const line of buf.split("\n")) {
        if (match.test(line)) {
          clearTimeout(timer);
          child.stdout?.off("data", onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on("data", onData);
  });
}
