// Problems found in a deployment file: where (key path and line:col), what was expected, what was found.

export type Severity = "error" | "warning";

export interface ConfigError {
  severity: Severity;
  /** Key path of the offending value, e.g. `switches[2].ports[0].port`; "" for the whole file. */
  path: string;
  message: string;
  expected?: string;
  found?: string;
  /** 1-based position in the file, when known. */
  line?: number;
  col?: number;
}

export type PathPart = string | number;

/** `["switches", 2, "ports", 0, "port"]` → `switches[2].ports[0].port`. */
export function formatPath(path: readonly PathPart[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** Short rendering of a found value for messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** One line per problem: `file:line:col: severity: path: message (expected X, found Y)`. */
export function formatConfigError(e: ConfigError, filename?: string): string {
  const where = [filename, e.line, e.col].filter((x) => x !== undefined && x !== "").join(":");
  const detail =
    e.expected !== undefined || e.found !== undefined
      ? ` (expected ${e.expected ?? "?"}, found ${e.found ?? "?"})`
      : "";
  return `${where ? `${where}: ` : ""}${e.severity}: ${e.path || "(file)"}: ${e.message}${detail}`;
}

/** Collects problems; every check reports here instead of throwing. */
export class Problems {
  readonly list: ConfigError[] = [];

  constructor(
    private readonly locate: (
      path: readonly PathPart[],
      key: boolean,
    ) => { line: number; col: number } | undefined = () => undefined,
  ) {}

  add(
    severity: Severity,
    path: readonly PathPart[],
    message: string,
    extra: { expected?: string; found?: string; atKey?: boolean } = {},
  ): void {
    const pos = this.locate(path, extra.atKey === true);
    const e: ConfigError = { severity, path: formatPath(path), message };
    if (extra.expected !== undefined) e.expected = extra.expected;
    if (extra.found !== undefined) e.found = extra.found;
    if (pos) {
      e.line = pos.line;
      e.col = pos.col;
    }
    this.list.push(e);
  }

  error(
    path: readonly PathPart[],
    message: string,
    extra?: { expected?: string; found?: string; atKey?: boolean },
  ): void {
    this.add("error", path, message, extra);
  }

  warn(
    path: readonly PathPart[],
    message: string,
    extra?: { expected?: string; found?: string; atKey?: boolean },
  ): void {
    this.add("warning", path, message, extra);
  }

  get errors(): ConfigError[] {
    return this.list.filter((e) => e.severity === "error");
  }

  get warnings(): ConfigError[] {
    return this.list.filter((e) => e.severity === "warning");
  }
}
