// Publishing: renders bench/results/*.json as bench/results/summary.md (every table), redraws
// the plots under bench/plots/, and replaces README.md's benchmark section (between
// `<!-- bench:begin -->` and `<!-- bench:end -->`) with the same tables, the plots, the machine,
// the date and the command that produced the numbers. `make bench` runs it at the end; on its own,
// `node dist/bench/publish.js` regenerates everything from the JSON already there.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  describeMachine,
  formatDuration,
  type Machine,
  PLOTS_DIR,
  REPO_ROOT,
  RESULTS_DIR,
  type RunInfo,
} from "./common.js";
import { type ConsensusCurve, consensusPlotSvg, formatConsensus } from "./consensus.js";
import { formatRecovery, type RecoveryResult } from "./recovery.js";
import { formatMemory, formatScaling, type ScalingRow, type SlotMemory, scalingPlotSvg } from "./scaling.js";
import { formatSwitchRows, type SwitchBenchRow } from "./switch.js";

export const README_BEGIN = "<!-- bench:begin -->";
export const README_END = "<!-- bench:end -->";

interface Common {
  machine?: Machine;
  method?: string;
  note?: string;
  run?: RunInfo;
}

/** The result files as saved (NaN came back as null; files from older runs may lack fields). */
export interface BenchResults {
  switch?: Common & { program?: string; rows: SwitchBenchRow[] };
  consensus?: Common & { curves: ConsensusCurve[] };
  scaling?: Common & { mode?: string; rows: ScalingRow[]; memory?: SlotMemory };
  recovery?: Common & RecoveryResult;
}

const FILES = { switch: "switch", consensus: "consensus", scaling: "scaling", recovery: "recovery" } as const;

/** Reads whichever of bench/results/{switch,consensus,scaling,recovery}.json exist in `dir`. */
export function loadResults(dir = RESULTS_DIR): BenchResults {
  const out: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(FILES)) {
    const path = join(dir, `${name}.json`);
    if (existsSync(path)) out[key] = JSON.parse(readFileSync(path, "utf8"));
  }
  return out as BenchResults;
}

type Section = keyof BenchResults;
const ORDER: Section[] = ["switch", "consensus", "scaling", "recovery"];

/** "2026-11-21 13:02 UTC" from an ISO date. */
function day(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "unknown date";
}

function provenance(c: Common | undefined): { command: string; machine: string; date: string } {
  return {
    command: c?.run?.command ?? "unknown command",
    machine: c?.machine ? describeMachine(c.machine) : "unknown machine",
    date: day(c?.machine?.date),
  };
}

/**
 * Where the numbers come from: one line when every file was produced by the same command on the
 * same machine, else one line per benchmark.
 */
export function renderProvenance(r: BenchResults): string {
  const present = ORDER.filter((k) => r[k]);
  if (present.length === 0) return "No results yet: run `make bench`.";
  const p = present.map((k) => ({ k, ...provenance(r[k]) }));
  const dates = p.map((x) => x.date).sort();
  if (new Set(p.map((x) => x.command)).size === 1 && new Set(p.map((x) => x.machine)).size === 1) {
    const [first, last] = [dates[0]!, dates[dates.length - 1]!];
    const when =
      first === last
        ? first
        : first.slice(0, 10) === last.slice(0, 10)
          ? `${first.slice(0, 16)} – ${last.slice(11)}`
          : `${first} – ${last}`;
    return `Produced by \`${p[0]!.command}\` on ${p[0]!.machine}, ${when}.`;
  }
  return [
    "Produced by different runs:",
    "",
    ...p.map((x) => `* ${x.k}: \`${x.command}\` on ${x.machine}, ${x.date}`),
  ].join("\n");
}

function took(c: Common | undefined): string {
  return c?.run ? ` (took ${formatDuration(c.run.durationMs)})` : "";
}

export interface RenderOptions {
  /** Path from the output file to bench/plots/ ("bench/plots" for README.md, "../plots" for summary.md). */
  plotsDir: string;
  /** Heading level of the sections ("###" inside the README's Benchmarks section). */
  heading: string;
  /** Each benchmark's method line (summary.md has them; the README links there instead). */
  methods: boolean;
}

