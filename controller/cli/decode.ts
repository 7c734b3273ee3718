// `paxosctl decode`: shows what a captured frame or bare Paxos header says, layer by layer.
import { parseArgs } from "node:util";
import { formatIPv4, formatMac } from "../../src/wire/addr.js";
import {
  decodePaxos,
  encodePaxos,
  formatMessage,
  isNoop,
  makeMessage,
  msgTypeName,
} from "../../src/wire/codec.js";
import type { WireError } from "../../src/wire/errors.js";
import { decodeFrame, type Frame } from "../../src/wire/frame.js";
import { MsgType, PAXOS_FIELDS, PAXOS_HEADER_SIZE, PAXOS_UDP_PORT } from "../../src/wire/header.js";
import type { PaxosMessage } from "../../src/wire/message.js";
import { type CliIO, type Command, ExitCode, UsageError } from "./command.js";

function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

// A real header for the help text, so the example always decodes.
const EXAMPLE = toHex(
  encodePaxos(
    makeMessage({
      msgtype: MsgType.P2A,
      instance: 12,
      round: 257,
      proposer: 3,
      seq: 17,
      value: new TextEncoder().encode("hello"),
    }),
  ),
);

const HELP = `Usage: paxosctl decode [--json] [--frame | --header] HEX|-

Decode an Ethernet/IPv4/UDP frame carrying a Paxos message, or a bare ${PAXOS_HEADER_SIZE}-byte Paxos
header, given as hex. With '-', read hex from stdin, one packet per line (blank lines and
lines starting with '#' are skipped). Hex may contain spaces or ':' and start with 0x.
An input of exactly ${PAXOS_HEADER_SIZE} bytes is taken as a bare header, anything else as a frame.

Options:
  --json     one JSON object per packet (JSON Lines), with "ok": true|false
  --frame    always decode as a frame
  --header   always decode as a bare Paxos header
  -h, --help this text

Exit codes: 0 every packet decoded, 1 bad hex or a malformed packet, 2 usage error.

Examples:
  paxosctl decode ${EXAMPLE}
  paxosctl decode --json "$(cat frame.hex)"
  printf '%s\\n' HEX1 HEX2 | paxosctl decode -`;

type Mode = "auto" | "frame" | "header";

/** A decoded packet, as far as decoding got; `error` is set if it stopped early. */
interface Decoded {
  frame?: Frame;
  message?: PaxosMessage;
  error?: { kind: string; message: string };
}

export class HexError extends Error {}

