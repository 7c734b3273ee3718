// The replicated KV state machine: applied by every replica in log order, deterministic, so
// replicas that applied the same log prefix hold the same map (compare with `digest()`).
import { createHash } from "node:crypto";
import type { Command } from "../../src/paxos/command.js";
import type { Delivery } from "../../src/paxos/effects.js";
import type { LearnerApp } from "../learner/daemon.js";
import { decodeKv, type KvCommand } from "./command.js";

export type KvResult =
  | { op: "put"; ok: true }
  | { op: "get"; found: boolean; value: Uint8Array | null }
  | { op: "del"; deleted: boolean }
  | { op: "cas"; ok: boolean; current: Uint8Array | null }
  /** A value in the log that is not a KV command (e.g. from `paxosctl propose`): no effect. */
  | { op: "invalid"; error: string };

const asKey = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
const fromKey = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"));

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

export class KvStateMachine implements LearnerApp {
  private readonly map = new Map<string, Uint8Array>();
  /** Commands applied (not counting no-ops and duplicates, which never reach apply). */
  appliedCount = 0;

  apply(command: Command, _at?: Delivery): KvResult {
    this.appliedCount++;
    const d = decodeKv(command.value);
    if (!d.ok) return { op: "invalid", error: d.error };
    return this.run(d.command);
  }

  /** Applies a decoded command (the state transition itself). */
  run(c: KvCommand): KvResult {
    const k = asKey(c.key);
    const current = this.map.get(k) ?? null;
    switch (c.op) {
      case "put":
        this.map.set(k, c.value.slice());
        return { op: "put", ok: true };
      case "get":
        return { op: "get", found: current !== null, value: current?.slice() ?? null };
      case "del":
        return { op: "del", deleted: this.map.delete(k) };
      case "cas": {
        const match = c.expected === null ? current === null : current !== null && equal(current, c.expected);
        if (match) this.map.set(k, c.value.slice());
        return { op: "cas", ok: match, current: current?.slice() ?? null };
      }
    }
  }

  /** A read of the local state, without the log (not linearizable: may be stale). */
  read(key: Uint8Array): Uint8Array | null {
    const v = this.map.get(asKey(key));
    return v ? v.slice() : null;
  }

  get size(): number {
    return this.map.size;
  }

  entries(): [Uint8Array, Uint8Array][] {
    return [...this.map.keys()].sort().map((k) => [fromKey(k), this.map.get(k)!.slice()]);
  }

  /** SHA-256 over the sorted contents: equal digests ⇔ equal stores. */
  digest(): string {
    const h = createHash("sha256");
    for (const k of [...this.map.keys()].sort()) {
      const v = this.map.get(k)!;
      h.update(Buffer.from([k.length])).update(Buffer.from(k, "latin1"));
      h.update(Buffer.from([v.length])).update(v);
    }
    return h.digest("hex");
  }

  snapshot(): unknown {
    return {
      applied: this.appliedCount,
      entries: [...this.map.keys()]
        .sort()
        .map((k) => [
          Buffer.from(k, "latin1").toString("base64"),
          Buffer.from(this.map.get(k)!).toString("base64"),
        ]),
    };
  }

  restore(state: unknown): void {
    const s = state as { applied?: unknown; entries?: unknown } | null;
    if (!s || !Array.isArray(s.entries) || typeof s.applied !== "number") {
      throw new Error("KV snapshot: expected { applied, entries: [[key, value], ...] }");
    }
    this.map.clear();
    for (const e of s.entries) {
      if (!Array.isArray(e) || typeof e[0] !== "string" || typeof e[1] !== "string") {
        throw new Error("KV snapshot: malformed entry");
      }
      this.map.set(
        Buffer.from(e[0], "base64").toString("latin1"),
        new Uint8Array(Buffer.from(e[1], "base64")),
      );
    }
    this.appliedCount = s.applied;
  }
}
