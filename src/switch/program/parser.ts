// Compiles a BMv2 parser into one JS function per parse state. Each returns the next state's
// index, -1 for accept, or -2 after recording a parser error (the packet then goes to ingress with
// standard_metadata.parser_error set, as simple_switch does).

import { parseHexstr } from "../bits.js";
import { LoadError } from "../errors.js";
import type { ParserJson, ParseStateJson, TV } from "../json.js";
import { makeFn, PrimitiveCompiler, type Registry } from "./actions.js";
import { ExprCompiler, type Typed, unsignedCode } from "./expr.js";
import type { Layout } from "./layout.js";
import type { Env, PacketState } from "./runtime.js";

export type StateFn = (P: PacketState) => number;

export interface CompiledParser {
  name: string;
  init: number;
  states: StateFn[];
  stateNames: string[];
}

/** Parser steps beyond this are treated as a loop: ParserTimeout. */
export const MAX_PARSER_STEPS = 10_000;

export function compileParser(layout: Layout, reg: Registry, env: Env, json: ParserJson): CompiledParser {
  const states = json.parse_states ?? [];
  const index = new Map<string, number>();
  for (const [i, s] of states.entries()) index.set(s.name, i);
  const init = index.get(json.init_state);
  if (init === undefined) throw new LoadError(`parser ${json.name}: unknown init_state '${json.init_state}'`);
  const compiled = states.map((s) => compileState(layout, reg, env, s, index, json.name));
  return { name: json.name, init, states: compiled, stateNames: states.map((s) => s.name) };
}

