// A switch process: the engine behind a P4Runtime server, data-plane ports (UDP tunnels, real
// interfaces through AF_PACKET), optional pcap capture and impairments, and logging. The CLI wrapper
// (`paxosctl switch`) adds flag parsing and signal handling.
import { readFileSync } from "node:fs";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type P4Info, P4InfoSchema } from "../p4runtime/gen/p4/config/v1/p4info_pb.js";
import {
  ForwardingPipelineConfigSchema,
  SetForwardingPipelineConfigRequest_Action,
} from "../p4runtime/gen/p4/v1/p4runtime_pb.js";
import { parseP4InfoText } from "../p4runtime/p4info-text.js";
import { Device } from "./p4rt/device.js";
import { createLogger, type Logger } from "./p4rt/log.js";
import { P4RuntimeSwitchServer } from "./p4rt/server.js";
import { loadServerTls, type ServerTls, type ServerTlsPaths, tlsMode } from "./p4rt/tls.js";
import { IfacePort } from "./ports/iface.js";
import type { Impairments } from "./ports/impair.js";
import type { Port } from "./ports/port.js";
import { SwitchRuntime } from "./ports/runtime.js";
import { UdpTunnelPort } from "./ports/udp.js";

/** One `--port N@...` flag. */
export type PortSpec =
  | { num: number; kind: "udp"; localPort: number; peerHost: string; peerPort: number }
  | { num: number; kind: "iface"; iface: string };

export class PortSpecError extends Error {
  override readonly name = "PortSpecError";
}

function portNumber(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text)) throw new PortSpecError(`${what} '${text}' is not a number`);
  const n = Number(text);
  if (n > max) throw new PortSpecError(`${what} ${n} is above ${max}`);
  return n;
}

/**
 * Parses `N@udp:LOCALPORT:PEERHOST:PEERPORT` (a UDP tunnel; PEERHOST may be an IPv6 address,
 * optionally in brackets) or `N@IFACE` (a real interface).
 */
export function parsePortSpec(text: string): PortSpec {
  const at = text.indexOf("@");
  if (at <= 0)
    throw new PortSpecError(`port '${text}': expected N@udp:LOCALPORT:PEERHOST:PEERPORT or N@IFACE`);
  const num = portNumber(text.slice(0, at), "switch port number", 510);
  const rest = text.slice(at + 1);
  if (rest.startsWith("udp:")) {
    const body = rest.slice(4);
    const first = body.indexOf(":");
    const last = body.lastIndexOf(":");
    if (first < 0 || last <= first) {
      throw new PortSpecError(`port '${text}': expected udp:LOCALPORT:PEERHOST:PEERPORT`);
    }
    const localPort = portNumber(body.slice(0, first), "local UDP port", 65535);
    const peerPort = portNumber(body.slice(last + 1), "peer UDP port", 65535);
    if (peerPort === 0) throw new PortSpecError(`port '${text}': the peer UDP port cannot be 0`);
    const peerHost = body.slice(first + 1, last).replace(/^\[(.*)\]$/, "$1");
    if (peerHost === "") throw new PortSpecError(`port '${text}': missing PEERHOST`);
    return { num, kind: "udp", localPort, peerHost, peerPort };
  }
  // What Linux accepts as an interface name (IFNAMSIZ - 1 bytes, no '/', no whitespace).
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(rest) || rest === "." || rest === "..") {
    throw new PortSpecError(`port '${text}': '${rest}' is not an interface name`);
  }
  return { num, kind: "iface", iface: rest };
}

const IMPAIR_KEYS: Record<string, keyof Impairments> = {
  drop: "drop",
  delay: "delayMs",
  dup: "duplicate",
  reorder: "reorder",
  "reorder-delay": "reorderDelayMs",
};

/** Parses `PORT:drop=0.05,delay=2,dup=0.01,reorder=0.1[,reorder-delay=5]` (delays in ms). */
export function parseImpairSpec(text: string): { num: number; impairments: Impairments } {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new PortSpecError(`impairment '${text}': expected PORT:key=value,...`);
  const num = portNumber(text.slice(0, colon), "switch port number", 510);
  const impairments: Impairments = {};
  for (const kv of text.slice(colon + 1).split(",")) {
    const [k, v, extra] = kv.split("=");
    const key = IMPAIR_KEYS[k ?? ""];
    if (!key || v === undefined || extra !== undefined) {
      throw new PortSpecError(
        `impairment '${text}': bad item '${kv}' (keys: ${Object.keys(IMPAIR_KEYS).join(", ")})`,
      );
    }
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n))
      throw new PortSpecError(`impairment '${text}': '${v}' is not a number`);
    impairments[key] = n;
  }
  return { num, impairments };
}

export interface SwitchDaemonOptions {
  /** gRPC listen address, e.g. "0.0.0.0:9559" (port 0 picks a free one). */
  grpc: string;
  deviceId: bigint;
  cpuPort: number;
  ports: PortSpec[];
  /** BMv2 JSON and P4Info files to commit at start; without them the switch waits for a pipeline. */
  jsonPath?: string;
  p4infoPath?: string;
  pcapDir?: string;
  impair?: Map<number, Impairments>;
  /** Seed of the engine's random() and of the impairments. */
  seed?: number;
  log?: Logger;
  /**
   * Serve P4Runtime over TLS: certificate chain and key files, and optionally a client CA
   * (mutual TLS: clients must present a certificate it signed). Bad files: TlsConfigError.
   */
  tls?: ServerTlsPaths;
}

export interface RunningPort {
  num: number;
  /** The port's own label ("udp:HOST:PORT", "iface:veth0"). */
  name: string;
  /** UDP tunnels: the UDP port bound locally and the peer ("host:port"). */
  localPort?: number;
  peer?: string;
  impaired: boolean;
}

