// Removes fields our descriptors do not know from a protobuf text document, so
// that P4Info written by a newer p4c (with fields added to P4Runtime after
// ours) still loads. Only the document's structure is tokenised here; values
// are left to the real parser. Extension and Any expansions ("[name]") are kept.
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { TextFormatError } from "./text-error.js";

interface Token {
  kind: "name" | "string" | "punct";
  text: string;
  start: number;
  end: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      const start = i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === "\n") throw new TextFormatError(`unterminated string at offset ${start}`);
        i += src[i] === "\\" ? 2 : 1;
      }
      if (i >= src.length) throw new TextFormatError(`unterminated string at offset ${start}`);
      i++;
      out.push({ kind: "string", text: src.slice(start, i), start, end: i });
    } else if ("{}<>:,;[]".includes(c)) {
      out.push({ kind: "punct", text: c, start: i, end: i + 1 });
      i++;
    } else if (/[\w.+/-]/.test(c)) {
      const start = i;
      while (i < src.length && /[\w.+/-]/.test(src[i]!)) i++;
      out.push({ kind: "name", text: src.slice(start, i), start, end: i });
    } else {
      throw new TextFormatError(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
    }
  }
  return out;
}

/** What a nested block holds: a message, a map entry (key + value of the map's type) or unknown. */
type Scope = { kind: "message"; desc: DescMessage } | { kind: "entry"; field: DescField } | { kind: "skip" };

class Pruner {
  private pos = 0;
  readonly removed: Array<{ path: string; start: number; end: number }> = [];

  constructor(private readonly toks: Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }

  private take(): Token {
    const t = this.toks[this.pos++];
    if (!t) throw new TextFormatError("unexpected end of input");
    return t;
  }

  /** Fields until `close` (or the end of input at top level). */
  block(scope: Scope, close: string | undefined, path: string): void {
    for (;;) {
      const t = this.peek();
      if (t === undefined) {
        if (close !== undefined) throw new TextFormatError(`missing "${close}"`);
        return;
      }
      if (t.kind === "punct" && t.text === close) {
        this.pos++;
        return;
      }
      this.field(scope, path);
    }
  }

  private lookup(scope: Scope, name: string): Scope | "scalar" | undefined {
    if (name.startsWith("[")) return { kind: "skip" };
    if (scope.kind === "skip") return { kind: "skip" };
    if (scope.kind === "entry") {
      const f = scope.field;
      if (name === "key") return "scalar";
      if (name !== "value" || f.fieldKind !== "map") return undefined;
      return f.mapKind === "message" ? { kind: "message", desc: f.message } : "scalar";
    }
    const f = scope.desc.fields.find((x) => x.name === name || (x.message && x.message.name === name));
    if (!f) return undefined;
    if (f.fieldKind === "map") return { kind: "entry", field: f };
    if (f.fieldKind === "message") return { kind: "message", desc: f.message };
    if (f.fieldKind === "list" && f.listKind === "message") return { kind: "message", desc: f.message };
    return "scalar";
  }

  private field(scope: Scope, path: string): void {
    let nameTok = this.take();
    if (nameTok.kind === "punct" && nameTok.text === "[") {
      // "[ext.name]" or "[type.url/pkg.Msg]": an extension or expanded Any.
      const inner = this.take();
      const close = this.take();
      if (inner.kind !== "name" || close.text !== "]") throw new TextFormatError("bad [name] field");
      nameTok = { kind: "name", text: `[${inner.text}]`, start: nameTok.start, end: close.end };
    }
    if (nameTok.kind !== "name") throw new TextFormatError(`expected a field name, got ${nameTok.text}`);
    const found = this.lookup(scope, nameTok.text);
    const sub: Scope = found === undefined || found === "scalar" ? { kind: "skip" } : found;
    const fieldPath = path ? `${path}.${nameTok.text}` : nameTok.text;
    if (this.peek()?.text === ":") this.pos++;
    this.value(sub, fieldPath);
    let end = this.toks[this.pos - 1]!.end;
    const sep = this.peek();
    if (sep?.kind === "punct" && (sep.text === "," || sep.text === ";")) {
      this.pos++;
      end = sep.end;
    }
    if (found === undefined) this.removed.push({ path: fieldPath, start: nameTok.start, end });
  }

  private value(scope: Scope, path: string): void {
    const t = this.take();
    if (t.kind === "punct" && (t.text === "{" || t.text === "<")) {
      this.block(scope, t.text === "{" ? "}" : ">", path);
    } else if (t.kind === "punct" && t.text === "[") {
      if (this.peek()?.text === "]") {
        this.pos++;
        return;
      }
      for (;;) {
        this.value(scope, path);
        const sep = this.take();
        if (sep.text === "]") return;
        if (sep.text !== ",") throw new TextFormatError(`expected "," or "]" in list ${path}`);
      }
    } else if (t.kind === "string") {
      while (this.peek()?.kind === "string") this.pos++;
    } else if (t.kind === "name") {
      // A scalar (number, enum name, bool, inf, ...).
    } else {
      throw new TextFormatError(`unexpected "${t.text}" in ${path}`);
    }
  }
}

/**
 * Drops the fields `schema` does not define (at any depth) from a text
 * document. Returns the cleaned text and the dotted paths of what was dropped.
 */
export function pruneUnknownFields(schema: DescMessage, text: string): { text: string; removed: string[] } {
  const p = new Pruner(tokenize(text));
  p.block({ kind: "message", desc: schema }, undefined, "");
  if (p.removed.length === 0) return { text, removed: [] };
  let out = "";
  let at = 0;
  for (const r of p.removed) {
    out += text.slice(at, r.start);
    at = r.end;
  }
  out += text.slice(at);
  return { text: out, removed: p.removed.map((r) => r.path) };
}
