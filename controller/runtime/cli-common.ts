// What the controller's paxosctl commands share: flag parsing with -c/--json, loading the
// deployment (exit 1 with every problem listed), finding a switch by name, and the read-only
// session a read command opens (Read and GetForwardingPipelineConfig need no arbitration, so
// they never disturb a running controller).
import { resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { GetForwardingPipelineConfigRequest_ResponseType } from "../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { P4InfoIndex } from "../../src/p4runtime/p4info-index.js";
import { type CliIO, ExitCode, parseCommandArgs, UsageError } from "../cli/command.js";
import { formatConfigError, loadDeployment } from "../config/index.js";
import type { Deployment, SwitchConfig } from "../config/types.js";
import type { Controller } from "./controller.js";
import { SwitchLink } from "./switch-link.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseFlags(
  args: string[],
  options: Options,
  positionals: { min: number; max: number; names: string },
) {
  const { values, positionals: pos } = parseCommandArgs({
    args,
    options: { config: { type: "string", short: "c" }, json: { type: "boolean" }, ...options } as Options,
    allowPositionals: true,
    strict: true,
  });
  if (typeof values.config !== "string") throw new UsageError("missing -c FILE");
  if (pos.length < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (pos.length > positionals.max) throw new UsageError(`unexpected argument '${pos[positionals.max]}'`);
  return {
    values: values as Record<string, string | boolean | string[] | undefined> & { config: string },
    positionals: pos,
  };
}

/** A non-negative integer flag, or a UsageError naming it. */
export function intFlag(v: unknown, name: string, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !/^\d+$/.test(v) || Number(v) < min)
    throw new UsageError(`--${name} needs an integer ≥ ${min}, got '${String(v)}'`);
  return Number(v);
}

export class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Opens the controller's sessions for a command that writes (failover, trim): returns the
 * switches that did not answer; refuses (exit 1) where another controller is primary.
 */
export async function connectAsPrimary(ctl: Controller): Promise<string[]> {
  const unreachable = await ctl.connect();
  const notPrimary = [...ctl.links.values()].filter((l) => l.connected && !l.primary).map((l) => l.name);
  if (notPrimary.length > 0)
    throw new ExitError(
      ExitCode.FAILURE,
      `not primary on ${notPrimary.join(", ")}: another controller holds them`,
    );
  return unreachable;
}

export async function loadConfig(file: string, io: CliIO): Promise<Deployment> {
  const r = await loadDeployment(file);
  if (!r.ok) {
    for (const e of r.errors) io.err(formatConfigError(e, file));
    throw new ExitError(ExitCode.FAILURE, `${file} is not a valid deployment (paxosctl validate -c ${file})`);
  }
  return r.deployment;
}

/** The state file path: relative paths are relative to the working directory, like p4.program. */
export const stateFilePath = (d: Deployment): string => resolve(d.paxos.stateFile);

export function switchNamed(d: Deployment, name: string): SwitchConfig {
  const s = d.switches.find((x) => x.name === name);
  if (!s) throw new UsageError(`no switch '${name}' (switches: ${d.switches.map((x) => x.name).join(", ")})`);
  return s;
}

export interface ReadSession {
  link: SwitchLink;
  /** From the switch's own P4Info; null when it runs no pipeline. */
  idx: P4InfoIndex | null;
  cookie: bigint | null;
}

/** Opens a read-only session (no stream); ExitError UNREACHABLE if the switch does not answer. */
export async function readSession(
  s: SwitchConfig,
  timeoutMs = 3000,
  electionId?: number,
): Promise<ReadSession> {
  const link = new SwitchLink(s, { reconnect: false, rpcTimeoutMs: timeoutMs, electionId });
  try {
    const cfg = await link.client.getPipeline(
      GetForwardingPipelineConfigRequest_ResponseType.P4INFO_AND_COOKIE,
    );
    const idx = cfg.p4info ? new P4InfoIndex(cfg.p4info) : null;
    link.idx = idx;
    return { link, idx, cookie: cfg.cookie?.cookie ?? 0n };
  } catch (e) {
    const code = (e as { code?: number }).code;
    if (code === 9 /* FAILED_PRECONDITION: no pipeline */) return { link, idx: null, cookie: null };
    link.close();
    throw new ExitError(
      ExitCode.UNREACHABLE,
      `${s.name}: unreachable at ${s.address} (${(e as Error).message})`,
    );
  }
}

/** Runs a command body, turning ExitError into its exit code and message. */
export async function runCommand(io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof ExitError) {
      io.err(e.message);
      return e.code;
    }
    throw e;
  }
}