/** Every table (markdown), with the plots and where the numbers come from. */
export function renderTables(r: BenchResults, o: RenderOptions): string {
  const h = o.heading;
  const method = (c: Common): string[] => (o.methods && c.method ? [`Method: ${c.method}.`, ""] : []);
  const out: string[] = [renderProvenance(r), ""];
  if (r.switch) {
    out.push(
      `${h} Switch pipeline${took(r.switch)}`,
      "",
      "Embedded switch running `p4/paxos.p4`, packets per second.",
      "",
      ...method(r.switch),
      formatSwitchRows(r.switch.rows),
      "",
    );
    if (r.switch.note) out.push(r.switch.note, "");
  }
  if (r.consensus) {
    out.push(
      `${h} End-to-end consensus${took(r.consensus)}`,
      "",
      "Open-loop KV puts at each offered rate; latency from the scheduled send time (ms).",
      "",
      ...method(r.consensus),
      formatConsensus(r.consensus.curves),
      "",
      `![throughput vs p99 latency](${o.plotsDir}/consensus.svg)`,
      "",
    );
  }
  if (r.scaling) {
    out.push(
      `${h} Scaling${took(r.scaling)}`,
      "",
      "Saturation throughput, server-side mode. Command bytes: the put as stored in the log; the Paxos " +
        "frame is the same size for every row (a fixed 64-byte value field). Keys `uniform`: spread over the " +
        "groups by their hash; `balanced`: the same number of clients on each group. No-ops and duplicates per command: " +
        "entries the merge of the group logs had to fill in, and commands decided twice after a retransmission " +
        '(bench/README.md, "Why more groups lower throughput").',
      "",
      ...method(r.scaling),
      formatScaling(r.scaling.rows),
      "",
      `![throughput vs Paxos groups](${o.plotsDir}/scaling.svg)`,
      "",
    );
    if (r.scaling.memory) out.push(formatMemory(r.scaling.memory), "");
  }
  if (r.recovery) {
    out.push(`${h} Recovery${took(r.recovery)}`, "", ...method(r.recovery), formatRecovery(r.recovery), "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** bench/results/summary.md. */
export function renderSummary(r: BenchResults): string {
  return [
    "# p4paxos benchmark results",
    "",
    "Generated from `bench/results/*.json` by `node dist/bench/publish.js` (run at the end of `make bench`);",
    "the method is in [bench/README.md](../README.md).",
    "",
    renderTables(r, { plotsDir: "../plots", heading: "##", methods: true }),
  ].join("\n");
}

/** The README's benchmark section body (between the markers). */
export function renderReadmeSection(r: BenchResults): string {
  return [
    "",
    "Latest numbers; the method is in [bench/README.md](bench/README.md), the same tables with each",
    "benchmark's method in [bench/results/summary.md](bench/results/summary.md), the raw results in",
    "`bench/results/*.json`.",
    "",
    renderTables(r, { plotsDir: "bench/plots", heading: "###", methods: false }),
  ].join("\n");
}

/** `text` with what lies between the begin and end markers replaced by `body`. */
export function replaceBetweenMarkers(
  text: string,
  body: string,
  begin = README_BEGIN,
  end = README_END,
): string {
  const b = text.indexOf(begin);
  const e = text.indexOf(end);
  if (b < 0 || e < 0 || e < b)
    throw new Error(`markers ${begin} … ${end} not found (in this order) in the README`);
  // A blank line before the end marker: it must not read as part of the last table.
  return `${text.slice(0, b + begin.length)}\n${body.trim()}\n\n${text.slice(e)}`;
}

export interface PublishPaths {
  results: string;
  plots: string;
  readme: string;
}

/** Writes summary.md, the plots and the README section; returns the files written. */
export function publish(
  paths: PublishPaths = { results: RESULTS_DIR, plots: PLOTS_DIR, readme: join(REPO_ROOT, "README.md") },
): string[] {
  const r = loadResults(paths.results);
  const written: string[] = [];
  mkdirSync(paths.plots, { recursive: true });
  if (r.consensus) {
    writeFileSync(join(paths.plots, "consensus.svg"), consensusPlotSvg(r.consensus.curves));
    written.push(join(paths.plots, "consensus.svg"));
  }
  if (r.scaling) {
    writeFileSync(join(paths.plots, "scaling.svg"), scalingPlotSvg(r.scaling.rows));
    written.push(join(paths.plots, "scaling.svg"));
  }
  mkdirSync(paths.results, { recursive: true });
  writeFileSync(join(paths.results, "summary.md"), renderSummary(r));
  written.push(join(paths.results, "summary.md"));
  const readme = readFileSync(paths.readme, "utf8");
  const updated = replaceBetweenMarkers(readme, renderReadmeSection(r));
  if (updated !== readme) writeFileSync(paths.readme, updated);
  written.push(paths.readme);
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    for (const f of publish()) process.stdout.write(`wrote ${f}\n`);
  } catch (e) {
    process.stderr.write(`publish: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
