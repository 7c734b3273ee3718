// Digest delivery: the engine's learn-list events become DigestList messages for the primary,
// following the DigestEntry config of each digest (none configured: nothing is sent, as with
// simple_switch_grpc). Entries are batched up to max_list_size or max_timeout_ns; data already in
// a list that is not yet acknowledged is not sent again until its ack or ack_timeout_ns.
import { create } from "@bufbuild/protobuf";
import { encodeUnsigned } from "../../p4runtime/bytes.js";
import type { P4Data } from "../../p4runtime/gen/p4/v1/p4data_pb.js";
import { P4DataSchema } from "../../p4runtime/gen/p4/v1/p4data_pb.js";
import { type DigestList, DigestListSchema } from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import type { Digest } from "../engine.js";
import type { DigestInfo } from "./mapping.js";
import type { DigestConfig, PipelineState } from "./state.js";

export interface DigestStats {
  lists: number;
  entries: number;
  /** Digests of a digest without a DigestEntry config. */
  unconfigured: number;
  /** Entries held back because the same data awaits an ack. */
  suppressed: number;
  /** Lists that found no primary controller. */
  undelivered: number;
}

interface Pending {
  entries: P4Data[];
  keys: string[];
  timer: NodeJS.Timeout | undefined;
}

const bits = (v: bigint): Uint8Array => encodeUnsigned(v, Math.max(1, v.toString(2).length));

/** P4Data of one digest entry, shaped like the digest's P4Info type (struct, tuple or bitstring). */
export function digestData(info: DigestInfo, d: Digest): P4Data {
  const members = d.fields.map((f) =>
    create(P4DataSchema, { data: { case: "bitstring", value: bits(f.value) } }),
  );
  const t = info.typeSpec?.typeSpec;
  if (t?.case === "bitstring" && members.length === 1) return members[0]!;
  if (t?.case === "tuple") return create(P4DataSchema, { data: { case: "tuple", value: { members } } });
  return create(P4DataSchema, { data: { case: "struct", value: { members } } });
}

export class DigestDispatcher {
  readonly stats: DigestStats = { lists: 0, entries: 0, unconfigured: 0, suppressed: 0, undelivered: 0 };
  private nextListId = 1n;
  private readonly pending = new Map<number, Pending>();
  /** digest id → data key → time (ms) until which it is not re-sent. */
  private readonly awaiting = new Map<number, Map<string, number>>();
  private readonly lists = new Map<bigint, { digestId: number; keys: string[] }>();

  constructor(
    /** Sends to the primary; false if there is none. */
    private readonly send: (list: DigestList) => boolean,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  /** A learn-list event from the engine running `state`'s pipeline. */
  onDigest(state: PipelineState, d: Digest): void {
    const info = state.pipeline.map.digestsByListId.get(d.listId);
    const cfg = info && state.digestConfig.get(info.id);
    if (!info || !cfg) {
      this.stats.unconfigured += 1;
      return;
    }
    const key = d.fields.map((f) => f.value.toString(16)).join(":");
    const until = this.awaiting.get(info.id)?.get(key);
    let p = this.pending.get(info.id);
    if ((until !== undefined && until > this.nowMs()) || p?.keys.includes(key)) {
      this.stats.suppressed += 1;
      return;
    }
    if (!p) {
      p = { entries: [], keys: [], timer: undefined };
      this.pending.set(info.id, p);
    }
    p.entries.push(digestData(info, d));
    p.keys.push(key);
    const full = cfg.maxListSize > 0 && p.entries.length >= cfg.maxListSize;
    if (full || cfg.maxTimeoutNs === 0n) this.flush(info.id, cfg);
    else if (!p.timer) {
      const ms = Number(cfg.maxTimeoutNs / 1_000_000n);
      p.timer = setTimeout(() => this.flush(info.id, cfg), ms);
      p.timer.unref?.();
    }
  }

  private flush(digestId: number, cfg: DigestConfig): void {
    const p = this.pending.get(digestId);
    if (!p || p.entries.length === 0) return;
    this.pending.delete(digestId);
    clearTimeout(p.timer);
    const listId = this.nextListId++;
    const list = create(DigestListSchema, {
      digestId,
      listId,
      data: p.entries,
      timestamp: BigInt(Date.now()) * 1_000_000n,
    });
    if (!this.send(list)) {
      this.stats.undelivered += 1;
      return;
    }
    this.stats.lists += 1;
    this.stats.entries += p.entries.length;
    if (cfg.ackTimeoutNs > 0n) {
      const until = this.nowMs() + Number(cfg.ackTimeoutNs / 1_000_000n);
      let m = this.awaiting.get(digestId);
      if (!m) {
        m = new Map();
        this.awaiting.set(digestId, m);
      }
      for (const k of p.keys) m.set(k, until);
      this.lists.set(listId, { digestId, keys: p.keys });
    }
  }

  /** A DigestListAck: its data may be reported again. Unknown lists are ignored. */
  ack(digestId: number, listId: bigint): boolean {
    const l = this.lists.get(listId);
    if (!l || l.digestId !== digestId) return false;
    this.lists.delete(listId);
    const m = this.awaiting.get(digestId);
    for (const k of l.keys) m?.delete(k);
    return true;
  }

  /** Forgets everything (new pipeline, shutdown). */
  reset(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.awaiting.clear();
    this.lists.clear();
  }
}
