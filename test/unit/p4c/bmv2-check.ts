// Structural check of a BMv2 JSON document against behavioral-model docs/JSON_format.md:
// every reference resolves, every hexstr/offset/width is consistent, the control graphs are
// acyclic. Returns a list of problems (empty = consistent). Used by the p4c tests.
import type { Bmv2Json, TV } from "../../../src/p4c/bmv2-json.js";

const PRIMITIVES = new Set([
  "assign",
  "assign_header",
  "assign_union",
  "assign_header_stack",
  "add_header",
  "remove_header",
  "push",
  "pop",
  "_jump",
  "_jump_if_zero",
  "exit",
  "assert",
  "assume",
  "log_msg",
  "mark_to_drop",
  "register_read",
  "register_write",
  "count",
  "execute_meter",
  "modify_field_with_hash_based_offset",
  "modify_field_rng_uniform",
  "generate_digest",
  "clone_ingress_pkt_to_egress",
  "clone_egress_pkt_to_egress",
  "resubmit",
  "recirculate",
  "truncate",
]);
const EXPR_OPS = new Set([
  "+",
  "-",
  "*",
  "<<",
  ">>",
  "==",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "and",
  "or",
  "not",
  "&",
  "|",
  "^",
  "~",
  "valid",
  "d2b",
  "b2d",
  "two_comp_mod",
  "sat_cast",
  "usat_cast",
  "?",
  "dereference_header_stack",
  "last_stack_index",
  "size_stack",
  "access_field",
]);
const HEX = /^-?0x[0-9a-f]+$/;

