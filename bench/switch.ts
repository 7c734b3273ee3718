// Benchmark 1: packets per second of the embedded switch running p4/paxos.p4, for the
// coordinator path (REQUEST → 2A) and the acceptor path (2A → 2B), in-process and through
// UDP-tunnel ports on loopback. Scenarios come from the conformance STF files, so the measured
// path is the one the tests check byte for byte.
import { execFileSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileP4 } from "../src/p4c/compile.js";
import { benchmarkSwitch, switchFromStf } from "../src/switch/bench.js";
import type { V1Switch } from "../src/switch/engine.js";
import type { Bmv2Json } from "../src/switch/json.js";
import { SwitchRuntime } from "../src/switch/ports/runtime.js";
import { UdpTunnelPort } from "../src/switch/ports/udp.js";
import { MsgType, VALUE_SIZE } from "../src/wire/header.js";
import { decodePaxosFrame, encodePaxosInto } from "../src/wire/index.js";
import { formatRate, machine, progress, REPO_ROOT, type Spread, spread } from "./common.js";

interface PathSpec {
  name: string;
  stf: string;
  /** Message type every output must carry (guards against measuring a drop path). */
  expect: MsgType;
  /** Output ports the packet fans out to. */
  outPorts: number[];
  setup?: (sw: V1Switch) => void;
}

const PATHS: PathSpec[] = [
  {
    name: "coordinator (REQUEST → 2A)",
    stf: "coordinator.stf",
    expect: MsgType.P2A,
    outPorts: [4, 5],
    // Repeated REQUESTs walk the instance counter forward; a watermark near 2^32 keeps the ring
    // from filling (the P4 compares in 32-bit arithmetic), so every packet takes the stamping path.
    setup: (sw) => sw.registerWrite("MyIngress.coordinator.trim", 0, 0xffff_ffffn - 0x10000n),
  },
  { name: "acceptor (2A → 2B)", stf: "acceptor.stf", expect: MsgType.P2B, outPorts: [4, 5] },
];

export interface SwitchBenchRow {
  path: string;
  transport: "in-process" | "udp-tunnel";
  /** Command bytes in the packet's value field (`vlen`); the field itself is always VALUE_SIZE. */
  vlen: number;
  unit: string;
  inputPerSecond: Spread;
  /** Input packets per second of this process's CPU time (steadier on a shared machine); in-process only. */
  inputPerCpuSecond?: Spread;
  outputsPerInput: number;
}

/**
 * The frame with its Paxos value replaced by `vlen` command bytes (`vlen` set to match). The
 * header's value field is VALUE_SIZE bytes whatever `vlen` says, so the frame keeps its size.
 */
export function withValueLength(frame: Uint8Array, vlen: number): Uint8Array {
  const d = decodePaxosFrame(frame);
  if (!d.ok) throw new Error(`not a Paxos frame: ${d.error.message}`);
  const value = Uint8Array.from({ length: vlen }, (_, k) => 0x61 + (k % 26));
  const out = Uint8Array.from(frame);
  const at = d.value.frame.payloadOffset;
  encodePaxosInto(out, at, { ...d.value.message, vlen, value });
  // The payload changed: a UDP checksum of 0 means "none" over IPv4 (the STF frames have none).
  out[at - 2] = 0;
  out[at - 1] = 0;
  return out;
}

function configured(json: Bmv2Json, path: PathSpec, vlen?: number) {
  const text = readFileSync(join(REPO_ROOT, "test/p4/paxos", path.stf), "utf8");
  const stf = switchFromStf(json, text, 0);
  const { sw } = stf;
  const packet = {
    port: stf.packet.port,
    data: vlen === undefined ? stf.packet.data : withValueLength(stf.packet.data, vlen),
  };
  path.setup?.(sw);
  // One trial packet: the outputs must be the intended message type on the intended ports, and
  // carry the input's value.
  const inValue = decodePaxosFrame(packet.data);
  const outs = sw.process(packet.port, packet.data);
  const ports = outs.map((o) => o.port).sort();
  for (const o of outs) {
    const d = decodePaxosFrame(o.data);
    if (!d.ok || d.value.message.msgtype !== path.expect)
      throw new Error(`${path.name}: trial output is not the expected message type`);
    if (inValue.ok && d.value.message.vlen !== inValue.value.message.vlen)
      throw new Error(`${path.name}: trial output has vlen ${d.value.message.vlen}`);
  }
  if (ports.join() !== path.outPorts.join()) throw new Error(`${path.name}: trial went to ports ${ports}`);
  return { sw, packet };
}

/** In-process rows for each command length, their runs interleaved (drift hits every length alike). */
function inProcess(
  json: Bmv2Json,
  path: PathSpec,
  vlens: number[],
  repeats: number,
  ms: number,
): SwitchBenchRow[] {
  const rates = vlens.map(() => [] as number[]);
  const cpuRates = vlens.map(() => [] as number[]);
  let outputs = 0;
  for (let r = 0; r < repeats; r++)
    for (const [k, vlen] of vlens.entries()) {
      const { sw, packet } = configured(json, path, vlen);
      const res = benchmarkSwitch(sw, packet.data, { port: packet.port, durationMs: ms, warmup: 5000 });
      rates[k]!.push(res.packetsPerSecond);
      cpuRates[k]!.push(res.packetsPerCpuSecond);
      outputs = res.outputsPerPacket;
    }
  return vlens.map((vlen, k) => ({
    path: path.name,
    transport: "in-process",
    vlen,
    unit: "input packets/s",
    inputPerSecond: spread(rates[k]!),
    inputPerCpuSecond: spread(cpuRates[k]!),
    outputsPerInput: outputs,
  }));
}

