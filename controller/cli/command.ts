// The shape every `paxosctl` subcommand has, and the exit codes they share.
import { type ParseArgsConfig, parseArgs } from "node:util";

/** Exit codes: scripts can tell a usage mistake from an unreachable switch from a failure. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  UNREACHABLE: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text, with examples. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Thrown by a command for a bad invocation; main prints it with the command's usage hint. */
export class UsageError extends Error {}

/** `node:util` parseArgs with its errors (unknown option, missing value…) reported as usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