export function checkBmv2(j: Bmv2Json): string[] {
  const problems: string[] = [];
  const bad = (m: string) => problems.push(m);
  if (JSON.stringify(j.__meta__.version) !== "[2,23]") bad("__meta__.version is not [2, 23]");
  const types = new Map(j.header_types.map((t) => [t.name, t]));
  j.header_types.forEach((t, i) => {
    if (t.id !== i) bad(`header type ${t.name} id ${t.id} != ${i}`);
  });
  const headers = new Map(j.headers.map((h) => [h.name, h]));
  j.headers.forEach((h, i) => {
    if (h.id !== i) bad(`header ${h.name} id ${h.id} != ${i}`);
    const t = types.get(h.header_type);
    if (!t) {
      bad(`header ${h.name}: unknown type ${h.header_type}`);
      return;
    }
    const w = t.fields.reduce((s, f) => s + (f[1] as number), 0);
    if (w % 8 !== 0) bad(`header type ${t.name} is ${w} bits, not a whole number of bytes`);
  });
  const stacks = new Map(j.header_stacks.map((s) => [s.name, s]));
  for (const s of j.header_stacks)
    for (const id of s.header_ids) if (!j.headers[id]) bad(`stack ${s.name}: bad header id ${id}`);
  const fieldWidth = (h: string, f: string): number | undefined => {
    const hi = headers.get(h);
    if (!hi) return undefined;
    if (f === "$valid$") return 1;
    return types.get(hi.header_type)?.fields.find((x) => x[0] === f)?.[1] as number | undefined;
  };
  const named = {
    register_array: new Set(j.register_arrays.map((r) => r.name)),
    counter_array: new Set(j.counter_arrays.map((r) => r.name as string)),
    meter_array: new Set(j.meter_arrays.map((r) => r.name as string)),
    calculation: new Set(j.calculations.map((c) => c.name)),
  };
  // walk every type-value object for references
  const walk = (x: unknown, where: string, nRuntime: number) => {
    if (Array.isArray(x)) {
      for (const y of x) walk(y, where, nRuntime);
      return;
    }
    if (!x || typeof x !== "object") return;
    const o = x as Record<string, unknown>;
    if (typeof o.op === "string" && "left" in o && "right" in o && !EXPR_OPS.has(o.op))
      bad(`${where}: unknown expression op ${o.op}`);
    if (typeof o.type === "string" && "value" in o) {
      const tv = o as unknown as TV;
      switch (tv.type) {
        case "field": {
          const [h, f] = tv.value as [string, string];
          if (fieldWidth(h, f) === undefined) bad(`${where}: unknown field ${h}.${f}`);
          break;
        }
        case "header":
        case "regular":
          if (!headers.has(tv.value as string)) bad(`${where}: unknown header ${String(tv.value)}`);
          break;
        case "header_stack":
        case "stack":
          if (!stacks.has(tv.value as string)) bad(`${where}: unknown header stack ${String(tv.value)}`);
          break;
        case "stack_field": {
          const [s] = tv.value as [string, string];
          if (!stacks.has(s)) bad(`${where}: unknown header stack ${s}`);
          break;
        }
        case "register_array":
        case "counter_array":
        case "meter_array":
        case "calculation":
          if (!named[tv.type].has(tv.value as string))
            bad(`${where}: unknown ${tv.type} ${String(tv.value)}`);
          break;
        case "hexstr":
          if (!HEX.test(tv.value as string)) bad(`${where}: malformed hexstr ${String(tv.value)}`);
          break;
        case "runtime_data":
        case "local":
          if (typeof tv.value !== "number" || tv.value >= nRuntime)
            bad(`${where}: ${tv.type} index ${String(tv.value)} out of range`);
          break;
      }
    }
    for (const v of Object.values(o)) walk(v, where, nRuntime);
  };
  // actions
  const actions = new Map(j.actions.map((a) => [a.id, a]));
  j.actions.forEach((a, i) => {
    if (a.id !== i) bad(`action ${a.name} id ${a.id} != ${i}`);
    a.primitives.forEach((p, k) => {
      if (!PRIMITIVES.has(p.op)) bad(`action ${a.name}: unknown primitive ${p.op}`);
      if (p.op === "_jump" || p.op === "_jump_if_zero") {
        const off = p.parameters[p.parameters.length - 1] as TV;
        const n = Number.parseInt(String(off.value), 16);
        if (off.type !== "hexstr" || !(n > k && n <= a.primitives.length))
          bad(`action ${a.name}: bad jump offset ${String(off.value)} at ${k}`);
      }
      if (p.op === "assign" && !isLValue(p.parameters[0] as TV))
        bad(`action ${a.name}: assign to a non-field`);
    });
    walk(a.primitives, `action ${a.name}`, a.runtime_data.length);
  });
  // parsers
  const stateIds = new Set<number>();
  for (const p of j.parsers) {
    const states = new Map(p.parse_states.map((s) => [s.name, s]));
    if (!states.has(p.init_state)) bad(`parser ${p.name}: unknown init state ${p.init_state}`);
    for (const s of p.parse_states) {
      if (stateIds.has(s.id)) bad(`parse state id ${s.id} reused`);
      stateIds.add(s.id);
      walk(s.parser_ops, `state ${s.name}`, 0);
      walk(s.transition_key, `state ${s.name} key`, 0);
      let keyBytes = 0;
      for (const k of s.transition_key) {
        const w =
          k.type === "field"
            ? fieldWidth(...(k.value as [string, string]))
            : k.type === "lookahead"
              ? (k.value as number[])[1]
              : 8;
        keyBytes += Math.ceil((w ?? 0) / 8);
      }
      for (const t of s.transitions) {
        if (t.next_state !== null && !states.has(t.next_state))
          bad(`state ${s.name}: unknown next state ${t.next_state}`);
        if (t.type === "hexstr") {
          for (const v of [t.value, t.mask]) {
            if (v === null) continue;
            if (!HEX.test(v) || (v.length - 2) / 2 !== keyBytes)
              bad(`state ${s.name}: value/mask ${v} does not have ${keyBytes} bytes`);
          }
        } else if (t.value !== null || t.mask !== null)
          bad(`state ${s.name}: default transition with a value`);
      }
    }
  }
  for (const d of j.deparsers)
    for (const h of d.order) if (!headers.has(h)) bad(`deparser: unknown header ${h}`);
  // pipelines
  const tableIds = new Set<number>();
  for (const pl of j.pipelines) {
    const nodes = new Map<string, string[]>();
    for (const t of pl.tables)
      nodes.set(
        t.name,
        [...Object.values(t.next_tables), t.base_default_next].filter((x): x is string => x !== null),
      );
    for (const c of pl.conditionals)
      nodes.set(
        c.name,
        [c.true_next, c.false_next].filter((x): x is string => x !== null),
      );
    if (pl.init_table !== null && !nodes.has(pl.init_table))
      bad(`pipeline ${pl.name}: unknown init_table ${pl.init_table}`);
    for (const [n, nexts] of nodes)
      for (const x of nexts) if (!nodes.has(x)) bad(`pipeline ${pl.name}: ${n} → unknown node ${x}`);
    // acyclic: depth-first search with colours
    const colour = new Map<string, number>();
    const dfs = (n: string): void => {
      colour.set(n, 1);
      for (const x of nodes.get(n) ?? []) {
        if (colour.get(x) === 1) bad(`pipeline ${pl.name}: cycle through ${x}`);
        else if (!colour.has(x)) dfs(x);
      }
      colour.set(n, 2);
    };
    for (const n of nodes.keys()) if (!colour.has(n)) dfs(n);
    for (const c of pl.conditionals) walk(c.expression, `conditional ${c.name}`, 0);
    for (const t of pl.tables) {
      if (tableIds.has(t.id)) bad(`table id ${t.id} reused`);
      tableIds.add(t.id);
      if (t.action_ids.length !== t.actions.length) bad(`table ${t.name}: actions/action_ids differ`);
      t.action_ids.forEach((id, i) => {
        if (actions.get(id)?.name !== t.actions[i])
          bad(`table ${t.name}: action id ${id} is not ${t.actions[i]}`);
      });
      const keys = Object.keys(t.next_tables).sort();
      const hm = keys.join() === "__HIT__,__MISS__";
      if (!hm && keys.join() !== [...new Set(t.actions)].sort().join())
        bad(`table ${t.name}: next_tables keys ${keys} do not match its actions`);
      const kinds = t.key.map((k) => k.match_type);
      const want = kinds.includes("range")
        ? "range"
        : kinds.some((k) => k === "ternary" || k === "optional")
          ? "ternary"
          : kinds.includes("lpm")
            ? "lpm"
            : "exact";
      if (t.match_type !== want) bad(`table ${t.name}: match_type ${t.match_type}, expected ${want}`);
      for (const k of t.key)
        if (fieldWidth(...k.target) === undefined)
          bad(`table ${t.name}: unknown key field ${k.target.join(".")}`);
      const de = t.default_entry;
      if (!t.action_ids.includes(de.action_id))
        bad(`table ${t.name}: default action ${de.action_id} not in its actions`);
      const da = actions.get(de.action_id);
      if (da && da.runtime_data.length !== de.action_data.length)
        bad(`table ${t.name}: default action data has the wrong length`);
      for (const e of t.entries ?? []) {
        if (e.match_key.length !== t.key.length)
          bad(`table ${t.name}: entry with ${e.match_key.length} keys`);
        e.match_key.forEach((mk, i) => {
          const k = t.key[i]!;
          if (mk.match_type !== k.match_type)
            bad(`table ${t.name}: entry key ${i} is ${mk.match_type}, not ${k.match_type}`);
          const bytes = Math.ceil((fieldWidth(...k.target) ?? 0) / 8);
          for (const v of [mk.key, mk.mask, mk.start, mk.end]) {
            if (v === undefined) continue;
            if (!HEX.test(v) || (v.length - 2) / 2 !== bytes)
              bad(`table ${t.name}: entry value ${v} is not ${bytes} bytes`);
          }
        });
        const ea = actions.get(e.action_entry.action_id);
        if (!t.action_ids.includes(e.action_entry.action_id))
          bad(`table ${t.name}: entry action not in its actions`);
        if (ea && ea.runtime_data.length !== e.action_entry.action_data.length)
          bad(`table ${t.name}: entry action data has the wrong length`);
      }
      if (t.direct_meters !== null && !named.meter_array.has(t.direct_meters))
        bad(`table ${t.name}: unknown direct meter`);
    }
  }
  for (const c of j.checksums) {
    if (!named.calculation.has(c.calculation)) bad(`checksum ${c.name}: unknown calculation`);
    if (fieldWidth(...c.target) === undefined) bad(`checksum ${c.name}: unknown target`);
    if (c.if_cond) walk(c.if_cond, `checksum ${c.name}`, 0);
  }
  for (const c of j.calculations) {
    walk(c.input, `calculation ${c.name}`, 0);
    for (const i of c.input)
      if (i.type === "hexstr" && !i.bitwidth) bad(`calculation ${c.name}: hexstr input without bitwidth`);
  }
  for (const l of j.learn_lists) walk(l.elements, `learn list ${l.name}`, 0);
  for (const f of j.field_lists) walk(f.elements, `field list ${f.name}`, 0);
  for (const [, target] of j.field_aliases)
    if (fieldWidth(...target) === undefined) bad(`field alias to unknown ${target.join(".")}`);
  return problems;
}

/** A field, or an expression l-value (`access_field` on a stack element chosen at run time). */
function isLValue(tv: TV): boolean {
  if (tv.type === "field") return true;
  if (tv.type !== "expression") return false;
  const inner = tv.value as TV | { op?: string };
  if ("type" in inner && typeof inner.type === "string") return isLValue(inner as TV);
  return (inner as { op?: string }).op === "access_field";
}