/** Parses hex with optional 0x prefix, whitespace and ':' separators. Throws HexError. */
export function parseHex(text: string): Uint8Array {
  const compact = text.trim().replace(/^0x/i, "").replace(/[\s:]/g, "");
  const bad = /[^0-9a-fA-F]/.exec(compact);
  if (bad) throw new HexError(`bad hex: unexpected character '${bad[0]}'`);
  if (compact.length === 0) throw new HexError("bad hex: no digits");
  if (compact.length % 2 !== 0) throw new HexError(`bad hex: odd number of digits (${compact.length})`);
  const out = new Uint8Array(compact.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function errorOf(e: WireError): { kind: string; message: string } {
  return { kind: e.kind, message: e.message };
}

function decodeBytes(bytes: Uint8Array, mode: Mode): Decoded {
  const asHeader = mode === "header" || (mode === "auto" && bytes.length === PAXOS_HEADER_SIZE);
  if (asHeader) {
    const r = decodePaxos(bytes);
    return r.ok ? { message: r.value } : { error: errorOf(r.error) };
  }
  const f = decodeFrame(bytes);
  if (!f.ok) return { error: errorOf(f.error) };
  const frame = f.value;
  if (frame.udp.dstPort !== PAXOS_UDP_PORT) {
    return {
      frame,
      error: {
        kind: "not_paxos",
        message: `UDP destination port ${frame.udp.dstPort} is not ${PAXOS_UDP_PORT}`,
      },
    };
  }
  const m = decodePaxos(frame.payload);
  return m.ok ? { frame, message: m.value } : { frame, error: errorOf(m.error) };
}

function frameLines(f: Frame): string[] {
  const hex16 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;
  return [
    `Ethernet  ${formatMac(f.eth.src)} -> ${formatMac(f.eth.dst)}  type ${hex16(f.eth.ethertype)}`,
    `IPv4      ${formatIPv4(f.ip.src)} -> ${formatIPv4(f.ip.dst)}  ttl ${f.ip.ttl} id ${f.ip.id} ` +
      `dscp ${f.ip.dscp} ecn ${f.ip.ecn} len ${f.ip.totalLength} hlen ${f.ip.headerLength} ` +
      `checksum ${hex16(f.ip.checksum)} (ok)`,
    `UDP       ${f.udp.srcPort} -> ${f.udp.dstPort}  len ${f.udp.length} checksum ${hex16(f.udp.checksum)} ` +
      (f.udp.checksum === 0 ? "(none)" : "(ok)"),
  ];
}

function messageLines(m: PaxosMessage): string[] {
  const width = Math.max(...PAXOS_FIELDS.map((f) => f.name.length));
  const lines = [`Paxos     ${formatMessage(m)}${isNoop(m) ? "  (no-op)" : ""}`];
  for (const field of PAXOS_FIELDS) {
    let shown: string;
    if (field.name === "value") shown = m.vlen === 0 ? "(empty)" : toHex(m.value);
    else if (field.name === "msgtype") shown = `${m.msgtype} (${msgTypeName(m.msgtype)})`;
    else shown = String(m[field.name as Exclude<keyof PaxosMessage, "value">]);
    lines.push(`  ${field.name.padEnd(width)}  @${String(field.offset).padEnd(2)}  ${shown}`);
  }
  return lines;
}

/** The layers that decoded; errors go to stderr separately. */
function textReport(d: Decoded): string {
  return [...(d.frame ? frameLines(d.frame) : []), ...(d.message ? messageLines(d.message) : [])].join("\n");
}

function jsonReport(d: Decoded): object {
  const out: Record<string, unknown> = { ok: d.error === undefined };
  if (d.frame) {
    const { eth, ip, udp } = d.frame;
    out.eth = { dst: formatMac(eth.dst), src: formatMac(eth.src), ethertype: eth.ethertype };
    out.ip = { ...ip, src: formatIPv4(ip.src), dst: formatIPv4(ip.dst) };
    out.udp = { ...udp };
  }
  if (d.message) {
    const { value, ...fields } = d.message;
    out.paxos = {
      ...fields,
      msgtypeName: msgTypeName(fields.msgtype),
      noop: isNoop(d.message),
      value: toHex(value),
    };
  }
  if (d.error) out.error = d.error;
  return out;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const OPTIONS = {
  json: { type: "boolean" },
  frame: { type: "boolean" },
  header: { type: "boolean" },
} as const;

function parse(args: string[]): { json: boolean; mode: Mode; input: string } {
  let values: { json?: boolean; frame?: boolean; header?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.frame && values.header) throw new UsageError("--frame and --header exclude each other");
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? "missing HEX (or '-' for stdin)" : "expected one HEX argument",
    );
  }
  return {
    json: values.json === true,
    mode: values.frame ? "frame" : values.header ? "header" : "auto",
    input: positionals[0]!,
  };
}

/** Builds the command; tests pass their own stdin reader. */
export function createDecodeCommand(readStdin: () => Promise<string> = readProcessStdin): Command {
  return {
    name: "decode",
    summary: "decode a frame or Paxos header given as hex",
    help: HELP,
    async run(args: string[], io: CliIO): Promise<number> {
      const { json, mode, input } = parse(args);
      const packets =
        input === "-"
          ? (await readStdin())
              .split("\n")
              .map((text, i) => ({ text: text.trim(), line: i + 1 }))
              .filter((p) => p.text !== "" && !p.text.startsWith("#"))
          : [{ text: input, line: 0 }];
      if (packets.length === 0) {
        io.err("paxosctl decode: no hex lines on stdin");
        return ExitCode.FAILURE;
      }
      const several = packets.length > 1;
      let failures = 0;
      for (const [n, packet] of packets.entries()) {
        let decoded: Decoded;
        try {
          decoded = decodeBytes(parseHex(packet.text), mode);
        } catch (error) {
          if (!(error instanceof HexError)) throw error;
          decoded = { error: { kind: "bad_hex", message: error.message } };
        }
        if (decoded.error) failures++;
        if (json) {
          const report = jsonReport(decoded);
          io.out(JSON.stringify(packet.line > 0 ? { line: packet.line, ...report } : report));
          continue;
        }
        if (several) io.out(`${n > 0 ? "\n" : ""}# line ${packet.line}`);
        if (decoded.frame || decoded.message) io.out(textReport(decoded));
        if (decoded.error) {
          const problem = `${decoded.error.message} (${decoded.error.kind})`;
          // With several packets the error stays next to its packet; stderr gets a summary.
          if (several) io.out(`error: ${problem}`);
          else io.err(`paxosctl decode: ${problem}`);
        }
      }
      if (several && failures > 0 && !json) {
        io.err(`paxosctl decode: ${failures} of ${packets.length} packets did not decode`);
      }
      return failures > 0 ? ExitCode.FAILURE : ExitCode.OK;
    },
  };
}

export const decodeCommand: Command = createDecodeCommand();
