// examples/single.yaml as real processes: one switch is the coordinator and acceptor 1, server
// acceptors sa2 and sa3 complete the majority. The switch is no quorum on its own, so the
// controller's Phase 1 (start-up, fencing, hand-back) must count the server acceptors, which
// answer its P1A on the controller agent's socket. The switch then restarts with wiped
// registers: fenced, failover to the server coordinator, fail-back, and the KV service goes on
// with both replicas identical and the history linearizable.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KvClient } from "../../hosts/kv/client.js";
import { KvHistory } from "./kv-history.js";
import { delay, expectLinearizableAndAlive, launchedSuite, ROOT, replicaStatus, until } from "./launched.js";

const CONFIG = join(ROOT, "examples", "single.yaml");
const launchIt = launchedSuite("single");

describe("single switch with two server acceptors", () => {
  it("starts, survives the switch's restart with wiped state (fenced, failover, fail-back), replicas agree", async () => {
    const launched = await launchIt(CONFIG);
    const { cluster: c, follower, clock, controllerTail } = launched;
    // Start-up Phase 1 completed: the switch alone (acceptor 1) is no majority of three.
    const start = (re: RegExp) => follower.waitFor(re, Number.NEGATIVE_INFINITY, 5000);
    expect(await start(/Phase 1 with FENCE in round \d+ done/), controllerTail()).toBeDefined();
    expect(await start(/served by switch s1 in round/), controllerTail()).toBeDefined();

    const urls = c.kvUrls();
    const [urlA, urlB] = [urls.l1!, urls.l2!];
    const history = new KvHistory();
    let stopping = false;
    let acked = 0;
    let last: string | null = null;
    // One writer through l1; unanswered writes (the switch is every host's path) are retried
    // as new writes and stay in the history as "unknown".
    const writer = (async () => {
      const a = new KvClient(urlA, 3000);
      for (let i = 0; !stopping; i++) {
        const value = `v${i}`;
        const r = await history.run(a, 0, "k", { kind: "put", value });
        if (r.kind === "ok" && r.status === 200) {
          acked++;
          last = value;
        } else await delay(100);
        await delay(20);
      }
    })();
    const progress = (what: string, more: number) => {
      const target = acked + more;
      return until(`${what} (${target} writes acknowledged, at ${acked})`, () => acked >= target, 20_000);
    };
    try {
      await progress("writes before the restart", 10);
      const at = clock();
      await c.restart("switch-s1");
      const fenced = await follower.waitFor(/acceptor 1 lost its state; fenced/, at, 10_000);
      expect(fenced, controllerTail()).toBeDefined();
      // Failover: Phase 1 with FENCE over sa2, sa3 and the fenced switch acceptor.
      const server = await follower.waitFor(/served by server coordinator rc/, at, 20_000);
      expect(server, controllerTail()).toBeDefined();
      const back = await follower.waitFor(/served by switch s1 in round/, server!.at, 20_000);
      expect(back, controllerTail()).toBeDefined();
      await progress("writes after the fail-back", 10);
    } finally {
      stopping = true;
      await writer;
    }
    expect(history.errors).toEqual([]);

    // Both replicas reach the same log and state.
    let a = await replicaStatus(urlA);
    let b = await replicaStatus(urlB);
    await until(
      "replicas to agree",
      async () => {
        [a, b] = await Promise.all([replicaStatus(urlA), replicaStatus(urlB)]);
        return a !== null && JSON.stringify(a) === JSON.stringify(b);
      },
      15_000,
    ).catch(() => {});
    expect(b, `l2 at ${JSON.stringify(b)}, l1 at ${JSON.stringify(a)}`).toEqual(a);
    const r = await history.run(new KvClient(urlB, 3000), 1, "k", { kind: "get" });
    expect(r).toMatchObject({ kind: "ok", status: 200, body: { value: last } });

    expectLinearizableAndAlive(launched, history.ops);
  }, 120_000);
});
