// Compiler diagnostics: every error carries file:line:col, the quoted source line and a caret.

export interface Loc {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export const NO_LOC: Loc = { file: "<builtin>", line: 0, col: 0 };

/** Source text of every file read, so diagnostics can quote the offending line. */
export class SourceStore {
  private readonly files = new Map<string, string[]>();
  add(file: string, text: string): void {
    this.files.set(file, text.split(/\r?\n/));
  }
  line(file: string, line: number): string | undefined {
    return this.files.get(file)?.[line - 1];
  }
}

export interface Diagnostic {
  severity: "error" | "warning";
  loc: Loc;
  message: string;
}

/** Thrown for the first error that stops compilation; carries every diagnostic found so far. */
export class CompileError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    rendered: string,
  ) {
    super(rendered);
    this.name = "CompileError";
  }
}

/** Internal: aborts the current phase with one located error. */
export class P4Error extends Error {
  constructor(
    readonly loc: Loc,
    message: string,
  ) {
    super(message);
    this.name = "P4Error";
  }
}

export function fail(loc: Loc, message: string): never {
  throw new P4Error(loc, message);
}

export function formatDiagnostic(d: Diagnostic, sources: SourceStore): string {
  const where = d.loc.line > 0 ? `${d.loc.file}:${d.loc.line}:${d.loc.col}` : d.loc.file;
  const head = `${where}: ${d.severity}: ${d.message}`;
  const text = d.loc.line > 0 ? sources.line(d.loc.file, d.loc.line) : undefined;
  if (text === undefined) return head;
  // Tabs are kept so the caret lines up under the same column in a terminal.
  const pad = text.slice(0, Math.max(0, d.loc.col - 1)).replace(/[^\t]/g, " ");
  return `${head}\n${text}\n${pad}^`;
}
