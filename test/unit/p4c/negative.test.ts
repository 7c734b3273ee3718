// Every program under test/p4/negative must fail with the message and line:col its first
// line announces (`// expect: L:C: fragment`), rendered with the source line and a caret.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileP4 } from "../../../src/p4c/compile.js";
import { CompileError } from "../../../src/p4c/diag.js";

const DIR = "test/p4/negative";
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".p4"))
  .sort();

describe("negative P4 programs", () => {
  it("has at least 20 cases", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });
  for (const f of files) {
    it(f, () => {
      const file = path.join(DIR, f);
      const text = readFileSync(file, "utf8");
      const m = /^\/\/ expect: (\d+):(\d+): (.+)$/.exec(text.split("\n")[0]!);
      expect(m, "first line must be '// expect: L:C: message'").not.toBeNull();
      const [, line, col, fragment] = m!;
      let err: unknown;
      try {
        compileP4({ file });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CompileError);
      const ce = err as CompileError;
      const d = ce.diagnostics[0]!;
      expect(`${d.loc.line}:${d.loc.col}`).toBe(`${line}:${col}`);
      expect(d.message).toContain(fragment);
      const rendered = ce.message.split("\n");
      expect(rendered[0]).toBe(`${d.loc.file}:${line}:${col}: error: ${d.message}`);
      // the offending source line, then a caret under the column
      expect(rendered[2]!.indexOf("^")).toBe(Number(col) - 1);
    });
  }
});
