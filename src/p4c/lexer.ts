// Lexer: P4_16 source text → tokens with exact positions. Preprocessor directives are lexed as
// ordinary tokens; `bol` marks the first token of a (non-continued) line so they can be found.
import { fail, type Loc } from "./diag.js";

export type TokKind = "id" | "int" | "string" | "punct" | "eof";

export interface Token {
  kind: TokKind;
  text: string;
  loc: Loc;
  /** First token on its source line (ignoring backslash-continued lines). */
  bol: boolean;
  /** No whitespace between this token and the previous one (used to rebuild `>>`). */
  adjacent: boolean;
  /** For int tokens: value, and the width/signedness of a `8w`/`8s` prefix. */
  value?: bigint;
  width?: number;
  signed?: boolean;
  /** Set when this token came out of a macro expansion (for loops guards). */
  hideset?: ReadonlySet<string>;
}

const PUNCT = [
  "&&&",
  "|+|",
  "|-|",
  "...",
  "..",
  "&&",
  "||",
  "==",
  "!=",
  "<=",
  ">=",
  "<<",
  "++",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  "<",
  ">",
  ";",
  ":",
  ",",
  ".",
  "=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "!",
  "~",
  "?",
  "@",
  "#",
];

const isIdStart = (c: string) => /[A-Za-z_$]/.test(c);
const isIdPart = (c: string) => /[A-Za-z0-9_$]/.test(c);

export function lex(text: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  let bol = true;
  let adjacent = false;
  const n = text.length;
  const advance = (k: number) => {
    for (let j = 0; j < k; j++) {
      if (text[i] === "\n") {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      advance(1);
      bol = true;
      adjacent = false;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      advance(1);
      adjacent = false;
      continue;
    }
    if (c === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      advance(text[i + 1] === "\r" ? 3 : 2); // line continuation: the directive goes on
      adjacent = false;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") advance(1);
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const start: Loc = { file, line, col };
      advance(2);
      while (i < n && !(text[i] === "*" && text[i + 1] === "/")) advance(1);
      if (i >= n) fail(start, "unterminated comment");
      advance(2);
      adjacent = false;
      continue;
    }
    const loc: Loc = { file, line, col };
    const push = (t: Omit<Token, "loc" | "bol" | "adjacent">) => {
      out.push({ ...t, loc, bol, adjacent });
      bol = false;
      adjacent = true;
    };
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdPart(text[j]!)) j++;
      const word = text.slice(i, j);
      advance(j - i);
      push({ kind: "id", text: word });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const lit = lexNumber(text, i, loc);
      advance(lit.length);
      push({
        kind: "int",
        text: text.slice(i - lit.length, i),
        value: lit.value,
        width: lit.width,
        signed: lit.signed,
      });
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < n && text[j] !== '"') {
        if (text[j] === "\n") fail(loc, "unterminated string literal");
        if (text[j] === "\\" && j + 1 < n) {
          const e = text[j + 1]!;
          s += e === "n" ? "\n" : e === "t" ? "\t" : e;
          j += 2;
        } else s += text[j++];
      }
      if (j >= n) fail(loc, "unterminated string literal");
      advance(j + 1 - i);
      push({ kind: "string", text: s });
      continue;
    }
    const p = PUNCT.find((q) => text.startsWith(q, i));
    if (!p) fail(loc, `unexpected character '${c}'`);
    advance(p.length);
    push({ kind: "punct", text: p });
  }
  out.push({ kind: "eof", text: "<end of file>", loc: { file, line, col }, bol: true, adjacent: false });
  return out;
}

interface NumLit {
  length: number;
  value: bigint;
  width?: number;
  signed?: boolean;
}

function lexNumber(text: string, start: number, loc: Loc): NumLit {
  let i = start;
  const digitsRun = (re: RegExp) => {
    const s = i;
    while (i < text.length && (re.test(text[i]!) || text[i] === "_")) i++;
    return text.slice(s, i).replace(/_/g, "");
  };
  const parseBody = (): bigint => {
    if (text[i] === "0" && /[xXbBoOdD]/.test(text[i + 1] ?? "")) {
      const base = text[i + 1]!.toLowerCase();
      i += 2;
      const re = base === "x" ? /[0-9a-fA-F]/ : base === "b" ? /[01]/ : base === "o" ? /[0-7]/ : /[0-9]/;
      const ds = digitsRun(re);
      if (ds === "") fail(loc, "malformed integer literal");
      const prefix = base === "d" ? "" : `0${base}`;
      return BigInt(prefix + ds);
    }
    return BigInt(digitsRun(/[0-9]/));
  };
  const first = parseBody();
  // `8w255` / `8s-1`: a width prefix; a `-` is not part of the literal (it is a unary minus)
  if ((text[i] === "w" || text[i] === "s") && /[0-9]/.test(text[i + 1] ?? "")) {
    const signed = text[i] === "s";
    i++;
    const width = Number(first);
    if (width <= 0 || width > 2048) fail(loc, `invalid width ${width} in integer literal`);
    const value = parseBody();
    if (i < text.length && isIdPart(text[i]!)) fail(loc, "malformed integer literal");
    return { length: i - start, value, width, signed };
  }
  if (i < text.length && isIdPart(text[i]!)) fail(loc, "malformed integer literal");
  return { length: i - start, value: first };
}
