// Publishing of benchmark results (bench/publish.ts) and the scaling workload's pure parts, on
// small fixture results in ./fixtures. Output content only; no timing is asserted.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  loadResults,
  publish,
  README_BEGIN,
  README_END,
  renderProvenance,
  renderReadmeSection,
  renderSummary,
  replaceBetweenMarkers,
} from "../../../bench/publish.js";
import {
  clientKeys,
  formatScaling,
  groupOfKey,
  KEY_BYTES,
  keyName,
  type ScalingRow,
  valueFor,
} from "../../../bench/scaling.js";
import { withValueLength } from "../../../bench/switch.js";
import {
  decodePaxosFrame,
  encodePaxosFrame,
  MsgType,
  makeMessage,
  parseIPv4,
  parseMac,
} from "../../../src/wire/index.js";

const FIXTURES = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures");

const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("loadResults", () => {
  it("reads the four result files that exist", () => {
    const r = loadResults(FIXTURES);
    expect(Object.keys(r).sort()).toEqual(["consensus", "recovery", "scaling", "switch"]);
    expect(r.scaling?.rows).toHaveLength(9);
  });
  it("is empty for a directory without results", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-empty-"));
    tmp.push(dir);
    expect(loadResults(dir)).toEqual({});
    expect(renderProvenance({})).toContain("No results yet");
  });
});

describe("renderSummary", () => {
  const md = renderSummary(loadResults(FIXTURES));

  it("says which command produced the numbers, on which machine and when", () => {
    expect(md).toContain(
      "Produced by `make bench` on 2 × Test CPU, 8 GiB, Node v20.0.0, linux-x64, 2026-01-02 03:04 UTC.",
    );
    expect(md).toContain("## Switch pipeline (took 1 min 05 s)");
    expect(md).toContain("Method: closed loop, 32 clients.");
  });
  it("has the switch table with command length and packets per CPU second", () => {
    expect(md).toContain(
      "| coordinator (REQUEST → 2A) | in-process | 8 | 71.0 k/s | 70.0 k/s – 72.0 k/s | 81.0 k/s | 2 |",
    );
    expect(md).toContain("| coordinator (REQUEST → 2A) | udp-tunnel | 64 | 14.0 k/s |");
  });
  it("has one consensus row per mode and offered rate, n/a for a missing percentile, and the plot", () => {
    expect(md).toContain("| in-network | 50 | 50 /s (50 – 50) | 8.8 | 28.8 | 42.0 | 0 |");
    expect(md).toContain("| in-network | 100 | 99 /s (99 – 99) | 9.5 | 30.1 | 50.0 | 4 |");
    expect(md).toContain("| server-side | 50 | 50 /s (50 – 50) | 4.2 | 12.5 | n/a | 0 |");
    expect(md).toContain("| server-side | — | saturated at 50/s offered");
    expect(md).toContain("![throughput vs p99 latency](../plots/consensus.svg)");
  });
  it("has the scaling rows in reading order, with key layout, command bytes and no-ops", () => {
    const rows = md.split("\n").filter((l) => /^\| \d \| \d \| (uniform|balanced) \|/.test(l));
    expect(
      rows.map((l) =>
        l
          .split("|")
          .slice(1, 5)
          .map((c) => c.trim())
          .join(" "),
      ),
    ).toEqual([
      "3 1 uniform 8",
      "3 1 uniform 32",
      "3 1 uniform 64",
      "5 1 uniform 32",
      "7 1 uniform 32",
      "3 2 uniform 32",
      "3 2 balanced 32",
      "3 4 uniform 32",
      "3 4 balanced 32",
    ]);
    expect(md).toContain("| 3 | 4 | uniform | 32 | 410 /s | 400 – 420 | 0.50 | 0.20 |");
    expect(md).toContain("![throughput vs Paxos groups](../plots/scaling.svg)");
  });
  it("has memory per slot from the register widths and the measured heap", () => {
    expect(md).toContain("544 bits — slot_inst 32, slot_value 512 | 68 |");
    expect(md).toContain("measured with 4096 and 32768 slots) | 363 |");
  });
  it("has the recovery table, n/a where a run gave no number", () => {
    expect(md).toContain("| time without service at failover | 714 ms (714 – 714) | 1 |");
    expect(md).toContain("| time without service at fail-back | n/a | 1 |");
    expect(md).toContain("| restarted learner catch-up | 11847 entries/s (11847 – 11847) | 1 |");
  });
});

describe("renderProvenance", () => {
  it("gives the time range of one command's files", () => {
    const r = loadResults(FIXTURES);
    r.recovery!.machine = { ...r.recovery!.machine!, date: "2026-01-02T03:11:00.000Z" };
    expect(renderProvenance(r)).toContain("linux-x64, 2026-01-02 03:04 – 03:11 UTC.");
    r.recovery!.machine = { ...r.recovery!.machine!, date: "2026-01-03T00:01:00.000Z" };
    expect(renderProvenance(r)).toContain("2026-01-02 03:04 UTC – 2026-01-03 00:01 UTC.");
  });
  it("lists each benchmark when the files come from different runs", () => {
    const r = loadResults(FIXTURES);
    r.recovery!.run = { command: "node dist/bench/run.js --only recovery --quick", durationMs: 1 };
    const p = renderProvenance(r);
    expect(p).toContain("Produced by different runs:");
    expect(p).toContain("* recovery: `node dist/bench/run.js --only recovery --quick` on 2 × Test CPU");
    expect(p).toContain("* switch: `make bench`");
  });
});

