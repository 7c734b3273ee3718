// The demo's load client: KV operations against the replicas' HTTP APIs at a bounded rate with
// a bounded number in flight, recorded as a history for the linearizability checker. Each
// worker is one client (one replica, one operation at a time); operations are drawn from a
// seeded generator so a run can be repeated.
import { KvClient, type KvClientResult } from "../../hosts/kv/client.js";
import type { HistoryOp, KvOp, KvOutput } from "../../hosts/kv/linearizability.js";
import { Prng } from "../../src/paxos/sim/prng.js";

export interface WorkloadOptions {
  /** KV replica base URLs; worker w uses urls[w % urls.length]. */
  urls: string[];
  requests: number;
  /** Operations started per second (all workers together). */
  rate: number;
  /** Workers (operations in flight at most). */
  concurrency: number;
  /** Distinct keys. */
  keys: number;
  seed: number;
  /** Per-request HTTP deadline (ms). */
  timeoutMs?: number;
}

export interface WorkloadResult {
  history: HistoryOp[];
  /** Completion times (ms since start) of answered operations. */
  completions: number[];
  /** Latency (ms) of answered operations. */
  latencies: number[];
  answered: number;
  /** No answer (timeout, 504), or refused with outcome unknown: outcome unknown. */
  unknown: number;
  /** Refused at once (503, no quorum of acceptors), known not applied: left out of the history. */
  refused: number;
  /** Refused (4xx/5xx other than 409/404 as answers): a bug in the client or a replica. */
  errors: string[];
  elapsedMs: number;
}

/** Operation i of the run: half puts, a quarter CAS (from the value this client last saw), a quarter gets. */
export function makeOp(
  r: () => number,
  i: number,
  keys: number,
  seen: Map<string, string | null>,
): { key: string; op: KvOp } {
  const key = `k${Math.floor(r() * keys)}`;
  const x = r();
  if (x < 0.5) return { key, op: { kind: "put", value: `v${i}` } };
  if (x < 0.75) return { key, op: { kind: "cas", expected: seen.get(key) ?? null, value: `c${i}` } };
  return { key, op: { kind: "get" } };
}

/** The checker's output for an HTTP answer; undefined if the answer is not one. */
export function outputOf(op: KvOp, res: Extract<KvClientResult, { kind: "ok" }>): KvOutput | undefined {
  const { status, body } = res;
  switch (op.kind) {
    case "put":
      return status === 200 ? { kind: "put" } : undefined;
    case "get":
      if (status === 200 && typeof body.value === "string") return { kind: "get", value: body.value };
      return status === 404 ? { kind: "get", value: null } : undefined;
    case "cas":
      return status === 200
        ? { kind: "cas", ok: true }
        : status === 409
          ? { kind: "cas", ok: false }
          : undefined;
    case "del":
      return status === 200 ? { kind: "del", deleted: body.deleted === true } : undefined;
  }
}

/** Sends one KV operation through `c`. */
export function sendKvOp(c: KvClient, key: string, op: KvOp): Promise<KvClientResult> {
  switch (op.kind) {
    case "put":
      return c.put(key, op.value);
    case "get":
      return c.get(key);
    case "cas":
      return c.cas(key, op.expected, op.value);
    case "del":
      return c.del(key);
  }
}

export class Workload {
  completed = 0;
  private readonly result: WorkloadResult = {
    history: [],
    completions: [],
    latencies: [],
    answered: 0,
    unknown: 0,
    refused: 0,
    errors: [],
    elapsedMs: 0,
  };
  readonly t0 = performance.now();
  private stopped = false;

  constructor(private readonly o: WorkloadOptions) {}

  /** Starts no further operations (those in flight still complete). */
  stop(): void {
    this.stopped = true;
  }

  /** Milliseconds since the workload was created (the clock of the history). */
  now(): number {
    return performance.now() - this.t0;
  }

  async run(): Promise<WorkloadResult> {
    const { o } = this;
    const prng = new Prng(o.seed);
    const r = () => prng.next();
    let next = 0;
    const worker = async (w: number) => {
      const client = new KvClient(o.urls[w % o.urls.length]!, o.timeoutMs ?? 10_000);
      const seen = new Map<string, string | null>();
      for (;;) {
        const i = next++;
        if (i >= o.requests || this.stopped) return;
        const { key, op } = makeOp(r, i, o.keys, seen);
        const due = (i * 1000) / o.rate;
        const wait = due - this.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        if (this.stopped) return;
        const invoke = this.now();
        const res = await sendKvOp(client, key, op);
        const complete = this.now();
        const h: HistoryOp = { id: i, process: w, key, op, invoke, complete: null, output: null };
        if (res.kind === "ok") {
          const out = outputOf(op, res);
          if (out) {
            h.complete = complete;
            h.output = out;
            this.result.answered++;
            this.result.completions.push(complete);
            this.result.latencies.push(complete - invoke);
            if (out.kind === "get") seen.set(key, out.value);
            else if (op.kind === "put") seen.set(key, op.value);
            else if (op.kind === "cas" && out.kind === "cas" && out.ok) seen.set(key, op.value);
          } else {
            this.result.unknown++;
            this.result.errors.push(`${op.kind} ${key}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
          }
        } else if (res.kind === "refused" && res.outcome === "not_applied") {
          // It never takes effect: not an operation of the history (the checker would catch
          // a refusal that did take effect as a value written by nobody).
          this.result.refused++;
          this.completed++;
          continue;
        } else {
          this.result.unknown++;
        }
        this.result.history.push(h);
        this.completed++;
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
    this.result.elapsedMs = this.now();
    this.result.history.sort((a, b) => a.id - b.id);
    return this.result;
  }
}
