// Protobuf text format for P4Info (and any other message), in the layout p4c
// writes with `--p4runtime-files x.p4info.txtpb` (the C++ TextFormat printer):
// fields in field-number order, `name {` ... `}` for messages, `name: value`
// for scalars, enum values by name, map entries sorted by key, and C-style
// escapes with octal for non-printable bytes. Everything is driven by the
// message descriptors, so new fields need no code here.
//
// Parsing uses @bufbuild/protobuf's descriptor-driven text format reader,
// which accepts both this layout and the `name: {` variant other tools write.
import {
  createRegistry,
  type DescField,
  type DescMessage,
  type MessageShape,
  type Registry,
  ScalarType,
} from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { fromText } from "@bufbuild/protobuf/txtpb";
import { file_google_protobuf_any } from "@bufbuild/protobuf/wkt";
import { file_google_rpc_status } from "./gen/google/rpc/status_pb.js";
import { file_p4_config_v1_p4info, type P4Info, P4InfoSchema } from "./gen/p4/config/v1/p4info_pb.js";
import { file_p4_config_v1_p4types } from "./gen/p4/config/v1/p4types_pb.js";
import { file_p4_v1_p4data } from "./gen/p4/v1/p4data_pb.js";
import { file_p4_v1_p4runtime } from "./gen/p4/v1/p4runtime_pb.js";
import { TextFormatError } from "./text-error.js";
import { pruneUnknownFields } from "./textproto-prune.js";

export { TextFormatError };

const INDENT = "  ";

/** C-style escaping of raw bytes, as the C++ text format printer does. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    switch (b) {
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x27:
        out += "\\'";
        break;
      case 0x5c:
        out += "\\\\";
        break;
      default:
        out += b < 0x20 || b >= 0x7f ? "\\" + b.toString(8).padStart(3, "0") : String.fromCharCode(b);
    }
  }
  return out;
}

const utf8 = new TextEncoder();

function scalarText(type: ScalarType, value: unknown): string {
  switch (type) {
    case ScalarType.STRING:
      return `"${escapeBytes(utf8.encode(value as string))}"`;
    case ScalarType.BYTES:
      return `"${escapeBytes(value as Uint8Array)}"`;
    case ScalarType.BOOL:
      return value ? "true" : "false";
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE: {
      const n = value as number;
      if (Number.isNaN(n)) return "nan";
      if (n === Number.POSITIVE_INFINITY) return "inf";
      if (n === Number.NEGATIVE_INFINITY) return "-inf";
      return String(n);
    }
    default:
      return String(value);
  }
}

function enumText(field: DescField, value: number): string {
  const e = field.enum;
  return e?.value[value]?.name ?? String(value);
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean") return Number(a) - Number(b);
  const x = BigInt(a as number | bigint);
  const y = BigInt(b as number | bigint);
  return x < y ? -1 : x > y ? 1 : 0;
}

function writeMessage(out: string[], msg: ReflectMessage, depth: number): void {
  const pad = INDENT.repeat(depth);
  for (const field of msg.sortedFields) {
    if (!msg.isSet(field)) continue;
    const name = field.name;
    switch (field.fieldKind) {
      case "scalar":
        out.push(`${pad}${name}: ${scalarText(field.scalar, msg.get(field))}`);
        break;
      case "enum":
        out.push(`${pad}${name}: ${enumText(field, msg.get(field))}`);
        break;
      case "message":
        writeNested(out, name, msg.get(field), depth);
        break;
      case "list": {
        const list = msg.get(field);
        for (const item of list) {
          if (field.listKind === "message") writeNested(out, name, item as ReflectMessage, depth);
          else if (field.listKind === "enum") out.push(`${pad}${name}: ${enumText(field, item as number)}`);
          else out.push(`${pad}${name}: ${scalarText(field.scalar, item)}`);
        }
        break;
      }
      case "map": {
        const entries = [...msg.get(field)].sort(([a], [b]) => compareKeys(a, b));
        for (const [key, value] of entries) {
          out.push(`${pad}${name} {`);
          out.push(`${pad}${INDENT}key: ${scalarText(field.mapKey, key)}`);
          if (field.mapKind === "message") writeNested(out, "value", value as ReflectMessage, depth + 1);
          else if (field.mapKind === "enum")
            out.push(`${pad}${INDENT}value: ${enumText(field, value as number)}`);
          else out.push(`${pad}${INDENT}value: ${scalarText(field.scalar, value)}`);
          out.push(`${pad}}`);
        }
        break;
      }
    }
  }
}

function writeNested(out: string[], name: string, msg: ReflectMessage, depth: number): void {
  const pad = INDENT.repeat(depth);
  out.push(`${pad}${name} {`);
  writeMessage(out, msg, depth + 1);
  out.push(`${pad}}`);
}

/** Any message in p4c-style protobuf text format (trailing newline included). */
export function formatTextProto<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string {
  const out: string[] = [];
  writeMessage(out, reflect(schema, message), 0);
  return out.length === 0 ? "" : out.join("\n") + "\n";
}

/** Every message we define, so expanded `[type.googleapis.com/...] { }` Any values resolve. */
export const P4RUNTIME_REGISTRY: Registry = createRegistry(
  file_google_protobuf_any,
  file_google_rpc_status,
  file_p4_config_v1_p4types,
  file_p4_config_v1_p4info,
  file_p4_v1_p4data,
  file_p4_v1_p4runtime,
);

export interface ParseTextOptions {
  /** Types for expanded Any values (default: P4RUNTIME_REGISTRY). */
  registry?: Registry;
  /**
   * Drop fields the descriptors do not define instead of failing (e.g. P4Info
   * from a p4c built against a newer P4Runtime); each dropped field's dotted
   * path is passed to `onUnknownField`.
   */
  ignoreUnknownFields?: boolean;
  onUnknownField?: (path: string) => void;
}

/** Parses protobuf text format into a message of `schema`; throws TextFormatError on bad input. */
export function parseTextProto<Desc extends DescMessage>(
  schema: Desc,
  text: string,
  opts: ParseTextOptions = {},
): MessageShape<Desc> {
  let src = text;
  if (opts.ignoreUnknownFields) {
    const pruned = pruneUnknownFields(schema, text);
    for (const p of pruned.removed) opts.onUnknownField?.(p);
    src = pruned.text;
  }
  try {
    return fromText(schema, src, { registry: opts.registry ?? P4RUNTIME_REGISTRY });
  } catch (e) {
    throw new TextFormatError(`${schema.typeName}: ${(e as Error).message}`);
  }
}

/** P4Info as p4c writes it to `*.p4info.txtpb`. */
export function formatP4InfoText(info: P4Info): string {
  return formatTextProto(P4InfoSchema, info);
}

/** Reads a `*.p4info.txtpb` (ours or p4c's). */
export function parseP4InfoText(text: string, opts: ParseTextOptions = {}): P4Info {
  return parseTextProto(P4InfoSchema, text, opts);
}
