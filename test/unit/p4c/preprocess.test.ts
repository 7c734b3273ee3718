import { describe, expect, it } from "vitest";
import { type P4Error, SourceStore } from "../../../src/p4c/diag.js";
import { preprocess } from "../../../src/p4c/preprocess.js";

function pp(
  text: string,
  files: Record<string, string> = {},
  defines: Record<string, string> = {},
  includeDirs: string[] = [],
) {
  const toks = preprocess(
    "main.p4",
    text,
    { includeDirs, defines, builtinDir: "/builtin", readFile: (f) => files[f] },
    new SourceStore(),
  );
  return toks;
}
const texts = (
  text: string,
  files?: Record<string, string>,
  defines?: Record<string, string>,
  dirs?: string[],
) =>
  pp(text, files, defines, dirs)
    .filter((t) => t.kind !== "eof")
    .map((t) => t.text)
    .join(" ");

describe("preprocessor", () => {
  it("expands object-like macros and keeps the use site's location", () => {
    const toks = pp("#define N 42\nconst bit<8> x = N;");
    const n = toks.find((t) => t.text === "42")!;
    expect(n.loc).toEqual({ file: "main.p4", line: 2, col: 18 });
  });
  it("expands function-like macros with arguments", () => {
    expect(texts("#define ADD(a, b) (a + b)\nx = ADD(1, y * 2);")).toBe("x = ( 1 + y * 2 ) ;");
  });
  it("leaves a function-like macro name without '(' alone", () => {
    expect(texts("#define F(a) a\nF;")).toBe("F ;");
  });
  it("stops self-referencing macros", () => {
    expect(texts("#define X X + 1\nX")).toBe("X + 1");
  });
  it("handles #if/#elif/#else with defined() and arithmetic", () => {
    const src = "#define A 3\n#if defined(B)\nb\n#elif A * 2 == 6 && !defined B\nyes\n#else\nno\n#endif";
    expect(texts(src)).toBe("yes");
  });
  it("handles #ifdef/#ifndef and #undef", () => {
    expect(texts("#define A\n#undef A\n#ifdef A\nx\n#endif\n#ifndef A\ny\n#endif")).toBe("y");
  });
  it("skips directives inside false branches, including #error", () => {
    expect(texts('#if 0\n#error nope\n#include "missing.p4"\n#endif\nok')).toBe("ok");
  });
  it("takes -D definitions", () => {
    expect(texts("#if SLOTS > 100\nbig\n#endif\nSLOTS", {}, { SLOTS: "1024" })).toBe("big 1024");
  });
  it("includes quoted files relative to the includer, then -I dirs", () => {
    const files = { "lib/a.p4": '#include "b.p4"\na', "lib/b.p4": "b", "inc/c.p4": "c" };
    const toks = pp('#include "lib/a.p4"\n#include <c.p4>\nm', files, {}, ["inc"]);
    expect(toks.filter((t) => t.kind !== "eof").map((t) => `${t.text}@${t.loc.file}:${t.loc.line}`)).toEqual([
      "b@lib/b.p4:1",
      "a@lib/a.p4:2",
      "c@inc/c.p4:1",
      "m@main.p4:3",
    ]);
  });
  it("resolves <core.p4> and <v1model.p4> to the built-in directory", () => {
    const toks = pp("#include <core.p4>\nx", { "/builtin/core.p4": "core_decl" });
    expect(toks[0]!.text).toBe("core_decl");
    expect(toks[0]!.loc.file).toBe("/builtin/core.p4");
  });
  it("honours #pragma once and include guards", () => {
    const files = { "g.p4": "#pragma once\ng" };
    expect(texts('#include "g.p4"\n#include "g.p4"', files)).toBe("g");
  });
  it("joins backslash-continued directive lines", () => {
    expect(texts("#define LONG 1 + \\\n 2\nLONG")).toBe("1 + 2");
  });
  it("reports a missing include at the file name", () => {
    expect(() => pp('#include "nope.p4"')).toThrowError(/cannot find include file 'nope.p4'/);
    try {
      pp('\n  #include "nope.p4"');
    } catch (e) {
      expect((e as P4Error).loc).toEqual({ file: "main.p4", line: 2, col: 12 });
    }
  });
  it("reports #else without #if, unterminated #if and #error", () => {
    expect(() => pp("#else")).toThrowError(/#else without matching #if/);
    expect(() => pp("#if 1\nx")).toThrowError(/unterminated #if/);
    expect(() => pp("#error custom message")).toThrowError(/#error custom message/);
  });
  it("reports wrong macro argument counts", () => {
    expect(() => pp("#define F(a, b) a\nF(1)")).toThrowError(/expects 2 argument\(s\), got 1/);
  });
  it("refuses recursive includes", () => {
    expect(() => pp('#include "self.p4"', { "self.p4": '#include "self.p4"' })).toThrowError(
      /nested too deeply/,
    );
  });
});
