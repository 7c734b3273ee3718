// Proposer ids of a KV replica. Request ids are (proposer id, seq) and the Proposer role numbers
// seqs from 1, so every start of a replica needs proposer ids never used before, or its first
// requests would be taken for duplicates of the last run's. Like client sessions in Raft or
// ZooKeeper, a replica opens a new session per start: the incarnation counter in its data
// directory (a random one without a directory).
//   bit 31: 1 (ids ≥ 2^31 are reserved for sessions; give proposer hosts smaller ids)
//   bit 30: 0 (KV replicas; `paxosctl propose` picks random ids with bits 31 and 30 set)
//   bits 29–20: learner id (10 bits)   bits 19–4: incarnation (16 bits)   bits 3–0: group index
import { randomInt } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MAX_KV_GROUPS = 16;

export function nextIncarnation(dataDir?: string): number {
  if (!dataDir) return randomInt(0, 0x10000);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "kv-session.json");
  let last = -1;
  if (existsSync(file)) {
    const data = JSON.parse(readFileSync(file, "utf8")) as { incarnation?: unknown };
    if (typeof data.incarnation !== "number" || !Number.isInteger(data.incarnation)) {
      throw new Error(`${file}: no integer 'incarnation'`);
    }
    last = data.incarnation;
  }
  const next = (last + 1) & 0xffff;
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ incarnation: next })}\n`);
  renameSync(tmp, file);
  return next;
}

export function sessionProposerId(learnerId: number, incarnation: number, groupIndex: number): number {
  if (groupIndex < 0 || groupIndex >= MAX_KV_GROUPS) throw new RangeError(`at most ${MAX_KV_GROUPS} groups`);
  return (0x8000_0000 + ((learnerId & 0x3ff) << 20) + ((incarnation & 0xffff) << 4) + groupIndex) >>> 0;
}

/** A random proposer id for a one-shot client (`paxosctl propose`): bits 31 and 30 set. */
export function randomClientProposerId(): number {
  return (0xc000_0000 + randomInt(1, 0x4000_0000)) >>> 0;
}