/** One port as the ready line shows it: `1@udp:40001->127.0.0.1:50001`, `2@veth0`. */
export function describePort(p: RunningPort): string {
  const base =
    p.localPort !== undefined
      ? `${p.num}@udp:${p.localPort}->${p.peer}`
      : `${p.num}@${p.name.replace(/^iface:/, "")}`;
  return p.impaired ? `${base}(impaired)` : base;
}

export interface SwitchDaemon {
  /** The bound gRPC address (host:port). */
  grpcAddress: string;
  /** "off" (plaintext), "on" (TLS) or "mutual" (TLS, client certificates required). */
  tls: "off" | "on" | "mutual";
  ports: RunningPort[];
  device: Device;
  server: P4RuntimeSwitchServer;
  /** The ports and the device they feed (stats: frames in and out, outputs to unattached ports). */
  runtime: SwitchRuntime<Device>;
  /** Stops the server, closes the ports and flushes the captures. */
  close(): Promise<void>;
}

/** Reads a P4Info file: text format (.txt, .txtpb, .pb.txt) or binary protobuf. */
export function readP4InfoFile(path: string): P4Info {
  const data = readFileSync(path);
  if (/\.(txt|txtpb|textproto|pbtxt)$/.test(path)) return parseP4InfoText(data.toString("utf8"));
  try {
    return fromBinary(P4InfoSchema, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } catch {
    return parseP4InfoText(data.toString("utf8"));
  }
}

const isLoopback = (host: string) => host === "localhost" || host.startsWith("127.") || host === "::1";

async function openPort(spec: PortSpec): Promise<UdpTunnelPort | IfacePort> {
  if (spec.kind === "iface") return IfacePort.open(spec.iface);
  const v6 = spec.peerHost.includes(":");
  return UdpTunnelPort.open({
    bindHost: isLoopback(spec.peerHost) ? (v6 ? "::1" : "127.0.0.1") : v6 ? "::" : "0.0.0.0",
    bindPort: spec.localPort,
    remoteHost: spec.peerHost,
    remotePort: spec.peerPort,
  });
}

function splitAddress(addr: string): { host: string; port: string } {
  const i = addr.lastIndexOf(":");
  if (i < 0) throw new PortSpecError(`gRPC address '${addr}' has no port`);
  return { host: addr.slice(0, i), port: addr.slice(i + 1) };
}

export async function startSwitchDaemon(opts: SwitchDaemonOptions): Promise<SwitchDaemon> {
  const log = opts.log ?? createLogger("info");
  const nums = new Set<number>();
  for (const p of opts.ports) {
    if (nums.has(p.num)) throw new PortSpecError(`port ${p.num} is given twice`);
    if (p.num === opts.cpuPort) throw new PortSpecError(`port ${p.num} is the CPU port`);
    nums.add(p.num);
  }
  for (const n of opts.impair?.keys() ?? []) {
    if (!nums.has(n)) throw new PortSpecError(`--impair names port ${n}, which is not a --port`);
  }
  const { host } = splitAddress(opts.grpc);
  const tls: ServerTls | undefined = opts.tls ? loadServerTls(opts.tls) : undefined;

  const device = new Device({ deviceId: opts.deviceId, cpuPort: opts.cpuPort, seed: opts.seed });
  device.hooks.packetError = (m) => log.debug(`packet dropped: ${m}`);
  if (opts.jsonPath) {
    const json = readFileSync(opts.jsonPath);
    let p4info: P4Info;
    if (opts.p4infoPath) p4info = readP4InfoFile(opts.p4infoPath);
    else {
      log.warn("--json without --p4info: tables are not addressable until a controller pushes a pipeline");
      p4info = create(P4InfoSchema);
    }
    device.setPipeline(
      SetForwardingPipelineConfigRequest_Action.VERIFY_AND_COMMIT,
      create(ForwardingPipelineConfigSchema, { p4info, p4DeviceConfig: new Uint8Array(json) }),
    );
  }

  const runtime = new SwitchRuntime(device, { pcapDir: opts.pcapDir, cpuPort: opts.cpuPort });
  // PacketOuts and other outputs the device produces on its own leave through the same ports.
  device.hooks.transmit = (outs) => runtime.transmit(outs);
  const opened: Port[] = [];
  const running: RunningPort[] = [];
  const server = new P4RuntimeSwitchServer({ log, tls });
  try {
    for (const spec of opts.ports) {
      const raw = await openPort(spec);
      opened.push(raw);
      if (raw instanceof IfacePort) raw.onLinkError = (m) => log.warn(`port ${spec.num}: ${m}`);
      const imp = opts.impair?.get(spec.num);
      runtime.attach(spec.num, raw, { impair: imp, seed: (opts.seed ?? 1) + spec.num });
      running.push({
        num: spec.num,
        name: raw.name,
        localPort: raw instanceof UdpTunnelPort ? raw.localPort : undefined,
        peer: spec.kind === "udp" ? `${spec.peerHost}:${spec.peerPort}` : undefined,
        impaired: imp !== undefined,
      });
    }
    server.addDevice(device);
    const bound = await server.listen(opts.grpc);
    const grpcAddress = `${host}:${bound}`;
    let closed = false;
    return {
      grpcAddress,
      tls: tlsMode(tls),
      ports: running,
      device,
      server,
      runtime,
      async close() {
        if (closed) return;
        closed = true;
        await server.close();
        device.hooks.transmit = () => {};
        await runtime.close();
        log.info("switch stopped");
      },
    };
  } catch (e) {
    await server.close(0);
    await Promise.all(opened.map((p) => p.close()));
    throw e;
  }
}
