// Concurrent KV clients against the replicas' HTTP APIs, recording an invoke/complete history
// for the linearizability checker.
import { KvClient, type KvClientResult } from "../../../hosts/kv/client.js";
import type { HistoryOp, KvOp, KvOutput } from "../../../hosts/kv/linearizability.js";

function outputOf(op: KvOp, r: KvClientResult): KvOutput | null {
  // No answer, or refused with the outcome unknown: it may have taken effect or not.
  if (r.kind === "unknown" || r.kind === "refused") return null;
  const { status, body } = r;
  switch (op.kind) {
    case "put":
      if (status !== 200) throw new Error(`put answered ${status}: ${JSON.stringify(body)}`);
      return { kind: "put" };
    case "get":
      if (status === 404) return { kind: "get", value: null };
      if (status !== 200) throw new Error(`get answered ${status}: ${JSON.stringify(body)}`);
      return { kind: "get", value: String(body.value) };
    case "del":
      if (status !== 200) throw new Error(`del answered ${status}: ${JSON.stringify(body)}`);
      return { kind: "del", deleted: body.deleted === true };
    case "cas":
      if (status !== 200 && status !== 409)
        throw new Error(`cas answered ${status}: ${JSON.stringify(body)}`);
      return { kind: "cas", ok: status === 200 };
  }
}

export interface Workload {
  urls: () => string[];
  clients: number;
  opsPerClient: number;
  keys: string[];
  /** Deterministic choice stream per client. */
  seed: number;
  /** Receives each operation as it completes (to watch progress); default: a fresh array. */
  sink?: HistoryOp[];
}

/** Runs the clients concurrently; each issues one operation at a time. */
export async function runWorkload(w: Workload): Promise<HistoryOp[]> {
  const history: HistoryOp[] = w.sink ?? [];
  let id = 0;
  let rng = w.seed >>> 0 || 1;
  const rand = (n: number): number => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) % n;
  };
  const client = async (p: number): Promise<void> => {
    for (let n = 0; n < w.opsPerClient; n++) {
      const urls = w.urls();
      const kv = new KvClient(urls[rand(urls.length)]!, 3000);
      const key = w.keys[rand(w.keys.length)]!;
      const value = `c${p}n${n}`;
      const pick = rand(10);
      const op: KvOp =
        pick < 4
          ? { kind: "put", value }
          : pick < 7
            ? { kind: "get" }
            : pick < 8
              ? { kind: "del" }
              : {
                  kind: "cas",
                  expected: rand(2) ? null : `c${rand(w.clients)}n${Math.max(0, n - 1)}`,
                  value,
                };
      const invoke = performance.now();
      const r =
        op.kind === "put"
          ? await kv.put(key, op.value)
          : op.kind === "get"
            ? await kv.get(key)
            : op.kind === "del"
              ? await kv.del(key)
              : await kv.cas(key, op.expected, op.value);
      const output = outputOf(op, r);
      history.push({
        id: id++,
        process: p,
        key,
        op,
        invoke,
        complete: output ? performance.now() : null,
        output,
      });
    }
  };
  await Promise.all(Array.from({ length: w.clients }, (_, p) => client(p)));
  return history;
}
