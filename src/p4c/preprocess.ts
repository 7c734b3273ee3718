// C-style preprocessor over tokens: #include, #define (object- and function-like), #undef,
// #if/#ifdef/#ifndef/#elif/#else/#endif, #error, #pragma once. Tokens keep their original
// file:line:col; tokens produced by a macro carry the location of the macro's use.
import * as path from "node:path";
import { fail, type Loc, type SourceStore } from "./diag.js";
import { lex, type Token } from "./lexer.js";

export interface PreprocessOptions {
  includeDirs: string[];
  /** -D NAME[=VALUE]; VALUE defaults to "1". */
  defines: Record<string, string>;
  /** Directory holding the built-in core.p4 and v1model.p4. */
  builtinDir: string;
  readFile(file: string): string | undefined;
}

interface Macro {
  name: string;
  params?: string[]; // present for function-like macros
  body: Token[];
}

interface Cond {
  active: boolean; // are we emitting tokens in this branch
  taken: boolean; // has some branch of this #if already been taken
  parentActive: boolean;
  sawElse: boolean;
  loc: Loc;
}

const BUILTIN_HEADERS = new Set(["core.p4", "v1model.p4"]);
const MAX_INCLUDE_DEPTH = 64;
const MAX_EXPANSIONS = 1_000_000;

export function preprocess(
  mainFile: string,
  text: string,
  opts: PreprocessOptions,
  sources: SourceStore,
): Token[] {
  const pp = new Preprocessor(opts, sources);
  for (const [name, value] of Object.entries(opts.defines)) {
    const body = lex(value, "<command-line>");
    body.pop();
    pp.macros.set(name, { name, body });
  }
  pp.runFile(mainFile, text, 0);
  const eofLoc = pp.out.length > 0 ? pp.out[pp.out.length - 1]!.loc : { file: mainFile, line: 1, col: 1 };
  pp.out.push({ kind: "eof", text: "<end of file>", loc: eofLoc, bol: true, adjacent: false });
  return pp.out;
}

class Preprocessor {
  readonly macros = new Map<string, Macro>();
  readonly out: Token[] = [];
  private readonly once = new Set<string>();
  private expansions = 0;

  constructor(
    private readonly opts: PreprocessOptions,
    private readonly sources: SourceStore,
  ) {}

  runFile(file: string, text: string, depth: number): void {
    if (this.once.has(file)) return;
    this.sources.add(file, text);
    const toks = lex(text, file);
    toks.pop(); // eof
    const conds: Cond[] = [];
    const active = () => conds.length === 0 || conds[conds.length - 1]!.active;
    let i = 0;
    // Plain tokens between directives are collected and macro-expanded as one run, so that a
    // function-like macro call may span lines.
    let run: Token[] = [];
    const flush = () => {
      if (run.length > 0) this.out.push(...this.expand(run));
      run = [];
    };
    while (i < toks.length) {
      const t = toks[i]!;
      if (t.kind === "punct" && t.text === "#" && t.bol) {
        let j = i + 1;
        while (j < toks.length && !toks[j]!.bol) j++;
        const line = toks.slice(i + 1, j);
        i = j;
        flush();
        this.directive(t, line, conds, active(), file, depth);
        continue;
      }
      if (active()) run.push(t);
      i++;
    }
    flush();
    if (conds.length > 0) fail(conds[conds.length - 1]!.loc, "unterminated #if (missing #endif)");
  }

  private directive(
    hash: Token,
    line: Token[],
    conds: Cond[],
    active: boolean,
    file: string,
    depth: number,
  ): void {
    const nameTok = line[0];
    if (!nameTok) return; // null directive
    const name = nameTok.text;
    const rest = line.slice(1);
    switch (name) {
      case "if":
      case "ifdef":
      case "ifndef": {
        let value = false;
        if (active) {
          if (name === "if") value = this.evalCondition(rest, nameTok.loc) !== 0n;
          else {
            const id = rest[0];
            if (id?.kind !== "id") fail(nameTok.loc, `#${name} expects a macro name`);
            value = this.macros.has(id.text) === (name === "ifdef");
          }
        }
        conds.push({
          active: active && value,
          taken: value,
          parentActive: active,
          sawElse: false,
          loc: hash.loc,
        });
        return;
      }
      case "elif": {
        const c = conds[conds.length - 1];
        if (!c || c.sawElse) fail(nameTok.loc, "#elif without matching #if");
        if (c.taken || !c.parentActive) c.active = false;
        else {
          const v = this.evalCondition(rest, nameTok.loc) !== 0n;
          c.active = v;
          c.taken = v;
        }
        return;
      }
      case "else": {
        const c = conds[conds.length - 1];
        if (!c || c.sawElse) fail(nameTok.loc, "#else without matching #if");
        c.sawElse = true;
        c.active = c.parentActive && !c.taken;
        c.taken = true;
        return;
      }
      case "endif":
        if (!conds.pop()) fail(nameTok.loc, "#endif without matching #if");
        return;
    }
    if (!active) return;
    switch (name) {
      case "include":
        this.include(nameTok, rest, file, depth);
        return;
      case "define":
        this.define(nameTok, rest);
        return;
      case "undef": {
        const id = rest[0];
        if (id?.kind !== "id") fail(nameTok.loc, "#undef expects a macro name");
        this.macros.delete(id.text);
        return;
      }
      case "error":
        fail(nameTok.loc, `#error ${rest.map((t) => t.text).join(" ")}`);
        break;
      case "warning":
      case "line":
        return;
      case "pragma":
        if (rest[0]?.text === "once") this.once.add(file);
        return;
      default:
        fail(nameTok.loc, `unknown preprocessor directive '#${name}'`);
    }
  }