async function bindSocket(): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  return s;
}

/**
 * Frames enter through a UDP-tunnel port and leave through two others. Generator, switch and
 * sinks share this process (one event loop), so this is a lower bound for a switch process of
 * its own. A window of frames in flight keeps kernel socket buffers from overflowing.
 */
async function udpTunnel(
  json: Bmv2Json,
  path: PathSpec,
  ms: number,
  vlen: number,
  window = 64,
): Promise<number> {
  const { sw, packet } = configured(json, path, vlen);
  const runtime = new SwitchRuntime(sw);
  const gen = await bindSocket();
  const sinks = await Promise.all(path.outPorts.map(() => bindSocket()));
  const inPort = await UdpTunnelPort.open({ remoteHost: "127.0.0.1", remotePort: gen.address().port });
  runtime.attach(packet.port, inPort);
  for (const [i, p] of path.outPorts.entries()) {
    const out = await UdpTunnelPort.open({ remoteHost: "127.0.0.1", remotePort: sinks[i]!.address().port });
    runtime.attach(p, out);
  }
  const frame = Buffer.from(packet.data);
  let sent = 0;
  let received = 0;
  let measuring = false;
  let counted = 0;
  const pump = () => {
    while (sent - received < window) {
      gen.send(frame, inPort.localPort, "127.0.0.1");
      sent++;
    }
  };
  // Count completions on the first output port: one per input packet.
  sinks[0]!.on("message", () => {
    received++;
    if (measuring) counted++;
    pump();
  });
  pump();
  await new Promise((r) => setTimeout(r, 300)); // warm-up
  measuring = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  measuring = false;
  const rate = counted / seconds;
  sent = Number.POSITIVE_INFINITY; // stop pumping
  await runtime.close();
  for (const s of [gen, ...sinks]) s.close();
  return rate;
}

function realSimpleSwitch(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v simple_switch"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Command lengths measured in-process (the value field is VALUE_SIZE bytes in every frame). */
export const SWITCH_VLENS = [8, 32, VALUE_SIZE];

export async function runSwitchBench(opts: { quick: boolean }) {
  const repeats = opts.quick ? 3 : 5;
  const ms = opts.quick ? 300 : 600;
  const udpMs = opts.quick ? 400 : 1000;
  progress("compiling p4/paxos.p4 with the embedded compiler");
  const { json } = compileP4({ file: join(REPO_ROOT, "p4/paxos.p4") });
  const rows: SwitchBenchRow[] = [];
  for (const path of PATHS) {
    progress(`${path.name}: in-process, vlen ${SWITCH_VLENS.join("/")} B, ${repeats} × ${ms} ms each`);
    rows.push(...inProcess(json as unknown as Bmv2Json, path, SWITCH_VLENS, repeats, ms));
    progress(`${path.name}: UDP-tunnel ports, vlen ${VALUE_SIZE} B, ${repeats} × ${udpMs} ms`);
    const rates: number[] = [];
    for (let r = 0; r < repeats; r++)
      rates.push(await udpTunnel(json as unknown as Bmv2Json, path, udpMs, VALUE_SIZE));
    rows.push({
      path: path.name,
      transport: "udp-tunnel",
      vlen: VALUE_SIZE,
      unit: "input packets/s",
      inputPerSecond: spread(rates),
      outputsPerInput: path.outPorts.length,
    });
  }
  const simpleSwitch = realSimpleSwitch();
  return {
    benchmark: "switch-pipeline",
    machine: machine(),
    program: "p4/paxos.p4 (embedded compiler)",
    method: `in-process: ${repeats} runs of ${ms} ms per path and command length (interleaved), after 5000 warm-up packets; UDP tunnel: ${repeats} runs of ${udpMs} ms after 300 ms of warm-up`,
    note:
      `Every frame is the same size: the Paxos header carries a fixed ${VALUE_SIZE}-byte value field (VALUE_SIZE, compiled into the P4 program), of which vlen bytes are the command. ` +
      "UDP-tunnel figures have generator, switch and sinks in one Node process. " +
      (simpleSwitch
        ? `simple_switch found at ${simpleSwitch} but a side-by-side run is not implemented yet.`
        : "simple_switch is not on PATH: no BMv2 ratio in this run."),
    rows,
  };
}

export function formatSwitchRows(rows: SwitchBenchRow[]): string {
  const lines = [
    "| path | transport | command bytes (vlen) | packets in/s (median) | min – max | per CPU second | outputs per input |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const s = r.inputPerSecond;
    const cpu = r.inputPerCpuSecond ? formatRate(r.inputPerCpuSecond.median) : "—";
    lines.push(
      `| ${r.path} | ${r.transport} | ${r.vlen ?? "?"} | ${formatRate(s.median)} | ${formatRate(s.min)} – ${formatRate(s.max)} | ${cpu} | ${r.outputsPerInput} |`,
    );
  }
  return lines.join("\n");
}
