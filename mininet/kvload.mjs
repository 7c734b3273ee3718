// KV workload for the Mininet scenarios: CLIENTS concurrent clients issue random put/get/del/cas
// on a few keys against the KV replicas (alternating between them) for DURATION ms, record the
// history (invoke/complete on a monotonic clock; a timeout or lost answer is "outcome unknown"),
// and check it with the project's linearizability checker (hosts/kv/linearizability.ts). Prints
// one JSON line: {ops, completed, unknown, result}. Exit code 1 if the history is not linearizable.
//
//   node mininet/kvload.mjs REPLICA_URL[,..] DURATION_MS CLIENTS

import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = process.env.P4PAXOS_DIST ?? join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { KvClient } = await load("hosts/kv/client.js");
const { checkLinearizable } = await load("hosts/kv/linearizability.js");

const [urls, durationMs, clients] = process.argv.slice(2);
const replicas = urls.split(",").map((u) => new KvClient(u, 10_000));
const KEYS = ["k0", "k1", "k2"];
const history = [];
let nextId = 0;
const end = performance.now() + Number(durationMs);
const pick = (a) => a[Math.floor(Math.random() * a.length)];

/** Maps a replica answer to the checker's output; null when the outcome is unknown. */
function output(op, r) {
  if (r.kind !== "ok") return null;
  switch (op.kind) {
    case "put":
      return r.status === 200 ? { kind: "put" } : null;
    case "get":
      if (r.status === 200) return { kind: "get", value: String(r.body.value) };
      return r.status === 404 ? { kind: "get", value: null } : null;
    case "del":
      return r.status === 200 ? { kind: "del", deleted: r.body.deleted === true } : null;
    case "cas":
      if (r.status === 200) return { kind: "cas", ok: true };
      return r.status === 409 ? { kind: "cas", ok: false } : null;
  }
  return null;
}

async function client(c) {
  let n = 0;
  while (performance.now() < end) {
    const key = pick(KEYS);
    const value = `c${c}v${++n}`;
    const kind = pick(["put", "get", "get", "cas", "del"]);
    const op =
      kind === "put"
        ? { kind, value }
        : kind === "cas"
          ? {
              kind,
              expected: Math.random() < 0.3 ? null : `c${pick([0, 1, 2])}v${Math.max(1, n - 1)}`,
              value,
            }
          : { kind };
    const kv = replicas[(c + n) % replicas.length];
    const h = { id: nextId++, process: c, key, op, invoke: performance.now(), complete: null, output: null };
    history.push(h);
    const r =
      kind === "put"
        ? await kv.put(key, value)
        : kind === "get"
          ? await kv.get(key)
          : kind === "del"
            ? await kv.del(key)
            : await kv.cas(key, op.expected, value);
    const out = output(op, r);
    if (out) {
      h.complete = performance.now();
      h.output = out;
    }
  }
}

await Promise.all(Array.from({ length: Number(clients) }, (_, c) => client(c)));
const result = checkLinearizable(history);
const completed = history.filter((h) => h.complete !== null).length;
const summary = { ops: history.length, completed, unknown: history.length - completed, result };
if (result.ok === false)
  summary.result = { ok: false, key: result.key, reason: result.reason, ops: result.ops.length };
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = result.ok === false ? 1 : 0;
