// Public entry point of the embedded P4_16 compiler: source → BMv2 JSON + P4Info.
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { lowerProgram } from "./backend.js";
import type { Bmv2Json } from "./bmv2-json.js";
import { CompileError, type Diagnostic, formatDiagnostic, P4Error, SourceStore } from "./diag.js";
import type { P4Info } from "./p4info.js";
import { buildP4Info } from "./p4info-build.js";
import { parseProgram } from "./parser.js";
import { preprocess } from "./preprocess.js";

export interface CompileOptions {
  /** Path of the main .p4 file (used in diagnostics and the JSON `program` field). */
  file: string;
  /** Source text; read from `file` when absent. */
  source?: string;
  includeDirs?: string[];
  defines?: Record<string, string>;
  /** Reads included files; defaults to the file system. Returns undefined if missing. */
  readFile?: (file: string) => string | undefined;
}

export interface CompileResult {
  json: Bmv2Json;
  p4info: P4Info;
}

/** Directory of the built-in core.p4 / v1model.p4 (next to this module, or in the source tree). */
export function builtinIncludeDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, "include"), path.resolve(here, "../../../src/p4c/include")];
  for (const c of candidates) {
    try {
      if (statSync(path.join(c, "core.p4")).isFile()) return c;
    } catch {
      // try the next location
    }
  }
  return candidates[0]!;
}

function defaultRead(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Compiles a v1model P4_16 program. Throws CompileError with rendered diagnostics on failure. */
export function compileP4(opts: CompileOptions): CompileResult {
  const sources = new SourceStore();
  const readFile = opts.readFile ?? defaultRead;
  const builtinDir = builtinIncludeDir();
  const builtinFiles = ["core.p4", "v1model.p4"].map((f) => path.join(builtinDir, f));
  try {
    const text = opts.source ?? readFile(opts.file);
    if (text === undefined)
      throw new P4Error({ file: opts.file, line: 0, col: 0 }, `cannot read '${opts.file}'`);
    const tokens = preprocess(
      opts.file,
      text,
      {
        includeDirs: opts.includeDirs ?? [],
        defines: opts.defines ?? {},
        builtinDir,
        readFile: (f) => (builtinFiles.includes(f) ? defaultRead(f) : readFile(f)),
      },
      sources,
    );
    const ast = parseProgram(tokens);
    const { json, prog } = lowerProgram(ast, builtinFiles, opts.file);
    const p4info = buildP4Info(prog);
    return { json, p4info };
  } catch (e) {
    if (e instanceof P4Error) {
      const d: Diagnostic = { severity: "error", loc: e.loc, message: e.message };
      throw new CompileError([d], formatDiagnostic(d, sources));
    }
    throw e;
  }
}

/** Serializes BMv2 JSON deterministically (stable key order as built, 2-space indent). */
export function bmv2JsonText(json: Bmv2Json): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}
