// Load generator for the Mininet scenarios: proposes values "<tag>-<n>" to a group's service
// address for DURATION ms (or COUNT values) with WINDOW outstanding, and prints one JSON line per
// outcome as it happens, stamped with the wall clock (`t`, ms), so the scenario runner can time
// failovers from the stream. Uses the compiled ProposerClient (docs/hosts.md) from P4PAXOS_DIST
// (default: the checkout's dist/).
//
//   node mininet/load.mjs SERVICE_IP LEARNER_IP:PORT[,..] TAG DURATION_MS COUNT WINDOW TIMEOUT_MS [GROUP]

import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = process.env.P4PAXOS_DIST ?? join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { ProposerClient } = await load("hosts/proposer/client.js");
const { PeerTable } = await load("hosts/net/peers.js");
const { randomClientProposerId } = await load("hosts/kv/session.js");

const [service, learners, tag, durationMs, count, window, timeoutMs, groupArg] = process.argv.slice(2);
const group = Number(groupArg ?? 0);
const addr = (s) => {
  const [host, port] = s.split(":");
  return { host, port: Number(port) };
};
const id = randomClientProposerId();
const client = await ProposerClient.open({
  id,
  group,
  window: Number(window),
  timeout: 100,
  maxTimeout: 1600,
  bind: { host: "0.0.0.0", port: 0 },
  peers: new PeerTable({ coordinators: { [group]: { host: service, port: 34952 } } }),
  notifyFrom: learners.split(",").map(addr),
});
const out = (o) => process.stdout.write(`${JSON.stringify({ t: Date.now(), ...o })}\n`);
out({ start: true, proposer: id });
const end = Date.now() + Number(durationMs);
const max = Number(count);
const pending = new Set();
let n = 0;
// Keep WINDOW (+ a few queued) proposals in flight until the time or count budget is used up.
while (Date.now() < end && n < max) {
  while (pending.size < Number(window) * 2 && n < max && Date.now() < end) {
    const value = `${tag}-${++n}`;
    const p = client
      .propose(new TextEncoder().encode(value), Number(timeoutMs))
      .then(
        (r) =>
          out({
            value,
            ok: true,
            seq: r.seq,
            instance: r.instance,
            applied: r.applied,
            latencyMs: r.latencyMs,
          }),
        (e) => out({ value, ok: false, error: String(e?.message ?? e) }),
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.race(pending);
}
await Promise.all(pending);
await client.close();
out({ done: true, sent: n });
