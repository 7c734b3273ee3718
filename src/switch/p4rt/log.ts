// A minimal leveled logger: one line per event, ISO timestamp, level and component.
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** True if `level` messages are written (to skip building expensive debug lines). */
  enabled(level: LogLevel): boolean;
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export function createLogger(
  level: LogLevel = "info",
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  component = "switch",
): Logger {
  const rank = (l: LogLevel) => LOG_LEVELS.indexOf(l);
  const enabled = (l: LogLevel) => level !== "silent" && rank(l) >= rank(level);
  const emit = (l: LogLevel, msg: string) => {
    if (enabled(l)) write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${component}: ${msg}`);
  };
  return {
    level,
    enabled,
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
  };
}

/** A logger that writes nothing (library default). */
export const silentLogger: Logger = createLogger("silent");
