import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DedupTable } from "../../../hosts/learner/dedup.js";
import {
  decodeRecords,
  encodeRecord,
  LearnerStore,
  LOG_MAGIC,
  StoreError,
} from "../../../hosts/learner/store.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "p4paxos-store-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (group: number, instance: number, seq: number, text = `v${seq}`) => ({
  group,
  instance,
  command: { proposer: 3, seq, value: new TextEncoder().encode(text) },
});

describe("learner log records", () => {
  it("have the documented layout: length, fields, value, CRC-32", () => {
    const rec = encodeRecord(entry(1, 2, 3, "ab"));
    // len(2)=19+2, group(2), instance(4), proposer(4), seq(4), vlen(1), value(2), crc(4)
    expect(rec.length).toBe(2 + 19 + 2);
    expect([...rec.slice(0, 17)]).toEqual([0, 21, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3, 2]);
    expect(decodeRecords(rec).entries).toEqual([entry(1, 2, 3, "ab")]);
  });

  it("stop at a flipped bit (CRC) or a torn tail", () => {
    const a = encodeRecord(entry(0, 1, 1));
    const b = encodeRecord(entry(0, 2, 2));
    const both = new Uint8Array([...a, ...b]);
    expect(decodeRecords(both).entries).toHaveLength(2);
    expect(decodeRecords(both.slice(0, both.length - 1))).toEqual({
      entries: [entry(0, 1, 1)],
      validBytes: a.length,
    });
    const flipped = both.slice();
    flipped[a.length + 8]! ^= 1;
    expect(decodeRecords(flipped).entries).toHaveLength(1);
  });
});

describe("LearnerStore", () => {
  it("persists appends and snapshots across reopen", () => {
    const dir = tempDir();
    const s = new LearnerStore(dir);
    s.append(entry(0, 1, 1));
    s.append(entry(1, 1, 2));
    s.append(entry(0, 2, 3));
    s.writeSnapshot({ index: 2, dedup: [[3, 2, []]], app: { any: "thing" } });
    s.close();
    const again = new LearnerStore(dir);
    expect(again.entries()).toEqual([entry(0, 1, 1), entry(1, 1, 2), entry(0, 2, 3)]);
    expect(again.snapshot()).toEqual({ index: 2, dedup: [[3, 2, []]], app: { any: "thing" } });
    expect(again.report).toEqual({ entries: 3, truncatedBytes: 0, snapshotIndex: 2 });
    again.close();
    expect(Buffer.from(readFileSync(join(dir, "log.bin")).subarray(0, 8))).toEqual(Buffer.from(LOG_MAGIC));
  });

  it("cuts off a torn last record and keeps appending after it", () => {
    const dir = tempDir();
    const s = new LearnerStore(dir);
    s.append(entry(0, 1, 1));
    s.close();
    appendFileSync(join(dir, "log.bin"), encodeRecord(entry(0, 2, 2)).slice(0, 10));
    const again = new LearnerStore(dir);
    expect(again.report.entries).toBe(1);
    expect(again.report.truncatedBytes).toBe(10);
    again.append(entry(0, 2, 2));
    again.close();
    expect(new LearnerStore(dir).entries()).toHaveLength(2);
  });

  it("cuts the log where instances stop being consecutive per group", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "log.bin"),
      new Uint8Array([...LOG_MAGIC, ...encodeRecord(entry(0, 1, 1)), ...encodeRecord(entry(0, 3, 2))]),
    );
    const s = new LearnerStore(dir);
    expect(s.entries()).toHaveLength(1);
    s.close();
    expect(statSync(join(dir, "log.bin")).size).toBe(LOG_MAGIC.length + encodeRecord(entry(0, 1, 1)).length);
  });

  it("refuses foreign files and snapshots beyond the log", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "log.bin"), "hello");
    expect(() => new LearnerStore(dir)).toThrow(StoreError);
    const dir2 = tempDir();
    const s = new LearnerStore(dir2);
    s.writeSnapshot({ index: 5, dedup: [], app: null });
    s.close();
    expect(() => new LearnerStore(dir2)).toThrow(/snapshot covers 5/);
    const dir3 = tempDir();
    writeFileSync(join(dir3, "snapshot.json"), '{"format":"x"}');
    expect(() => new LearnerStore(dir3)).toThrow(/version 1 learner snapshot/);
  });
});

describe("DedupTable", () => {
  it("gives AtMostOnce's verdicts and survives export/import", () => {
    const t = new DedupTable();
    const c = (proposer: number, seq: number) => ({ proposer, seq, value: new Uint8Array([1]) });
    expect(t.check(c(1, 1))).toBe("apply");
    expect(t.check(c(1, 3))).toBe("apply");
    expect(t.check(c(1, 1))).toBe("duplicate");
    expect(t.check(c(2, 1))).toBe("apply");
    expect(t.check({ proposer: 0, seq: 0, value: new Uint8Array(0) })).toBe("noop");
    const rows = t.export();
    expect(rows).toEqual([
      [1, 1, [3]],
      [2, 1, []],
    ]);
    const u = new DedupTable();
    u.import(rows);
    expect(u.check(c(1, 3))).toBe("duplicate");
    expect(u.check(c(1, 1))).toBe("duplicate");
    expect(u.check(c(1, 2))).toBe("apply");
    expect(u.export()).toEqual([
      [1, 3, []],
      [2, 1, []],
    ]);
  });
});
