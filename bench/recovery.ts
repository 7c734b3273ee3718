// Benchmark 4: recovery. (1) Time without service during coordinator failover and fail-back, as
// `paxosctl demo` measures it (largest gap between completions around the coordinator switch's
// SIGKILL, and after its restart), over a few demo runs. (2) Catch-up rate of a restarted learner:
// a KV replica of a server-side deployment is killed, the log grows by N entries without it, and
// it is started again; the rate is the entries it was missing over the time from its readiness
// until it reports the same log length as its peer.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { paxosctlBin } from "../controller/launch/process.js";
import { fixed, machine, progress, REPO_ROOT, type Spread, spread } from "./common.js";
import { ServerCluster, waitServing } from "./consensus.js";
import { LoadClient } from "./kvload.js";

/** "312.0 ms" or "1.25 s" (fmtMs's output) in milliseconds; NaN if it is neither. */
export function parseDuration(text: string): number {
  const m = /^([\d.]+) (ms|s)\b/.exec(text.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

export interface DemoOutcome {
  exitCode: number | null;
  failoverGapMs: number;
  failbackGapMs: number;
}

/** The demo summary's "without service" and "fail-back gap" rows. */
export function parseDemoSummary(out: string, exitCode: number | null): DemoOutcome {
  const row = (k: string) => {
    const line = out.split("\n").find((l) => l.trimStart().startsWith(k));
    return line ? parseDuration(line.trimStart().slice(k.length)) : Number.NaN;
  };
  return { exitCode, failoverGapMs: row("without service"), failbackGapMs: row("fail-back gap") };
}

function runDemo(requests: number, rate: number, seed: number): Promise<DemoOutcome> {
  const args = [
    paxosctlBin(),
    "demo",
    "--requests",
    String(requests),
    "--rate",
    String(rate),
    "--seed",
    String(seed),
    "--run-dir",
    join(REPO_ROOT, "build", "bench", "recovery-demo"),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => resolve(parseDemoSummary(out, code)));
  });
}

async function merged(url: string): Promise<number> {
  const r = await new LoadClient(url, 3000).status();
  if (r.kind !== "ok" || r.status !== 200) return -1;
  return (r.body.learner as { merged?: number } | undefined)?.merged ?? -1;
}

async function fill(url: string, entries: number, clients = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      const c = new LoadClient(url, 5000);
      while (next < entries) {
        const i = next++;
        await c.put(`k${w}-${i % 16}`, `v${i}`);
      }
    }),
  );
}

export interface CatchUpRun {
  missingEntries: number;
  msFromReady: number;
  msFromRestart: number;
  entriesPerSecond: number;
}

async function catchUp(entries: number, run: number): Promise<CatchUpRun> {
  const c = await ServerCluster.start({
    acceptors: 3,
    groups: 1,
    runDir: join(REPO_ROOT, "build", "bench", `recovery-catchup-${run}`),
    ringSize: 65536,
  });
  try {
    const [u1, u2] = [c.urls.l1!, c.urls.l2!];
    await waitServing([u1, u2]);
    await fill(u1, 100);
    const atKill = await merged(u2);
    await c.kill("l2");
    progress(`  l2 killed at log length ${atKill}; ${entries} puts through l1`);
    await fill(u1, entries);
    const target = await merged(u1);
    const t0 = performance.now();
    await c.restart("l2");
    const ready = performance.now();
    for (;;) {
      if ((await merged(u2)) >= target) break;
      if (performance.now() - ready > 60_000) throw new Error(`l2 did not catch up to ${target} within 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const done = performance.now();
    const missing = target - atKill;
    return {
      missingEntries: missing,
      msFromReady: done - ready,
      msFromRestart: done - t0,
      entriesPerSecond: (missing * 1000) / (done - ready),
    };
  } finally {
    await c.stop();
  }
}

export interface RecoveryResult {
  failover: { runs: DemoOutcome[]; failoverGapMs: Spread; failbackGapMs: Spread };
  catchUp: { runs: CatchUpRun[]; entriesPerSecond: Spread };
}

export async function runRecoveryBench(opts: { quick: boolean }) {
  const demos = opts.quick ? 2 : 3;
  const requests = opts.quick ? 600 : 1500;
  const rate = 150;
  const runs: DemoOutcome[] = [];
  for (let i = 0; i < demos; i++) {
    progress(`failover: paxosctl demo --requests ${requests} --rate ${rate} (run ${i + 1}/${demos})`);
    const o = await runDemo(requests, rate, i + 1);
    progress(
      `  exit ${o.exitCode}, without service ${o.failoverGapMs.toFixed(0)} ms, fail-back gap ${o.failbackGapMs.toFixed(0)} ms`,
    );
    runs.push(o);
  }
  const ok = runs.filter((r) => Number.isFinite(r.failoverGapMs));
  const okBack = runs.filter((r) => Number.isFinite(r.failbackGapMs));
  const catchRuns: CatchUpRun[] = [];
  const entries = opts.quick ? 1500 : 4000;
  const catchReps = opts.quick ? 2 : 3;
  for (let i = 0; i < catchReps; i++) {
    progress(`catch-up: run ${i + 1}/${catchReps}`);
    const r = await catchUp(entries, i);
    progress(
      `  ${r.missingEntries} entries in ${r.msFromReady.toFixed(0)} ms: ${r.entriesPerSecond.toFixed(0)} entries/s`,
    );
    catchRuns.push(r);
  }
  const result: RecoveryResult = {
    failover: {
      runs,
      failoverGapMs: spread(ok.length ? ok.map((r) => r.failoverGapMs) : [Number.NaN]),
      failbackGapMs: spread(okBack.length ? okBack.map((r) => r.failbackGapMs) : [Number.NaN]),
    },
    catchUp: { runs: catchRuns, entriesPerSecond: spread(catchRuns.map((r) => r.entriesPerSecond)) },
  };
  return {
    benchmark: "recovery",
    machine: machine(),
    method:
      `failover: ${demos} × paxosctl demo (${requests} ops at ${rate}/s; coordinator switch SIGKILLed at 40%, restarted at 60%); ` +
      `catch-up: server-side deployment, KV replica l2 SIGKILLed, ${entries} puts via l1, l2 restarted, time from its readiness to equal log length`,
    ...result,
  };
}

const ms = (s: Spread) =>
  Number.isFinite(s.median) ? `${fixed(s.median)} ms (${fixed(s.min)} – ${fixed(s.max)})` : "n/a";

export function formatRecovery(r: RecoveryResult): string {
  const c = r.catchUp.entriesPerSecond;
  return [
    "| measure | median (min – max) | runs |",
    "|---|---:|---:|",
    `| time without service at failover | ${ms(r.failover.failoverGapMs)} | ${r.failover.runs.length} |`,
    `| time without service at fail-back | ${ms(r.failover.failbackGapMs)} | ${r.failover.runs.length} |`,
    `| restarted learner catch-up | ${Number.isFinite(c.median) ? `${fixed(c.median)} entries/s (${fixed(c.min)} – ${fixed(c.max)})` : "n/a"} | ${r.catchUp.runs.length} |`,
  ].join("\n");
}
