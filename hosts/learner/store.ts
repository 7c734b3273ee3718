// A learner's durable state (docs/hosts.md, "Persistence"):
//   log.bin        append-only: the merged log, one record per entry, in delivery order
//   snapshot.json  the application state after the first `index` entries, and the dedup table
// Records carry a CRC-32, so a record torn by a crash is detected and cut off on open; the
// snapshot is replaced atomically (write, fsync, rename).
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { Command } from "../../src/paxos/command.js";
import { VALUE_SIZE } from "../../src/wire/header.js";

export const LOG_MAGIC = new TextEncoder().encode("PXLOG1\n\0");
/** len(2) group(2) instance(4) proposer(4) seq(4) vlen(1) value crc(4); len counts what follows it. */
const FIXED = 2 + 4 + 4 + 4 + 1 + 4;

export interface LogEntry {
  group: number;
  instance: number;
  command: Command;
}

export interface SnapshotData {
  /** Merged-log entries the application state reflects. */
  index: number;
  /** Per proposer: [proposer, highest contiguous seq, seqs applied above it]. */
  dedup: [number, number, number[]][];
  app: unknown;
}

export interface LoadReport {
  entries: number;
  /** Bytes cut off the end of the log (a torn or corrupt tail). */
  truncatedBytes: number;
  snapshotIndex: number;
}

export class StoreError extends Error {
  override readonly name = "StoreError";
}

export function encodeRecord(e: LogEntry): Uint8Array {
  const v = e.command.value;
  if (v.length > VALUE_SIZE) throw new StoreError(`value of ${v.length} bytes exceeds ${VALUE_SIZE}`);
  const buf = new Uint8Array(2 + FIXED + v.length);
  const view = new DataView(buf.buffer);
  view.setUint16(0, FIXED + v.length);
  view.setUint16(2, e.group);
  view.setUint32(4, e.instance);
  view.setUint32(8, e.command.proposer);
  view.setUint32(12, e.command.seq);
  view.setUint8(16, v.length);
  buf.set(v, 17);
  view.setUint32(17 + v.length, crc32(buf.subarray(2, 17 + v.length)));
  return buf;
}

/** Decodes the records of a log body; stops at the first incomplete or corrupt one. */
export function decodeRecords(bytes: Uint8Array): { entries: LogEntry[]; validBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: LogEntry[] = [];
  let pos = 0;
  while (pos + 2 <= bytes.length) {
    const len = view.getUint16(pos);
    if (len < FIXED || len > FIXED + VALUE_SIZE || pos + 2 + len > bytes.length) break;
    const vlen = view.getUint8(pos + 16);
    if (len !== FIXED + vlen) break;
    const body = bytes.subarray(pos + 2, pos + 17 + vlen);
    if (crc32(body) !== view.getUint32(pos + 17 + vlen)) break;
    entries.push({
      group: view.getUint16(pos + 2),
      instance: view.getUint32(pos + 4),
      command: {
        proposer: view.getUint32(pos + 8),
        seq: view.getUint32(pos + 12),
        value: bytes.slice(pos + 17, pos + 17 + vlen),
      },
    });
    pos += 2 + len;
  }
  return { entries, validBytes: pos };
}

/** The merged log and snapshot of one learner, in `dir`. */
export class LearnerStore {
  readonly dir: string;
  private fd: number;
  private length: number;
  private readonly loaded: LogEntry[];
  private readonly snapshotData: SnapshotData | null;
  readonly report: LoadReport;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    const logPath = join(dir, "log.bin");
    if (!existsSync(logPath)) writeFileSync(logPath, LOG_MAGIC);
    const bytes = new Uint8Array(readFileSync(logPath));
    if (bytes.length < LOG_MAGIC.length || !LOG_MAGIC.every((b, k) => bytes[k] === b)) {
      throw new StoreError(`${logPath} is not a p4paxos learner log`);
    }
    const body = bytes.subarray(LOG_MAGIC.length);
    const { entries, validBytes } = decodeRecords(body);
    const valid = checkContinuity(entries);
    const keptBytes = valid === entries.length ? validBytes : byteLengthOf(entries.slice(0, valid));
    this.loaded = entries.slice(0, valid);
    this.fd = openSync(logPath, "r+");
    this.length = LOG_MAGIC.length + keptBytes;
    const truncatedBytes = body.length - keptBytes;
    if (truncatedBytes > 0) ftruncateSync(this.fd, this.length);
    this.snapshotData = readSnapshot(join(dir, "snapshot.json"));
    if (this.snapshotData && this.snapshotData.index > this.loaded.length) {
      // The snapshot is written only after the log is synced, so this means the log was damaged.
      throw new StoreError(
        `snapshot covers ${this.snapshotData.index} entries but the log has ${this.loaded.length}`,
      );
    }
    this.report = {
      entries: this.loaded.length,
      truncatedBytes,
      snapshotIndex: this.snapshotData?.index ?? 0,
    };
  }

  /** Entries found on open, in merged order. */
  entries(): readonly LogEntry[] {
    return this.loaded;
  }

  snapshot(): SnapshotData | null {
    return this.snapshotData;
  }

  append(e: LogEntry): void {
    const rec = encodeRecord(e);
    writeSync(this.fd, rec, 0, rec.length, this.length);
    this.length += rec.length;
  }

  /** Syncs the log, then atomically replaces the snapshot. */
  writeSnapshot(data: SnapshotData): void {
    fsyncSync(this.fd);
    const path = join(this.dir, "snapshot.json");
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, `${JSON.stringify({ format: "p4paxos-learner-snapshot", version: 1, ...data })}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** Number of leading entries whose instances run 1, 2, 3, … within each group. */
function checkContinuity(entries: readonly LogEntry[]): number {
  const next = new Map<number, number>();
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    if (e.instance !== (next.get(e.group) ?? 1)) return k;
    next.set(e.group, e.instance + 1);
  }
  return entries.length;
}

function byteLengthOf(entries: readonly LogEntry[]): number {
  return entries.reduce((n, e) => n + 2 + FIXED + e.command.value.length, 0);
}

function readSnapshot(path: string): SnapshotData | null {
  if (!existsSync(path)) return null;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new StoreError(`${path} is not valid JSON`);
  }
  const d = data as Partial<SnapshotData> & { format?: unknown; version?: unknown };
  if (
    d.format !== "p4paxos-learner-snapshot" ||
    d.version !== 1 ||
    typeof d.index !== "number" ||
    !Number.isInteger(d.index) ||
    d.index < 0 ||
    !Array.isArray(d.dedup)
  ) {
    throw new StoreError(`${path} is not a version 1 learner snapshot`);
  }
  for (const row of d.dedup) {
    const ok =
      Array.isArray(row) &&
      row.length === 3 &&
      Number.isInteger(row[0]) &&
      Number.isInteger(row[1]) &&
      Array.isArray(row[2]) &&
      row[2].every((s: unknown) => Number.isInteger(s));
    if (!ok) throw new StoreError(`${path}: malformed dedup table`);
  }
  return { index: d.index, dedup: d.dedup, app: d.app };
}
