// Issue 6: a KV replica that is down while the coordinator fails over and back must converge when
// it restarts. The demo deployment runs as real processes (switches, bridges, agents,
// controller); replica l2's agent is SIGKILLed, the coordinator switch is killed and restarted
// while clients keep writing through l1, then l2 restarts from its data directory and must
// catch up: same log length and digest as l1, every write visible, the counter exact, the whole
// client history linearizable.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coordinatorSwitchOf } from "../../controller/desired/compute.js";
import { loadOrThrow } from "../../controller/launch/launcher.js";
import { tail } from "../../controller/launch/process.js";
import { KvClient } from "../../hosts/kv/client.js";
import { KvHistory } from "./kv-history.js";
import {
  delay,
  expectLinearizableAndAlive,
  launchedSuite,
  ROOT,
  type ReplicaStatus as Status,
  replicaStatus as status,
  until,
} from "./launched.js";

const CONFIG = join(ROOT, "examples", "demo.yaml");
const launchIt = launchedSuite("replica-failover");

describe("a KV replica down during a coordinator failover", () => {
  it("catches up after it restarts: same log and digest, every write, exactly-once CAS, linearizable", async () => {
    const d = await loadOrThrow(CONFIG);
    const coord = coordinatorSwitchOf(d, d.paxos.groups[0]!.id)!;
    const [hostA, hostB] = d.hosts.filter((h) => h.roles.kv).map((h) => h.name) as [string, string];
    const launched = await launchIt(CONFIG);
    const { cluster: c, follower, clock, controllerTail } = launched;
    const urlA = c.kvUrls()[hostA]!;
    const urlB = c.kvUrls()[hostB]!;
    const history = new KvHistory();
    const problems: string[] = [];
    let beforeFailback: Status | null = null;

    // Clients on replica A, running through every phase below. Writers put to a key of their
    // own (and read it back now and then); the incrementer is the counter's only writer, so when
    // a CAS goes unanswered, reading n+1 back means it was applied (at most once: a late copy of
    // CAS(n → n+1) fails once the counter holds n+1).
    let stopping = false;
    // Set if the service does not come back: clients then give up instead of retrying forever.
    let abandon = false;
    // Each client starts at most one operation per PACE_MS (see the report on fail-back ranges).
    const PACE_MS = 100;
    const pace = (since: number) => delay(Math.max(0, since + PACE_MS - performance.now()));
    const WRITERS = 3;
    const lastAcked: (string | null)[] = Array(WRITERS).fill(null);
    const writer = async (w: number) => {
      const a = new KvClient(urlA, 5000);
      let settled = true;
      for (let i = 0; !stopping || (!settled && !abandon); i++) {
        const started = performance.now();
        if (i % 4 === 3) {
          await history.run(a, w, `key${w}`, { kind: "get" });
          await pace(started);
          continue;
        }
        const value = `w${w}-${i}`;
        const r = await history.run(a, w, `key${w}`, { kind: "put", value });
        settled = r.kind === "ok" && r.status === 200;
        if (settled) lastAcked[w] = value;
        await pace(started);
      }
    };
    let counter = 0;
    const incrementer = async () => {
      const a = new KvClient(urlA, 5000);
      const proc = WRITERS;
      while (!stopping) {
        const started = performance.now();
        const next = String(counter + 1);
        const expected = counter === 0 ? null : String(counter);
        const r = await history.run(a, proc, "counter", { kind: "cas", expected, value: next });
        if (r.kind === "ok" && r.status === 200) {
          counter++;
          await pace(started);
          continue;
        }
        // Refused or unanswered: the counter says whether it happened.
        while (!abandon) {
          const g = await history.run(a, proc, "counter", { kind: "get" });
          if (g.kind !== "ok") {
            await delay(PACE_MS);
            continue;
          }
          const v = g.status === 200 ? g.body.value : null;
          if (v === next) counter++;
          else if (v !== expected)
            problems.push(`counter reads ${String(v)}, expected ${expected} or ${next}`);
          break;
        }
      }
    };
    const clients = Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), incrementer()]);
    const progress = (what: string, more: number, ms = 20_000) => {
      const target = counter + more;
      return until(`${what} (counter ${target}, at ${counter})`, () => counter >= target, ms);
    };

    try {
      await progress("writes with both replicas up", 10);
      await c.kill(`agent-${hostB}`);
      await progress(`writes with ${hostB} down`, 5);

      const killAt = clock();
      await c.kill(`switch-${coord.name}`);
      const failover = await follower.waitFor(/served by server coordinator/, killAt, 20_000);
      expect(failover, `the controller never failed over:\n${controllerTail()}`).toBeDefined();
      await progress("writes served by the server coordinator", 5);

      beforeFailback = await status(urlA);
      const restartAt = clock();
      await c.restart(`switch-${coord.name}`);
      const failback = await follower.waitFor(
        new RegExp(`served by switch ${coord.name} in round`),
        restartAt,
        20_000,
      );
      expect(
        failback,
        `the coordinator switch never got the group back (${hostA} had ${beforeFailback?.merged} entries, trim stuck where ${hostB} stopped):\n${controllerTail()}`,
      ).toBeDefined();
      await progress("writes after the fail-back", 5);
    } finally {
      stopping = true;
      const giveUp = setTimeout(() => {
        abandon = true;
      }, 15_000);
      await clients;
      clearTimeout(giveUp);
    }
    expect(problems).toEqual([]);
    expect(history.errors).toEqual([]);
    const stA = await status(urlA);
    expect(stA).not.toBeNull();

    // B comes back with the log it had on disk and must learn everything it missed.
    await c.restart(`agent-${hostB}`);
    // Both replicas are polled: A may still merge entries decided after the clients stopped.
    let stB: Status | null = null;
    let stA2: Status | null = null;
    const caughtUp = await until(
      `${hostB} to agree with ${hostA} (at least ${stA!.merged} entries)`,
      async () => {
        [stA2, stB] = await Promise.all([status(urlA), status(urlB)]);
        return stB !== null && stB.merged >= stA!.merged && JSON.stringify(stB) === JSON.stringify(stA2);
      },
      20_000,
    ).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(
      caughtUp,
      `${hostB} stopped at ${JSON.stringify(stB)}, ${hostA} at ${JSON.stringify(stA2)}; its log:\n${tail(c.logFile(`agent-${hostB}`), 30).join("\n")}`,
    ).toBeNull();
    expect(stB).toEqual(stA2);

    // Every write, read back through B (and recorded: the checker sees these reads too).
    const b = new KvClient(urlB, 5000);
    for (let w = 0; w < WRITERS; w++) {
      const r = await history.run(b, 10 + w, `key${w}`, { kind: "get" });
      expect(r, `key${w} through ${hostB}`).toMatchObject({
        kind: "ok",
        status: 200,
        body: { value: lastAcked[w] },
      });
    }
    expect(counter).toBeGreaterThanOrEqual(25);
    const r = await history.run(b, 20, "counter", { kind: "get" });
    expect(r).toMatchObject({ kind: "ok", status: 200, body: { value: String(counter) } });

    expectLinearizableAndAlive(launched, history.ops);
  }, 120_000);
});
