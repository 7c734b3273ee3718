// `paxosctl switch`: runs the embedded software switch as a process, driven over P4Runtime like
// simple_switch_grpc. Starts without a pipeline unless --json is given, prints one ready line,
// and shuts down cleanly on SIGTERM/SIGINT.
import { mkdirSync } from "node:fs";
import {
  describePort,
  type PortSpec,
  PortSpecError,
  parseImpairSpec,
  parsePortSpec,
  type SwitchDaemon,
  startSwitchDaemon,
} from "../../src/switch/daemon.js";
import { createLogger, isLogLevel, LOG_LEVELS } from "../../src/switch/p4rt/log.js";
import { TlsConfigError } from "../../src/switch/p4rt/tls.js";
import type { Impairments } from "../../src/switch/ports/impair.js";
import { type CliIO, type Command, ExitCode, parseCommandArgs, UsageError } from "./command.js";

const HELP = `Usage: paxosctl switch --grpc ADDR --port N@udp:LOCALPORT:PEERHOST:PEERPORT ... [options]

Runs the embedded BMv2-JSON software switch with a P4Runtime server, like simple_switch_grpc.
Without --json it starts with no pipeline and waits for SetForwardingPipelineConfig (frames
arriving before that are dropped and counted).

Options:
  --grpc ADDR          P4Runtime listen address (default 0.0.0.0:9559; port 0 picks a free one)
  --device-id N        P4Runtime device id (default 1)
  --cpu-port N         port number of the CPU port: PacketOut enters here, packets the pipeline
                       sends here become PacketIn (default 64)
  --port SPEC          a data-plane port (repeatable):
                         N@udp:LOCALPORT:PEERHOST:PEERPORT  frames as UDP datagrams between
                           LOCALPORT here and PEERHOST:PEERPORT (IPv6 hosts may be in [..])
                         N@IFACE                            a real interface (AF_PACKET; needs root
                           or CAP_NET_RAW and the native addon @p4paxos/afpacket)
  --json FILE          BMv2 JSON to load at start
  --p4info FILE        its P4Info (text .txt/.txtpb or binary), so tables are addressable
                       without a SetForwardingPipelineConfig
  --pcap DIR           capture every port's traffic to DIR/portN.pcap
  --impair SPEC        impair frames leaving a port (repeatable):
                         PORT:drop=P,delay=MS,dup=P,reorder=P[,reorder-delay=MS]
  --seed N             seed of random() in the pipeline and of the impairments (default 1)
  --log-level LEVEL    ${LOG_LEVELS.join(", ")} (default info; debug logs every P4Runtime request)

TLS for the P4Runtime server (default plaintext):
  --tls-cert FILE      PEM certificate chain the server presents (with --tls-key turns TLS on;
                       simple_switch_grpc: --grpc-server-ssl --grpc-server-cert)
  --tls-key FILE       PEM private key of --tls-cert (simple_switch_grpc: --grpc-server-key)
  --tls-ca FILE        PEM CA bundle for client certificates: mutual TLS, every client must
                       present a certificate this CA signed (simple_switch_grpc:
                       --grpc-server-cacert --grpc-server-with-client-auth)

Prints one line when ready:
  switch ready: grpc=HOST:PORT device-id=N cpu-port=N ports=N@udp:LOCAL->PEER,N@IFACE,... pipeline=FILE|none tls=off|on|mutual

Examples:
  paxosctl switch --grpc 127.0.0.1:9559 --port 1@udp:40001:127.0.0.1:50001 \\
      --port 2@udp:40002:127.0.0.1:50002
  paxosctl switch --grpc 0.0.0.0:9560 --device-id 2 --json build/p4/paxos.json \\
      --p4info build/p4/paxos.p4info.txtpb --port 1@udp:40011:10.0.0.2:40011 --pcap /tmp/s2 \\
      --impair 1:drop=0.05,delay=2 --log-level debug
  paxosctl switch --grpc 0.0.0.0:9559 --tls-cert switch.pem --tls-key switch.key --tls-ca ca.pem \\
      --port 1@udp:40001:10.0.0.2:40001`;

