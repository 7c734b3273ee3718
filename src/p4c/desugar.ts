// Source-level rewrites of constructs BMv2 has no direct form for.
import type * as A from "./ast.js";
import { fail } from "./diag.js";

/**
 * `switch (e) { 1: 2: { A } default: { B } }` on a value (not `t.apply().action_run`) becomes
 * `if (e == 1 || e == 2) { A } else { B }`; labels without a body fall through to the next one.
 */
export function switchToIf(s: A.Stmt & { kind: "switch" }): A.Stmt {
  const groups: { labels: A.Expr[]; body: A.Stmt & { kind: "block" }; isDefault: boolean }[] = [];
  let pending: A.Expr[] = [];
  let pendingDefault = false;
  for (const c of s.cases) {
    if (c.label.kind === "default") pendingDefault = true;
    else pending.push(c.label);
    if (!c.body) continue;
    groups.push({ labels: pending, body: c.body, isDefault: pendingDefault });
    pending = [];
    pendingDefault = false;
  }
  if (pending.length > 0 || pendingDefault) fail(s.loc, "the last switch case needs a body");
  const def = groups.find((g) => g.isDefault);
  if (def && groups.indexOf(def) !== groups.length - 1)
    fail(def.body.loc, "the default case of a switch must be the last one");
  let result: A.Stmt | undefined = def?.body;
  for (const g of [...groups].reverse()) {
    if (g.isDefault) continue;
    const cond = g.labels
      .map((l): A.Expr => ({ kind: "binary", loc: l.loc, op: "==", left: s.expr, right: l }))
      .reduce((a, b) => ({ kind: "binary", loc: b.loc, op: "||", left: a, right: b }));
    // biome-ignore lint/suspicious/noThenProperty: the AST's if node names its branch `then`
    result = { kind: "if", loc: g.body.loc, cond, then: g.body, else: result };
  }
  return result ?? { kind: "empty", loc: s.loc };
}

export interface SplitStates {
  states: A.ParserState[];
  /** For generated states: the state whose scope they continue (`child`: in a nested scope). */
  scopeOf: Map<string, { origin: string; child: boolean }>;
}

/**
 * BMv2 parse states cannot branch inside; an `if` in a state splits it, as p4c does:
 * `S { pre; if (c) { T } else { E } post; transition X }` becomes
 * `S { pre; transition select(c) { true: S_true; default: S_false } }`,
 * `S_true { T; transition S_join }`, `S_false { E; transition S_join }`, `S_join { post; transition X }`.
 */
export function splitParserIfs(states: A.ParserState[]): SplitStates {
  const names = new Set(states.map((s) => s.name));
  const fresh = (base: string) => {
    let n = base;
    for (let k = 0; names.has(n); k++) n = `${base}_${k}`;
    names.add(n);
    return n;
  };
  const scopeOf = new Map<string, { origin: string; child: boolean }>();
  const rootOf = (name: string): string => scopeOf.get(name)?.origin ?? name;
  const out: A.ParserState[] = [];
  const work = [...states];
  while (work.length > 0) {
    const s = work.shift()!;
    const stmts = s.stmts.flatMap((x) =>
      x.kind === "block" && !x.stmts.some((y) => y.kind === "var" || y.kind === "const") ? x.stmts : [x],
    );
    const i = stmts.findIndex((x) => x.kind === "if");
    if (i < 0) {
      out.push(s);
      continue;
    }
    const ifs = stmts[i] as A.Stmt & { kind: "if" };
    const loc = ifs.loc;
    const origin = rootOf(s.name);
    const tName = fresh(`${s.name}_true`);
    const fName = fresh(`${s.name}_false`);
    const jName = fresh(`${s.name}_join`);
    const to = (target: string): A.Transition => ({ kind: "direct", loc, target, targetLoc: loc });
    const head: A.ParserState = {
      ...s,
      stmts: stmts.slice(0, i),
      transition: {
        kind: "select",
        loc,
        keys: [ifs.cond],
        cases: [
          { loc, keyset: { kind: "bool", loc, value: true }, target: tName, targetLoc: loc },
          { loc, keyset: { kind: "default", loc }, target: fName, targetLoc: loc },
        ],
      },
    };
    const branch = (name: string, body: A.Stmt | undefined): A.ParserState => ({
      loc,
      annotations: [],
      name,
      stmts: body ? (body.kind === "block" ? body.stmts : [body]) : [],
      transition: to(jName),
    });
    const join: A.ParserState = {
      loc,
      annotations: [],
      name: jName,
      stmts: stmts.slice(i + 1),
      transition: s.transition,
    };
    scopeOf.set(tName, { origin, child: true });
    scopeOf.set(fName, { origin, child: true });
    scopeOf.set(jName, { origin, child: false });
    out.push(head);
    // the branches and the rest may contain further ifs
    work.unshift(branch(tName, ifs.then), branch(fName, ifs.else), join);
  }
  return { states: out, scopeOf };
}