function compileState(
  layout: Layout,
  reg: Registry,
  env: Env,
  st: ParseStateJson,
  index: Map<string, number>,
  parserName: string,
): StateFn {
  const where = `parse state ${parserName}.${st.name}`;
  const fail = (msg: string): never => {
    throw new LoadError(`${msg} in ${where}`);
  };
  const x = new ExprCompiler({
    layout,
    where,
    registerIndex: (n) => reg.register(n),
    registerWidth: (i) => reg.registerWidth(i),
    constant: (v) => reg.constant(v),
  });
  const prims = new PrimitiveCompiler(layout, reg, where);
  const tooShort = layout.errorCode("PacketTooShort");
  const lines: string[] = ["const F = P.F, V = P.V, S = P.S, B = P.buf;", "const D = [];", "let h = 0;"];
  const lookahead = (tv: TV): Typed => {
    const [offset, width] = tv.value as [number, number];
    if (!Number.isInteger(offset) || !Number.isInteger(width) || width <= 0) fail("malformed lookahead");
    lines.push(`if (P.off * 8 + ${offset + width} > B.length * 8) return E.perr(P, ${tooShort});`);
    return width <= 32
      ? { code: `E.readBitsNum(B, P.off * 8 + ${offset}, ${width})`, kind: "num", bits: width, neg: false }
      : { code: `E.readBitsBig(B, P.off * 8 + ${offset}, ${width})`, kind: "big", bits: width, neg: false };
  };
  const value = (tv: TV): Typed => (tv.type === "lookahead" ? lookahead(tv) : x.compile(tv));

  for (const op of st.parser_ops ?? []) {
    const p = op.parameters ?? [];
    switch (op.op) {
      case "extract": {
        const target = p[0];
        if (!target) fail("extract without a target");
        if (target.type === "regular") {
          const h = layout.header(String(target.value), where);
          const n = h.type.width / 8;
          lines.push(
            `if (P.off + ${n} > B.length) return E.perr(P, ${tooShort});`,
            `E.extract[${h.id}](B, P.off, F, ${h.base}); V[${h.id}] = 1; P.off += ${n};`,
            ...layout.siblings[h.id]!.map((sib) => `V[${sib}] = 0;`),
          );
        } else if (target.type === "stack") {
          const s = layout.stack(String(target.value), where);
          const n = s.type.width / 8;
          lines.push(
            `if (S[${s.index}] >= ${s.headers.length}) return E.perr(P, ${layout.errorCode("StackOutOfBounds")});`,
            `if (P.off + ${n} > B.length) return E.perr(P, ${tooShort});`,
            `h = E.stackHeaders[${s.index}][S[${s.index}]];`,
            `E.extract[h](B, P.off, F, E.bases[h]); V[h] = 1; S[${s.index}] += 1; P.off += ${n};`,
          );
        } else fail(`unsupported extract target type '${target.type}'`);
        break;
      }
      case "set": {
        if (p.length !== 2) fail("'set' needs 2 parameters");
        lines.push(x.store(x.lvalue(p[0]!), value(p[1]!)));
        break;
      }
      case "verify": {
        if (p.length !== 2) fail("'verify' needs 2 parameters");
        const cond = x.asBool(x.compile(p[0]!));
        const err = x.asIndex(x.compile(p[1]!));
        lines.push(`if (!${cond}) return E.perr(P, ${err});`);
        break;
      }
      case "shift":
      case "advance": {
        if (p.length !== 1) fail(`'${op.op}' needs 1 parameter`);
        const amount = x.asIndex(x.compile(p[0]!));
        const bytes = op.op === "shift" ? amount : `(${amount}) / 8`;
        lines.push(
          `{ const n = ${bytes}; if (!Number.isInteger(n)) return E.perr(P, ${layout.errorCode("ParserInvalidArgument")});`,
          ` if (P.off + n > B.length) return E.perr(P, ${tooShort}); P.off += n; }`,
        );
        break;
      }
      case "primitive": {
        const inner = p[0] as unknown as { op: string; parameters: TV[] };
        if (!inner || typeof inner.op !== "string") fail("malformed parser primitive");
        lines.push(
          prims.statement({ op: inner.op, parameters: inner.parameters ?? [] }, () =>
            fail("_jump in parser"),
          ),
        );
        break;
      }
      default:
        fail(`unsupported parser operation '${op.op}'`);
    }
  }

  // Transition: compare the key against each value/mask, first match wins.
  const keys = (st.transition_key ?? []).map((k) => {
    let t = value(k);
    if (t.kind === "wide") t = { ...t, code: `E.w2b(${t.code})`, kind: "big" };
    // Transition values are bit patterns: compare a signed field by its unsigned reading.
    if (t.neg && (t.kind === "num" || t.kind === "big"))
      t = { ...t, code: unsignedCode(t.code, t.bits, t.kind === "num"), neg: false };
    if (t.kind !== "num" && t.kind !== "big") fail("transition key must be a data value");
    const width = k.type === "lookahead" ? (k.value as [number, number])[1] : t.bits;
    lines.push(`const k${lines.length} = ${t.code};`);
    return { name: `k${lines.length - 1}`, width, kind: t.kind };
  });
  const target = (name: string | null): number => {
    if (name === null) return -1;
    const i = index.get(name);
    if (i === undefined) return fail(`unknown next state '${name}'`);
    return i;
  };
  let sawDefault = false;
  for (const tr of st.transitions ?? []) {
    const next = target(tr.next_state);
    const type = tr.type ?? (tr.value === "default" || tr.value === null ? "default" : "hexstr");
    if (type === "default" || tr.value === "default") {
      lines.push(`return ${next};`);
      sawDefault = true;
      break;
    }
    if (type === "parse_vset") {
      const vi = env.valueSets.findIndex((v) => v.name === tr.value);
      if (vi < 0) fail(`unknown parse value set '${String(tr.value)}'`);
      const vs = env.valueSets[vi]!;
      const total = keys.reduce((a, k) => a + k.width, 0);
      if (total !== vs.width)
        fail(`value set ${vs.name} is ${vs.width} bits wide but the transition key has ${total}`);
      // Compressed key: fields concatenated without padding, as value-set members are written.
      let shift = total;
      const parts = keys.map((k) => {
        shift -= k.width;
        const b = k.kind === "num" ? `BigInt(${k.name})` : k.name;
        return shift > 0 ? `(${b} << ${shift}n)` : b;
      });
      let tmask = (1n << BigInt(total)) - 1n;
      if (tr.mask) {
        const ms = splitKey(
          tr.mask,
          keys.map((k) => k.width),
          where,
        );
        let acc = 0n;
        keys.forEach((k, i) => {
          acc = (acc << BigInt(k.width)) | ms[i]!;
        });
        tmask = acc;
      }
      const key = parts.length > 0 ? parts.join(" | ") : "0n";
      lines.push(`if (E.valueSets[${vi}].match(${key}, ${tmask}n)) return ${next};`);
      continue;
    }
    if (type !== "hexstr") fail(`unsupported transition type '${type}'`);
    const vals = splitKey(
      tr.value!,
      keys.map((k) => k.width),
      where,
    );
    const masks = tr.mask
      ? splitKey(
          tr.mask,
          keys.map((k) => k.width),
          where,
        )
      : undefined;
    const conds = keys.map((k, i) => {
      const v = vals[i]!;
      const m = masks?.[i];
      const full = (1n << BigInt(k.width)) - 1n;
      if (k.kind === "num") {
        if (m === undefined || m === full) return `${k.name} === ${v}`;
        return `((${k.name} & ${m}) >>> 0) === ${v & m}`;
      }
      if (m === undefined || m === full) return `${k.name} === ${v}n`;
      return `(${k.name} & ${m}n) === ${v & m}n`;
    });
    lines.push(`if (${conds.length ? conds.join(" && ") : "true"}) return ${next};`);
  }
  if (!sawDefault) lines.push(`return E.perr(P, ${layout.errorCode("NoMatch")});`);
  return makeFn(env, lines.join("\n"), where, "P") as StateFn;
}

/** Splits a concatenated, byte-padded transition value into one value per key field. */
function splitKey(hex: string, widths: number[], where: string): bigint[] {
  const total = widths.reduce((a, w) => a + Math.ceil(w / 8), 0);
  let v: bigint;
  try {
    v = parseHexstr(hex);
  } catch {
    throw new LoadError(`malformed transition value '${hex}' in ${where}`);
  }
  const out: bigint[] = [];
  let shift = total * 8;
  for (const w of widths) {
    const bytes = Math.ceil(w / 8);
    shift -= bytes * 8;
    out.push((v >> BigInt(shift)) & ((1n << BigInt(w)) - 1n));
  }
  return out;
}