const OPTIONS = {
  grpc: { type: "string" },
  "device-id": { type: "string" },
  "cpu-port": { type: "string" },
  port: { type: "string", multiple: true },
  json: { type: "string" },
  p4info: { type: "string" },
  pcap: { type: "string" },
  impair: { type: "string", multiple: true },
  seed: { type: "string" },
  "log-level": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-ca": { type: "string" },
} as const;

function integer(text: string | undefined, flag: string, def: number, max: number): number {
  if (text === undefined) return def;
  if (!/^\d+$/.test(text) || Number(text) > max)
    throw new UsageError(`${flag} must be an integer in 0..${max}`);
  return Number(text);
}

/** Waits for SIGTERM or SIGINT; tests pass their own trigger. */
function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      resolve(sig);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

export function createSwitchCommand(stop: () => Promise<string> = signalled): Command {
  return {
    name: "switch",
    summary: "run the embedded software switch with a P4Runtime server",
    help: HELP,
    async run(args: string[], io: CliIO): Promise<number> {
      const { values } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: false, strict: true });
      const level = values["log-level"] ?? "info";
      if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
      if (values.p4info && !values.json) throw new UsageError("--p4info needs --json");
      const certPath = values["tls-cert"];
      const keyPath = values["tls-key"];
      const clientCaPath = values["tls-ca"];
      if ((certPath === undefined) !== (keyPath === undefined))
        throw new UsageError("--tls-cert and --tls-key go together");
      if (clientCaPath !== undefined && certPath === undefined)
        throw new UsageError("--tls-ca (mutual TLS) needs --tls-cert and --tls-key");
      const tls =
        certPath !== undefined && keyPath !== undefined ? { certPath, keyPath, clientCaPath } : undefined;
      let ports: PortSpec[];
      const impair = new Map<number, Impairments>();
      try {
        ports = (values.port ?? []).map(parsePortSpec);
        for (const s of values.impair ?? []) {
          const { num, impairments } = parseImpairSpec(s);
          impair.set(num, impairments);
        }
      } catch (e) {
        if (e instanceof PortSpecError) throw new UsageError(e.message);
        throw e;
      }
      const deviceId = BigInt(integer(values["device-id"], "--device-id", 1, Number.MAX_SAFE_INTEGER));
      const cpuPort = integer(values["cpu-port"], "--cpu-port", 64, 510);
      const seed = integer(values.seed, "--seed", 1, 0xffffffff);
      if (values.pcap) mkdirSync(values.pcap, { recursive: true });
      const log = createLogger(level, (line) => io.err(line), `switch[${deviceId}]`);

      let daemon: SwitchDaemon;
      try {
        daemon = await startSwitchDaemon({
          grpc: values.grpc ?? "0.0.0.0:9559",
          deviceId,
          cpuPort,
          ports,
          jsonPath: values.json,
          p4infoPath: values.p4info,
          pcapDir: values.pcap,
          impair,
          seed,
          log,
          tls,
        });
      } catch (e) {
        if (e instanceof PortSpecError || e instanceof TlsConfigError) throw new UsageError(e.message);
        throw e;
      }
      const portText = daemon.ports.map(describePort);
      io.out(
        `switch ready: grpc=${daemon.grpcAddress} device-id=${deviceId} cpu-port=${cpuPort} ` +
          `ports=${portText.join(",") || "none"} pipeline=${values.json ?? "none"} tls=${daemon.tls}`,
      );
      const sig = await stop();
      log.info(`${sig}: shutting down`);
      await daemon.close();
      const s = daemon.device.stats;
      const ps = daemon.runtime.stats;
      log.info(
        `frames rx=${ps.rxFrames} tx=${ps.txFrames} no-port=${ps.noPortDrops} no-pipeline=${s.noPipelineDrops} ` +
          `packet-out=${s.packetOuts} packet-in=${s.packetIns} packet-in-dropped=${s.packetInDrops}`,
      );
      return ExitCode.OK;
    },
  };
}

export const switchCommand: Command = createSwitchCommand();
