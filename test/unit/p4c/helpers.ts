// Builds small v1model programs around a piece of code, for the compiler's unit tests.
import { type CompileResult, compileP4 } from "../../../src/p4c/compile.js";
import { CompileError } from "../../../src/p4c/diag.js";

export const HEADERS = `
header h_t { bit<8> a; bit<16> b; bit<32> c; bit<8> d; }
struct headers_t { h_t h; }
struct meta_t { bit<8> m; bit<32> w; bool flag; }`;

/** A program whose ingress control has `ingress` as its body (declarations + apply block). */
export function program(
  ingress: string,
  opts: { top?: string; parser?: string; egress?: string; deparser?: string } = {},
): string {
  return `#include <core.p4>
#include <v1model.p4>
${HEADERS}
${opts.top ?? ""}
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
${opts.parser ?? "    state start { pkt.extract(hdr.h); transition accept; }"}
}
control VC(inout headers_t hdr, inout meta_t meta) { apply { } }
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
${ingress}
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
${opts.egress ?? "    apply { }"}
}
control CC(inout headers_t hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { ${opts.deparser ?? "pkt.emit(hdr.h);"} } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
`;
}

export function compile(source: string, file = "t.p4"): CompileResult {
  return compileP4({ file, source });
}

/** The rendered error of a program that must not compile. */
export function compileError(source: string): string {
  try {
    compile(source);
  } catch (e) {
    if (e instanceof CompileError) return e.message;
    throw e;
  }
  throw new Error("program compiled without error");
}

/** Compact text of an expression tree / parameter, for assertions. */
export function show(x: unknown): string {
  if (x === null || x === undefined) return "null";
  const o = x as {
    type?: string;
    value?: unknown;
    op?: string;
    left?: unknown;
    right?: unknown;
    cond?: unknown;
  };
  if (o.op !== undefined && "right" in o) {
    if (o.cond) return `(${show(o.cond)} ? ${show(o.left)} : ${show(o.right)})`;
    return o.left ? `(${show(o.left)} ${o.op} ${show(o.right)})` : `(${o.op} ${show(o.right)})`;
  }
  switch (o.type) {
    case "expression":
      return show(o.value);
    case "field":
      return (o.value as string[]).join(".");
    case "hexstr":
      return String(o.value);
    case undefined:
      return String(x);
    default:
      return `${o.type}:${JSON.stringify(o.value)}`;
  }
}

/** Primitives of an action as "op a, b" lines. */
export function prims(r: CompileResult, action: string): string[] {
  const a = r.json.actions.find((x) => x.name === action);
  if (!a) throw new Error(`no action ${action}; have ${r.json.actions.map((x) => x.name).join(", ")}`);
  return a.primitives.map((p) => `${p.op} ${p.parameters.map(show).join(", ")}`.trim());
}
