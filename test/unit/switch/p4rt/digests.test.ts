// Digest batching, acknowledgement and suppression, on a fake clock.
import { describe, expect, it } from "vitest";
import type { DigestList } from "../../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { DigestDispatcher } from "../../../../src/switch/p4rt/digests.js";
import { buildPipeline } from "../../../../src/switch/p4rt/pipeline.js";
import { PipelineState } from "../../../../src/switch/p4rt/state.js";
import { config, idx } from "./helpers.js";

const digestId = idx.digest("learn_t").preamble!.id;

function setup(cfg: { maxTimeoutNs?: bigint; maxListSize?: number; ackTimeoutNs?: bigint } | undefined) {
  const state = new PipelineState(buildPipeline(config(), { cpuPort: 64 }));
  if (cfg) state.digestConfig.set(digestId, { maxTimeoutNs: 0n, maxListSize: 0, ackTimeoutNs: 0n, ...cfg });
  let now = 1000;
  const sent: DigestList[] = [];
  let primary = true;
  const d = new DigestDispatcher(
    (l) => {
      if (primary) sent.push(l);
      return primary;
    },
    () => now,
  );
  const learn = (mac: number, port: number) =>
    d.onDigest(state, {
      listId: 1,
      name: "learn_t",
      fields: [
        { name: "srcAddr", value: BigInt(mac) },
        { name: "port", value: BigInt(port) },
      ],
    });
  return {
    d,
    sent,
    learn,
    tick: (ms: number) => {
      now += ms;
    },
    setPrimary: (p: boolean) => {
      primary = p;
    },
  };
}

describe("DigestDispatcher", () => {
  it("sends nothing for a digest without config", () => {
    const t = setup(undefined);
    t.learn(1, 1);
    expect(t.sent).toEqual([]);
    expect(t.d.stats.unconfigured).toBe(1);
  });

  it("batches up to max_list_size, suppresses unacked data until ack or ack timeout", () => {
    const t = setup({ maxListSize: 2, maxTimeoutNs: 10_000_000_000n, ackTimeoutNs: 500_000_000n });
    t.learn(1, 1);
    expect(t.sent).toHaveLength(0);
    t.learn(1, 1); // same data already pending
    t.learn(2, 1);
    expect(t.sent).toHaveLength(1);
    const list = t.sent[0]!;
    expect(list.digestId).toBe(digestId);
    expect(list.data.map((x) => idx.decodeDigest("learn_t", x))).toEqual([
      { srcAddr: 1n, port: 1n },
      { srcAddr: 2n, port: 1n },
    ]);
    // Awaiting its ack: the same data is held back...
    t.learn(1, 1);
    t.learn(3, 1);
    t.learn(4, 1);
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]!.data.map((x) => idx.decodeDigest("learn_t", x))).toEqual([
      { srcAddr: 3n, port: 1n },
      { srcAddr: 4n, port: 1n },
    ]);
    expect(t.d.stats.suppressed).toBe(2);
    // ...until acked (list 1) or the ack timeout passes (list 2).
    expect(t.d.ack(digestId, list.listId)).toBe(true);
    expect(t.d.ack(digestId, list.listId)).toBe(false);
    t.tick(600);
    t.learn(1, 1);
    t.learn(3, 1);
    expect(t.sent).toHaveLength(3);
    expect(t.sent[2]!.listId).toBeGreaterThan(t.sent[1]!.listId);
  });

  it("flushes on max_timeout_ns, and counts lists that find no primary", async () => {
    const t = setup({ maxTimeoutNs: 20_000_000n, maxListSize: 100 });
    t.learn(5, 2);
    expect(t.sent).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(t.sent).toHaveLength(1);
    t.setPrimary(false);
    const u = setup({});
    u.setPrimary(false);
    u.learn(6, 2);
    expect(u.d.stats.undelivered).toBe(1);
  });
});