  private include(nameTok: Token, rest: Token[], file: string, depth: number): void {
    let target: string;
    let angled: boolean;
    const first = rest[0];
    if (first?.kind === "string") {
      target = first.text;
      angled = false;
    } else if (first?.text === "<") {
      const close = rest.findIndex((t) => t.text === ">");
      if (close < 0) fail(nameTok.loc, "#include <...> is missing '>'");
      // Rebuild the path from the raw tokens: adjacent tokens have no space between them.
      target = rest
        .slice(1, close)
        .map((t) => (t.adjacent ? "" : " ") + t.text)
        .join("")
        .trim();
      angled = true;
    } else fail(nameTok.loc, '#include expects "FILE" or <FILE>');
    if (depth >= MAX_INCLUDE_DEPTH) fail(nameTok.loc, "#include nested too deeply (recursive include?)");
    const candidates: string[] = [];
    if (angled && BUILTIN_HEADERS.has(target)) candidates.push(path.join(this.opts.builtinDir, target));
    // path.join keeps relative paths relative, so locations in the output do not depend on
    // where the tree is checked out
    if (!angled) candidates.push(path.join(path.dirname(file), target));
    for (const d of this.opts.includeDirs) candidates.push(path.join(d, target));
    if (angled) candidates.push(path.join(this.opts.builtinDir, target));
    for (const c of candidates) {
      const text = this.opts.readFile(c);
      if (text !== undefined) {
        this.runFile(c, text, depth + 1);
        return;
      }
    }
    fail(first!.loc, `cannot find include file '${target}'`);
  }

  private define(nameTok: Token, rest: Token[]): void {
    const id = rest[0];
    if (id?.kind !== "id") fail(nameTok.loc, "#define expects a macro name");
    const second = rest[1];
    if (second?.text === "(" && second.adjacent) {
      const params: string[] = [];
      let k = 2;
      while (k < rest.length && rest[k]!.text !== ")") {
        const p = rest[k]!;
        if (p.kind !== "id") fail(p.loc, "macro parameter must be an identifier");
        params.push(p.text);
        k++;
        if (rest[k]?.text === ",") k++;
      }
      if (rest[k]?.text !== ")") fail(id.loc, `missing ')' in parameter list of macro '${id.text}'`);
      this.macros.set(id.text, { name: id.text, params, body: rest.slice(k + 1) });
    } else {
      this.macros.set(id.text, { name: id.text, body: rest.slice(1) });
    }
  }

  /** Macro-expands a run of tokens, rescanning the result; a hideset stops self-recursion. */
  expand(input: Token[]): Token[] {
    const result: Token[] = [];
    const queue = [...input];
    queue.reverse(); // pop from the end = next token
    while (queue.length > 0) {
      const t = queue.pop()!;
      const m = t.kind === "id" ? this.macros.get(t.text) : undefined;
      if (!m || t.hideset?.has(t.text)) {
        result.push(t);
        continue;
      }
      if (++this.expansions > MAX_EXPANSIONS) fail(t.loc, "macro expansion limit exceeded");
      const hide = new Set(t.hideset ?? []);
      hide.add(m.name);
      let body: Token[];
      if (m.params) {
        const next = queue[queue.length - 1];
        if (next?.text !== "(") {
          result.push(t); // a function-like macro name without '(' is left alone
          continue;
        }
        queue.pop();
        const args: Token[][] = [[]];
        let depth = 0;
        for (;;) {
          const a = queue.pop();
          if (!a) fail(t.loc, `unterminated call of macro '${m.name}'`);
          if (a.text === "(" && a.kind === "punct") depth++;
          if (a.text === ")" && a.kind === "punct") {
            if (depth === 0) break;
            depth--;
          }
          if (a.text === "," && a.kind === "punct" && depth === 0) args.push([]);
          else args[args.length - 1]!.push(a);
        }
        if (m.params.length === 0 && args.length === 1 && args[0]!.length === 0) args.pop();
        if (args.length !== m.params.length)
          fail(t.loc, `macro '${m.name}' expects ${m.params.length} argument(s), got ${args.length}`);
        body = [];
        for (const b of m.body) {
          const pi = b.kind === "id" ? m.params.indexOf(b.text) : -1;
          if (pi >= 0) body.push(...args[pi]!.map((a) => ({ ...a, loc: t.loc })));
          else body.push(b);
        }
      } else body = m.body;
      const produced = body.map((b, k) => ({
        ...b,
        loc: t.loc,
        bol: false,
        adjacent: k === 0 ? t.adjacent : b.adjacent,
        hideset: new Set([...(b.hideset ?? []), ...hide]),
      }));
      for (let k = produced.length - 1; k >= 0; k--) queue.push(produced[k]!);
    }
    return result;
  }

