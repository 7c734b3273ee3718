// Issue #5, on the loopback controller cluster (three acceptor switches, quorum 2): with two
// acceptor switches stopped the controller's probes (round-0 P1As) go unanswered, the coordinator
// switch gets its `refuse` role entry, and REQUESTs are refused at once with NACK_NOQUORUM —
// the hosts' ProposerClient fails them "not applied", far under its timeout, and status shows
// it. The two switches come back wiped, get fenced (floor/join), the group changes round and
// serves again; nothing decided is lost and both learners agree.
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { ACTIONS, TABLES } from "../../../controller/desired/names.js";
import { switchStatus } from "../../../controller/runtime/inspect.js";
import { PeerTable } from "../../../hosts/net/peers.js";
import { ProposeRefused, ProposerClient } from "../../../hosts/proposer/client.js";
import { tableWildcard } from "../../../src/p4runtime/entities.js";
import { P4InfoIndex } from "../../../src/p4runtime/p4info-index.js";
import { Cluster, checkAgreement, dump, enc, settled, until } from "./cluster.js";
import { LOCAL } from "./fabric.js";

let cluster: Cluster | null = null;
let client: ProposerClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
  await cluster?.close();
  cluster = null;
});

const PROPOSER = 5;
const TIMEOUT_MS = 5000;

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (out += `${t}\n`) });
  return { code, out };
}

describe("no quorum of acceptors", () => {
  it("refuses REQUESTs at once with the status, then serves again once the acceptors return", async () => {
    const { c, ctl } = await Cluster.running((x) => {
      cluster = x;
    });
    // The hosts' proposer, on p1's cable; l1 tells it what was delivered.
    const service = await c.bridges.get("p1")!.proxy({ host: c.d.paxos.groups[0]!.serviceIp, port: 34952 });
    const p = await ProposerClient.open({
      id: PROPOSER,
      group: 0,
      window: 4,
      timeout: 100,
      maxTimeout: 400,
      bind: { host: LOCAL, port: 0 },
      peers: new PeerTable({ coordinators: { 0: service } }),
    });
    client = p;
    c.l1!.learner!.onDelivery((d, verdict) => {
      if (d.command.proposer === PROPOSER)
        p.delivered(d.command.seq, { group: d.group, instance: d.instance, applied: verdict === "apply" });
    });
    const mine = (list: typeof c.delivered) =>
      list
        .filter((d) => d.command.proposer === PROPOSER)
        .map((d) => new TextDecoder().decode(d.command.value));
    try {
      for (let i = 0; i < 5; i++) await p.propose(enc(`a${i}`), TIMEOUT_MS);
      // Everything issued is delivered by both learners and trimmed: nothing waits for acc2/acc3.
      const last = Math.max(...c.delivered.map((d) => d.instance));
      await until("trim", () => ctl.group(0).trim >= last, 5000);
      await until("all alive", () => ctl.liveness(0).alive.length === 3, 2000);

      const stoppedAt = Date.now();
      await c.fabric.stop("acc2");
      await c.fabric.stop("acc3");
      await until("refusing", () => ctl.group(0).noQuorum !== undefined, 3000);
      const detectMs = Date.now() - stoppedAt;
      expect(ctl.group(0).noQuorum).toEqual({ alive: 1 });
      expect(
        c.logs.some((l) => l.endsWith("group 0: 1 of 3 acceptors alive (quorum 2): refusing requests")),
      ).toBe(true);
      // The coordinator switch holds the refuse entry; a REQUEST is refused, not stamped.
      const idx = new P4InfoIndex(c.pipeline.p4info);
      const coordAction = () =>
        c.fabric.daemons
          .get("coord")!
          .device.read([tableWildcard(idx.table(TABLES.coordinator).preamble!.id)])
          .map((e) => (e.entity.case === "tableEntry" ? idx.renderTableEntry(e.entity.value).action : null));
      await until("refuse entry", () => coordAction()[0] === ACTIONS.refuse, 2000);
      const refusals: { ms: number; error: ProposeRefused }[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const error = await p.propose(enc(`refused${i}`), TIMEOUT_MS).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ProposeRefused);
        refusals.push({ ms: Date.now() - t0, error: error as ProposeRefused });
      }
      for (const r of refusals) {
        // Well under the proposer's timeout: the first answer is the refusal.
        expect(r.ms).toBeLessThan(1000);
        expect(r.error.outcome).toBe("not_applied");
        expect(r.error.attempts).toBe(1);
        expect(r.error.status).toEqual({ alive: 1, acceptors: 3, quorum: 2 });
        expect(r.error.message).toMatch(/refused: 1 of 3 acceptors reachable, quorum 2; not applied$/);
      }
      // Not applied, so no hole in the request ids: the next request reuses the refused seq.
      expect(new Set(refusals.map((r) => r.error.seq)).size).toBe(1);

      // What an operator sees: the switch's refuse entry and the controller's view of the group.
      const coordRow = await switchStatus(c.d.switches.find((s) => s.name === "coord")!, { timeoutMs: 2000 });
      expect(coordRow.coordinator).toMatchObject([
        { group: 0, round: ctl.group(0).round, refusing: { alive: 1, acceptors: 3, quorum: 2 } },
      ]);
      const status = await cli("status", "-c", c.fabric.configPath, "--json", "--timeout-ms", "1000");
      const groups = JSON.parse(status.out.slice(status.out.indexOf("{"))).groups;
      expect(groups).toMatchObject([
        { group: 0, servedBy: "switch", alive: 1, acceptors: 3, quorum: 2, aliveIds: [1], refusing: true },
      ]);
      const text = await cli("status", "-c", c.fabric.configPath, "--timeout-ms", "1000");
      expect(text.out).toContain("refusing requests: no quorum (1 of 3 acceptors alive, quorum 2)");
      expect(text.out).toMatch(
        /group 0: served by switch coord .* acceptors alive 1 of 3 \(quorum 2; ids 1;.*refusing requests: no quorum/,
      );

      // Back, wiped: fenced (a tight join — the refusal issued nothing), round change, serving.
      const before = ctl.group(0).round;
      await c.fabric.start("acc2");
      await c.fabric.start("acc3");
      await until(
        "serving again",
        () =>
          ctl.group(0).noQuorum === undefined &&
          settled(c, "switch") &&
          [2, 3].every((id) => (ctl.group(0).acceptors[id]?.floor ?? 0) > before) &&
          Object.values(ctl.group(0).acceptors).every((f) => f.floor <= ctl.group(0).round),
        10_000,
      );
      expect(
        c.logs.some((l) => /group 0: quorum back \([23] of 3 acceptors alive, quorum 2\): serving$/.test(l)),
      ).toBe(true);
      for (const id of [2, 3]) expect(ctl.group(0).acceptors[id]!.join).toBeLessThan(c.d.p4.ringSize);
      for (let i = 0; i < 5; i++) await p.propose(enc(`b${i}`), TIMEOUT_MS);
      await until("l2 caught up", () => mine(c.delivered2).length === 10, 5000);
      expect(coordAction()).toEqual([ACTIONS.setCoordinator]);

      expect(checkAgreement(c)).toEqual([]);
      const want = ["a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3", "b4"];
      expect(mine(c.delivered)).toEqual(want);
      expect(mine(c.delivered2)).toEqual(want);
      expect(detectMs).toBeLessThan(2000);
    } catch (e) {
      console.log(dump(c));
      throw e;
    }
  }, 30_000);
});