describe("README section", () => {
  it("links the plots and the summary from the repository root", () => {
    const s = renderReadmeSection(loadResults(FIXTURES));
    expect(s).toContain("![throughput vs p99 latency](bench/plots/consensus.svg)");
    expect(s).toContain("![throughput vs Paxos groups](bench/plots/scaling.svg)");
    expect(s).toContain("[bench/results/summary.md](bench/results/summary.md)");
    expect(s).toContain("### Scaling");
    expect(s).not.toContain("Method:");
  });
  it("replaces only what lies between the markers, and again the same way", () => {
    const text = `# T\n\nbefore\n${README_BEGIN}\nold\n${README_END}\nafter\n`;
    const once = replaceBetweenMarkers(text, "new table");
    expect(once).toBe(`# T\n\nbefore\n${README_BEGIN}\nnew table\n\n${README_END}\nafter\n`);
    expect(replaceBetweenMarkers(once, "new table")).toBe(once);
  });
  it("refuses a README without the markers", () => {
    expect(() => replaceBetweenMarkers("# no markers\n", "x")).toThrow(/markers/);
    expect(() => replaceBetweenMarkers(`${README_END}\n${README_BEGIN}\n`, "x")).toThrow(/markers/);
  });
});

describe("publish", () => {
  it("writes summary.md, both plots and the README section from the JSON alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-publish-"));
    tmp.push(dir);
    const results = join(dir, "results");
    cpSync(FIXTURES, results, { recursive: true });
    const readme = join(dir, "README.md");
    writeFileSync(readme, `# P\n\n## Benchmarks\n\n${README_BEGIN}\n${README_END}\n\n## Next\n`);
    const written = publish({ results, plots: join(dir, "plots"), readme });
    expect(written.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      "README.md",
      "plots/consensus.svg",
      "plots/scaling.svg",
      "results/summary.md",
    ]);
    const text = readFileSync(readme, "utf8");
    expect(text.startsWith("# P\n\n## Benchmarks\n\n<!-- bench:begin -->\n")).toBe(true);
    expect(text.endsWith("<!-- bench:end -->\n\n## Next\n")).toBe(true);
    expect(text).toContain("| 3 | 4 | balanced | 32 | 1.2 k/s | 1200 – 1220 | 0.01 | 0.00 |");
    expect(readFileSync(join(results, "summary.md"), "utf8")).toContain("# p4paxos benchmark results");
    const svg = readFileSync(join(dir, "plots", "scaling.svg"), "utf8");
    expect(svg).toContain("uniform keys");
    expect(svg).toContain("balanced keys");
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });
});

describe("scaling workload", () => {
  it("makes puts of exactly the command size: 2 + key + value bytes", () => {
    for (const bytes of [8, 32, 64])
      for (const i of [0, 7, 123_456]) {
        expect(2 + keyName(i).length + valueFor(bytes, i).length).toBe(bytes);
        expect(keyName(i)).toHaveLength(KEY_BYTES);
      }
    expect(() => valueFor(6, 0)).toThrow(RangeError);
  });
  it("gives every client its own keys; balanced keys put each client on group w mod G", () => {
    const uniform = clientKeys(32, 16, 4, "uniform");
    expect(new Set(uniform.flat()).size).toBe(32 * 16);
    const balanced = clientKeys(32, 16, 4, "balanced");
    expect(new Set(balanced.flat()).size).toBe(32 * 16);
    for (const [w, keys] of balanced.entries()) {
      expect(keys).toHaveLength(16);
      for (const k of keys) expect(groupOfKey(k, 4)).toBe(w % 4);
    }
    // Uniform keys land on every group.
    expect(new Set(uniform.flat().map((k) => groupOfKey(k, 4))).size).toBe(4);
    expect(clientKeys(3, 2, 1, "balanced")).toEqual(clientKeys(3, 2, 1, "uniform"));
  });
  it("formats rows from older results without key layout or command size", () => {
    const old = { acceptors: 3, groups: 2, decidedPerSecond: { median: 5, min: 4, max: 6, runs: [] } };
    expect(formatScaling([old as unknown as ScalingRow])).toContain(
      "| 3 | 2 | uniform | ? | 5 /s | 4 – 6 | n/a | n/a |",
    );
  });
});

describe("switch frames per command length", () => {
  it("sets vlen and the value, keeping the frame's size and the other fields", () => {
    const msg = makeMessage({
      msgtype: MsgType.P2A,
      group: 1,
      instance: 9,
      round: 257,
      proposer: 3,
      seq: 4,
      value: new TextEncoder().encode("hello"),
    });
    const frame = encodePaxosFrame(
      {
        eth: { dst: parseMac("02:00:00:00:00:02"), src: parseMac("02:00:00:00:00:01") },
        ip: { src: parseIPv4("10.0.0.1"), dst: parseIPv4("10.0.0.2") },
        udpChecksum: true,
      },
      msg,
    );
    for (const vlen of [8, 32, 64]) {
      const out = withValueLength(frame, vlen);
      expect(out.length).toBe(frame.length);
      const d = decodePaxosFrame(out);
      expect(d.ok).toBe(true);
      if (!d.ok) continue;
      expect(d.value.message.vlen).toBe(vlen);
      expect(d.value.message.value).toHaveLength(vlen);
      expect({ ...d.value.message, value: undefined, vlen: 0 }).toEqual({
        ...msg,
        value: undefined,
        vlen: 0,
      });
    }
  });
});
