// Holds the P4 data plane (p4/include/*.p4) to src/wire/header.ts: the paxos_t header fields,
// VALUE_SIZE, the UDP port, the protocol version and the message type codes must be identical,
// and the drop counter must have an index for every reason of docs/protocol.md §11.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DROP_COUNTER_NAMES } from "../../controller/runtime/inspect.js";
import { MsgType, PAXOS_FIELDS, PAXOS_UDP_PORT, PAXOS_VERSION, VALUE_SIZE } from "../../src/wire/header.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const HEADERS = read("p4/include/headers.p4");
const CONSTANTS = read("p4/include/constants.p4");

/** Removes // and /* *\/ comments (the P4 files have no string literals containing them). */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, " ");
}

/** Integer value of a P4 / C literal: decimal, 0x hex, 0b binary, with an optional `8w` width. */
function literal(text: string): number {
  const m = /^(?:\d+[wWsS])?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|\d[\d_]*)$/.exec(text.trim());
  if (!m) throw new Error(`not an integer literal: ${text}`);
  const digits = m[1]!.replace(/_/g, "");
  if (/^0[bB]/.test(digits)) return Number.parseInt(digits.slice(2), 2);
  return Number(digits);
}

/** `#define NAME value` lines, as written (the defaults inside the #ifndef guards). */
function defines(src: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of stripComments(src).matchAll(/^\s*#define\s+([A-Za-z_]\w*)\s+(.+?)\s*$/gm)) {
    out.set(m[1]!, m[2]!);
  }
  return out;
}

/** `const bit<W> NAME = value;` declarations. */
function consts(src: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stripComments(src).matchAll(/\bconst\s+bit<\d+>\s+([A-Za-z_]\w*)\s*=\s*([^;]+);/g)) {
    out.set(m[1]!, literal(m[2]!));
  }
  return out;
}

/**
 * Evaluates a width expression such as `(VALUE_SIZE * 8)`: integers, macros, + - * / and
 * parentheses, by recursive descent (no eval).
 */
function evaluate(expr: string, macros: Map<string, string>, depth = 0): number {
  if (depth > 16) throw new Error(`macro expansion too deep in ${expr}`);
  const tokens = expr.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|[-+*/()]|\S/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const primary = (): number => {
    const tok = tokens[pos++];
    if (tok === undefined) throw new Error(`unexpected end of ${expr}`);
    if (tok === "(") {
      const v = sum();
      if (tokens[pos++] !== ")") throw new Error(`missing ) in ${expr}`);
      return v;
    }
    if (/^[A-Za-z_]/.test(tok)) {
      const body = macros.get(tok);
      if (body === undefined) throw new Error(`unknown constant ${tok} in ${expr}`);
      return evaluate(body, macros, depth + 1);
    }
    return literal(tok);
  };
  const product = (): number => {
    let v = primary();
    while (peek() === "*" || peek() === "/")
      v = tokens[pos++] === "*" ? v * primary() : Math.trunc(v / primary());
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === "+" || peek() === "-") v = tokens[pos++] === "+" ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (pos !== tokens.length) throw new Error(`trailing tokens in ${expr}`);
  return v;
}

/** Fields of `header NAME { ... }` in declaration order, widths resolved with `macros`. */
function headerFields(src: string, name: string, macros: Map<string, string>) {
  const body = new RegExp(`\\bheader\\s+${name}\\s*\\{([^}]*)\\}`).exec(stripComments(src))?.[1];
  if (body === undefined) throw new Error(`header ${name} not found`);
  return body
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((decl) => {
      const m = /^bit\s*<(.+)>\s+([A-Za-z_]\w*)$/s.exec(decl);
      if (!m) throw new Error(`unsupported field declaration: ${decl}`);
      return { name: m[2]!, bits: evaluate(m[1]!, macros) };
    });
}

const MACROS = defines(CONSTANTS);
const CONSTS = consts(CONSTANTS);

describe("P4 paxos_t header", () => {
  it("has exactly the fields of PAXOS_FIELDS: same names, widths and order", () => {
    const p4 = headerFields(HEADERS, "paxos_t", MACROS);
    expect(p4).toEqual(PAXOS_FIELDS.map((f) => ({ name: f.name, bits: f.bits })));
  });

  it("is 96 bytes with the default VALUE_SIZE", () => {
    const bits = headerFields(HEADERS, "paxos_t", MACROS).reduce((n, f) => n + f.bits, 0);
    expect(bits).toBe(8 * (32 + VALUE_SIZE));
  });
});

describe("P4 constants", () => {
  it("VALUE_SIZE, PAXOS_UDP_PORT and the version equal the TypeScript ones", () => {
    expect(evaluate("VALUE_SIZE", MACROS)).toBe(VALUE_SIZE);
    expect(evaluate("PAXOS_UDP_PORT", MACROS)).toBe(PAXOS_UDP_PORT);
    expect(CONSTS.get("PAXOS_VERSION")).toBe(PAXOS_VERSION);
  });

  it("MSG_* codes equal MsgType, in both directions, and MSG_MAX is the highest", () => {
    const p4 = Object.fromEntries(
      [...CONSTS].filter(([k]) => k.startsWith("MSG_") && k !== "MSG_MAX").map(([k, v]) => [k.slice(4), v]),
    );
    expect(p4).toEqual({ ...MsgType });
    expect(CONSTS.get("MSG_MAX")).toBe(Math.max(...Object.values(MsgType)));
  });

  it("RING_SIZE is a power of two (slots are instance & (RING_SIZE - 1))", () => {
    const ring = evaluate("RING_SIZE", MACROS);
    expect(ring).toBeGreaterThan(0);
    expect(ring & (ring - 1)).toBe(0);
  });

  it("has a distinct drop counter index for every reason of docs/protocol.md §11", () => {
    const section = (read("docs/protocol.md").split("## 11.")[1] ?? "").split(/^## /m)[0]!;
    const reasons = [...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    expect(reasons.length).toBeGreaterThanOrEqual(9);
    const indices = reasons.map((r) => CONSTS.get(`DROP_${r.toUpperCase()}`));
    expect(indices.every((i) => i !== undefined && i > 0 && i < 16)).toBe(true);
    expect(new Set(indices).size).toBe(reasons.length);
  });

  it("DROP_* indices are the positions of the controller's counter names", () => {
    const drops = [...CONSTS].filter(([k]) => k.startsWith("DROP_"));
    expect(drops.length).toBe(DROP_COUNTER_NAMES.length);
    for (const [k, v] of drops) expect(DROP_COUNTER_NAMES[v] || "none").toBe(k.slice(5).toLowerCase());
  });
});

describe("the extractor itself", () => {
  it("resolves macro arithmetic and rejects unknown names and other field types", () => {
    const macros = new Map([
      ["A", "4"],
      ["B", "(A * 2 + 1)"],
    ]);
    expect(evaluate("(B - 1) / 2", macros)).toBe(4);
    expect(() => evaluate("C * 8", macros)).toThrow(/unknown constant C/);
    expect(() => headerFields("header h_t { varbit<8> x; }", "h_t", macros)).toThrow(/unsupported/);
    expect(headerFields("header h_t { bit<8> a; // c\n bit<(A*4)> b; }", "h_t", macros)).toEqual([
      { name: "a", bits: 8 },
      { name: "b", bits: 16 },
    ]);
  });
});