  private evalCondition(toks: Token[], loc: Loc): bigint {
    // `defined X` / `defined(X)` are resolved before macro expansion.
    const pre: Token[] = [];
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.kind === "id" && t.text === "defined") {
        let id = toks[k + 1];
        let skip = 1;
        if (id?.text === "(") {
          id = toks[k + 2];
          if (toks[k + 3]?.text !== ")") fail(t.loc, "malformed defined(...)");
          skip = 3;
        }
        if (id?.kind !== "id") fail(t.loc, "defined expects a macro name");
        pre.push({ ...t, kind: "int", text: "", value: this.macros.has(id.text) ? 1n : 0n });
        k += skip;
      } else pre.push(t);
    }
    const expanded = this.expand(pre);
    return new CondEval(expanded, loc).parse();
  }
}

/** Integer expression evaluator for #if, with C precedence; unknown identifiers are 0. */
class CondEval {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly loc: Loc,
  ) {}

  parse(): bigint {
    if (this.toks.length === 0) fail(this.loc, "#if with no expression");
    const v = this.ternary();
    if (this.i < this.toks.length)
      fail(this.toks[this.i]!.loc, `unexpected '${this.toks[this.i]!.text}' in #if`);
    return v;
  }
  private peek(): string | undefined {
    const t = this.toks[this.i];
    return t && t.kind === "punct" ? t.text : undefined;
  }
  private ternary(): bigint {
    const c = this.binary(0);
    if (this.peek() === "?") {
      this.i++;
      const a = this.ternary();
      if (this.peek() !== ":") fail(this.loc, "expected ':' in #if expression");
      this.i++;
      const b = this.ternary();
      return c !== 0n ? a : b;
    }
    return c;
  }
  private static readonly LEVELS: string[][] = [
    ["||"],
    ["&&"],
    ["|"],
    ["^"],
    ["&"],
    ["==", "!="],
    ["<", "<=", ">", ">="],
    ["<<", ">>"],
    ["+", "-"],
    ["*", "/", "%"],
  ];
  private binary(level: number): bigint {
    if (level >= CondEval.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      let op = this.peek();
      // `>>` is lexed as two adjacent `>`
      if (op === ">" && this.toks[this.i + 1]?.text === ">" && this.toks[this.i + 1]!.adjacent) op = ">>";
      if (!op || !CondEval.LEVELS[level]!.includes(op)) return left;
      this.i += op === ">>" ? 2 : 1;
      const right = this.binary(level + 1);
      left = this.apply(op, left, right);
    }
  }
  private apply(op: string, a: bigint, b: bigint): bigint {
    const bool = (x: boolean) => (x ? 1n : 0n);
    switch (op) {
      case "||":
        return bool(a !== 0n || b !== 0n);
      case "&&":
        return bool(a !== 0n && b !== 0n);
      case "|":
        return a | b;
      case "^":
        return a ^ b;
      case "&":
        return a & b;
      case "==":
        return bool(a === b);
      case "!=":
        return bool(a !== b);
      case "<":
        return bool(a < b);
      case "<=":
        return bool(a <= b);
      case ">":
        return bool(a > b);
      case ">=":
        return bool(a >= b);
      case "<<":
        return a << b;
      case ">>":
        return a >> b;
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      default:
        if (b === 0n) fail(this.loc, "division by zero in #if");
        return op === "/" ? a / b : a % b;
    }
  }
  private unary(): bigint {
    const t = this.toks[this.i];
    if (!t) fail(this.loc, "unexpected end of #if expression");
    this.i++;
    if (t.kind === "int") return t.value!;
    if (t.kind === "id") {
      if (t.text === "true") return 1n;
      return 0n; // unknown identifiers evaluate to 0, as in C
    }
    switch (t.text) {
      case "!":
        return this.unary() === 0n ? 1n : 0n;
      case "~":
        return ~this.unary();
      case "-":
        return -this.unary();
      case "+":
        return this.unary();
      case "(": {
        const v = this.ternary();
        if (this.peek() !== ")") fail(t.loc, "expected ')' in #if expression");
        this.i++;
        return v;
      }
    }
    fail(t.loc, `unexpected '${t.text}' in #if expression`);
  }
}
