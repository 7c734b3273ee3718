// Agents started from plan files (as `paxosctl agent --plan` does), driven by `paxosctl propose`
// and `paxosctl kv` through the CLI entry point.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "../../../controller/cli/agent.js";
import type { CliIO } from "../../../controller/cli/command.js";
import { main } from "../../../controller/cli/main.js";
import { type RunningAgent, startAgent } from "../../../hosts/agent.js";
import { parsePlan } from "../../../hosts/plan-file.js";
import { makeRound } from "../../../src/paxos/round.js";
import { freeUdpPorts, LOCAL } from "./cluster.js";

async function run(...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIO = { out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const code = await main(argv, io);
  return { code, out: stdout.join("\n"), err: stderr.join("\n") };
}

const agents: RunningAgent[] = [];
let kvUrl = "";
let service = "";
let learner = "";

beforeAll(async () => {
  const [a1, a2, a3, coord, svc, l1] = (await freeUdpPorts(6)).map((p) => `${LOCAL}:${p}`);
  service = svc!;
  learner = l1!;
  const common = {
    groups: [0],
    timing: { tickMs: 10, gapTimeoutMs: 60, noopDelayMs: 60, catchupMs: 50, retryMs: 40 },
    peers: {
      acceptors: [a1, a2, a3],
      learners: [l1, coord],
      coordinators: { "0": svc },
      recovery: [coord],
    },
  };
  for (const [k, bind] of [a1, a2, a3].entries())
    agents.push(await startAgent(parsePlan({ ...common, acceptor: { id: k + 1, bind } })));
  const c = await startAgent(
    parsePlan({ ...common, coordinator: { id: 1, bind: coord, service: [svc], control: `${LOCAL}:0` } }),
  );
  agents.push(c);
  const l = await startAgent(
    parsePlan({ ...common, learner: { id: 1, bind: l1, kv: { http: `${LOCAL}:0` } } }),
  );
  agents.push(l);
  kvUrl = l.kvHttp!.url;
  // The controller's first step for a fresh group: the server coordinator takes over (round 1:1).
  const res = await fetch(`http://${LOCAL}:${c.control!.address.port}/takeover`, {
    method: "POST",
    body: JSON.stringify({ group: 0, round: makeRound(1, 1) }),
  });
  expect(res.status).toBe(200);
  expect(l.describe().join("\n")).toMatch(/KV API http:\/\/127.0.0.1:\d+\/kv\/KEY/);
});

afterAll(async () => {
  for (const a of agents.reverse()) await a.close();
});

describe("paxosctl kv and propose against plan-file agents", () => {
  it("puts, gets, swaps and deletes through the log", async () => {
    expect(await run("kv", "--replica", kvUrl, "put", "color", "blue")).toMatchObject({ code: 0, out: "ok" });
    expect(await run("kv", "--replica", kvUrl, "get", "color")).toMatchObject({ code: 0, out: "blue" });
    expect(await run("kv", "--replica", kvUrl, "cas", "color", "red", "green")).toMatchObject({
      code: 1,
      out: "refused; current value: blue",
    });
    expect(await run("kv", "--replica", kvUrl, "cas", "color", "blue", "green")).toMatchObject({
      code: 0,
      out: "swapped",
    });
    expect(await run("kv", "--replica", kvUrl, "cas", "--absent", "lock", "-", "me")).toMatchObject({
      code: 0,
    });
    expect(await run("kv", "--replica", kvUrl, "get", "--local", "color")).toMatchObject({
      code: 0,
      out: "green",
    });
    expect(await run("kv", "--replica", kvUrl, "del", "color")).toMatchObject({ code: 0, out: "deleted" });
    expect(await run("kv", "--replica", kvUrl, "get", "color")).toMatchObject({ code: 1, out: "(absent)" });
    const big = await run("kv", "--replica", kvUrl, "put", "k", "x".repeat(70));
    expect(big.code).toBe(1);
    expect(big.err).toMatch(/413 .*at most 64/);
    const status = await run("kv", "--replica", kvUrl, "status");
    expect(JSON.parse(status.out).keys).toBe(1);
  });

  it("proposes raw values and reports where they were delivered", async () => {
    const r = await run(
      "propose",
      "--service",
      service,
      "--learner",
      learner,
      "--json",
      "alpha",
      "beta",
      "gamma",
    );
    expect(r.code).toBe(0);
    const lines = r.out
      .split("\n")
      .map((l) => JSON.parse(l) as { value: string; ok: boolean; instance: number; seq: number });
    expect(lines.map((l) => [l.value, l.ok, l.seq])).toEqual([
      ["alpha", true, 1],
      ["beta", true, 2],
      ["gamma", true, 3],
    ]);
    expect(new Set(lines.map((l) => l.instance)).size).toBe(3);
    const text = await run("propose", "--service", service, "--learner", learner, "--hex", "0102ff");
    expect(text.out).toMatch(/^0102ff: delivered as request \d+:1 at group 0 instance \d+/);
  });

  it("reports usage errors and unknown outcomes", async () => {
    expect((await run("kv", "get", "x")).code).toBe(2);
    expect((await run("kv", "--replica", kvUrl, "frobnicate")).code).toBe(2);
    expect((await run("kv", "--replica", kvUrl, "put", "only-key")).code).toBe(2);
    expect((await run("propose", "--service", service, "x")).code).toBe(2);
    expect((await run("propose", "--service", service, "--learner", learner, "y".repeat(65))).code).toBe(2);
    expect((await run("agent")).code).toBe(2);
    expect((await run("agent", "--plan", "/nonexistent.json")).code).toBe(1);
    // Nothing listens there: the outcome is unknown, exit 1.
    const [dead] = await freeUdpPorts(1);
    const lost = await run(
      "propose",
      "--service",
      `${LOCAL}:${dead}`,
      "--learner",
      learner,
      "--timeout",
      "200",
      "lost",
    );
    expect(lost.code).toBe(1);
    expect(lost.out).toMatch(/not delivered within 200 ms/);
    expect((await run("kv", "--replica", `http://${LOCAL}:1`, "get", "x")).err).toMatch(/may or may not/);
    expect((await run("agent", "--help")).out).toMatch(/paxosctl agent -c examples\/classic.yaml --host l1/);
  });

  it("paxosctl agent runs a plan until stopped, prints stats, refuses an amnesiac acceptor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p4paxos-agent-"));
    try {
      const [port] = await freeUdpPorts(1);
      const planFile = join(dir, "plan.json");
      writeFileSync(
        planFile,
        JSON.stringify({
          groups: [0],
          peers: { acceptors: [`${LOCAL}:1`] },
          acceptor: { id: 7, bind: `${LOCAL}:${port}` },
        }),
      );
      const lines: string[] = [];
      const io: CliIO = { out: (t) => lines.push(t), err: (t) => lines.push(`ERR ${t}`) };
      let stop!: (sig: string) => void;
      const stopped = new Promise<string>((r) => {
        stop = r;
      });
      const data = join(dir, "data");
      const running = runAgent(
        ["--plan", planFile, "--data", data, "--stats-every", "20"],
        io,
        () => stopped,
      );
      await new Promise((r) => setTimeout(r, 120));
      expect(lines[0]).toBe(`server acceptor 7 on udp ${LOCAL}:${port}`);
      expect(lines.some((l) => l.startsWith("{") && JSON.parse(l).acceptor !== null)).toBe(true);
      stop("SIGTERM");
      expect(await running).toBe(0);
      expect(lines.at(-1)).toBe("SIGTERM: shutting down");
      // Started again on the same data directory without floor/join: refused (protocol §9).
      const again: string[] = [];
      const code = await runAgent(
        ["--plan", planFile, "--data", data],
        { out: (t) => again.push(t), err: (t) => again.push(t) },
        () => stopped,
      );
      expect(code).toBe(1);
      expect(again.join("\n")).toMatch(/lost its votes on restart/);
      const fenced = await runAgent(
        ["--plan", planFile, "--data", data, "--floor", "1024", "--join", "2048"],
        { out: () => {}, err: (t) => again.push(t) },
        () => Promise.resolve("SIGINT"),
      );
      expect(fenced).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
