// `paxosctl validate` checks a deployment file; `paxosctl plan` prints what each switch should hold.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  type ConfigError,
  formatConfigError,
  type LoadResult,
  loadDeployment,
  summarize,
} from "../config/index.js";
import type { Deployment } from "../config/types.js";
import { computeDesiredState, DesiredStateError, initialControllerState } from "../desired/compute.js";
import { formatSwitchDesired } from "../desired/format.js";
import type { ControllerState, GroupState } from "../desired/types.js";
import { type CliIO, type Command, ExitCode, UsageError } from "./command.js";

const VALIDATE_HELP = `Usage: paxosctl validate -c FILE [--json]

Check a deployment file (YAML or JSON; docs/deployment.md): keys and types, unknown keys,
unique names / addresses / ids, cabling symmetric and connected, roles (one switch coordinator
per group, acceptor majority), message paths, and what survives the loss of any one switch.
Every problem is reported with its key path and line:col.

Options:
  -c, --config FILE  the deployment file
  --json             machine-readable result: {"ok", "errors", "warnings", "summary"}
  -h, --help         this text

Exit codes: 0 valid (warnings allowed), 1 invalid or unreadable, 2 usage error.

Examples:
  paxosctl validate -c examples/classic.yaml
  paxosctl validate -c deploy.json --json | jq '.errors[].path'`;

const PLAN_HELP = `Usage: paxosctl plan -c FILE [--switch NAME] [--state FILE] [--json]

Print the table entries, multicast groups and default actions the controller would install on
each switch (docs/deployment.md, "Desired state"), in the order a reconciler compares them.
Without --state, every group is served by its coordinator switch in epoch 1 and no acceptor
is fenced.

Options:
  -c, --config FILE  the deployment file
  --switch NAME      only this switch
  --state FILE       controller state as JSON: {"groups": {"0": {"round", "switchRole",
                     "requestsTo": "switch"|"server"|"none", "serverCoordinator"?, "trim",
                     "acceptors": {"ID": {"floor", "join"}}}}, "down": [switch names]}
  --json             the desired state as JSON (friendly entries)
  -h, --help         this text

Exit codes: 0 ok, 1 invalid deployment or state, 2 usage error.

Examples:
  paxosctl plan -c examples/single.yaml
  paxosctl plan -c examples/classic.yaml --switch coord --json
  paxosctl plan -c examples/classic.yaml --state failover.json`;

function parse(args: string[], extra: Record<string, { type: "string" | "boolean" }>) {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { config: { type: "string", short: "c" }, json: { type: "boolean" }, ...extra },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (typeof values.config !== "string") throw new UsageError("missing -c FILE");
    return values as Record<string, string | boolean | undefined> & { config: string };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function printProblems(io: CliIO, file: string, list: ConfigError[]): void {
  for (const e of list) io.err(formatConfigError(e, file));
}

async function load(file: string, json: boolean, io: CliIO): Promise<LoadResult> {
  const result = await loadDeployment(file);
  if (!result.ok && !json) {
    printProblems(io, file, [...result.errors, ...result.warnings]);
    io.err(`paxosctl: ${file}: ${result.errors.length} error(s), ${result.warnings.length} warning(s)`);
  }
  return result;
}

export const validateCommand: Command = {
  name: "validate",
  summary: "check a deployment file and summarize it",
  help: VALIDATE_HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const opts = parse(args, {});
    const json = opts.json === true;
    const result = await load(opts.config, json, io);
    if (json) {
      io.out(
        JSON.stringify(
          result.ok
            ? {
                ok: true,
                file: opts.config,
                errors: [],
                warnings: result.warnings,
                summary: summarize(result.deployment),
              }
            : { ok: false, file: opts.config, errors: result.errors, warnings: result.warnings },
        ),
      );
      return result.ok ? ExitCode.OK : ExitCode.FAILURE;
    }
    if (!result.ok) return ExitCode.FAILURE;
    printProblems(io, opts.config, result.warnings);
    io.out(
      `OK ${opts.config}${result.warnings.length ? ` (${result.warnings.length} warning(s))` : ""}\n${summarize(result.deployment)}`,
    );
    return ExitCode.OK;
  },
};

class StateFileError extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a ControllerState; fields left out take the initial state's values. */
function stateFrom(d: Deployment, raw: unknown): ControllerState {
  const base = initialControllerState(d);
  if (!isObj(raw)) throw new StateFileError("state must be a JSON object");
  const down = raw.down ?? [];
  if (!Array.isArray(down) || !down.every((x) => typeof x === "string"))
    throw new StateFileError("'down' must be a list of switch names");
  const groups = raw.groups ?? {};
  if (!isObj(groups)) throw new StateFileError("'groups' must be an object keyed by group id");
  for (const [id, g] of Object.entries(groups)) {
    const cur = base.groups[Number(id)];
    if (!cur || !/^\d+$/.test(id)) throw new StateFileError(`group '${id}' is not in the deployment`);
    if (!isObj(g)) throw new StateFileError(`group ${id} must be an object`);
    const merged = { ...cur, ...g } as GroupState;
    if (
      typeof merged.round !== "number" ||
      typeof merged.switchRole !== "boolean" ||
      typeof merged.trim !== "number"
    )
      throw new StateFileError(`group ${id}: round and trim must be numbers, switchRole a boolean`);
    if (!["switch", "server", "none"].includes(merged.requestsTo))
      throw new StateFileError(`group ${id}: requestsTo must be "switch", "server" or "none"`);
    if (!isObj(merged.acceptors))
      throw new StateFileError(`group ${id}: acceptors must be an object keyed by acceptor id`);
    for (const [aid, f] of Object.entries(merged.acceptors)) {
      if (!isObj(f) || typeof f.floor !== "number" || typeof f.join !== "number")
        throw new StateFileError(`group ${id}, acceptor ${aid}: expected {"floor": N, "join": N}`);
    }
    base.groups[Number(id)] = merged;
  }
  return { groups: base.groups, down: down as string[] };
}

export const planCommand: Command = {
  name: "plan",
  summary: "print the entries the controller would install on each switch",
  help: PLAN_HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const opts = parse(args, { switch: { type: "string" }, state: { type: "string" } });
    const json = opts.json === true;
    const result = await load(opts.config, json, io);
    if (!result.ok) {
      if (json)
        io.out(
          JSON.stringify({ ok: false, file: opts.config, errors: result.errors, warnings: result.warnings }),
        );
      return ExitCode.FAILURE;
    }
    const d = result.deployment;
    const only = typeof opts.switch === "string" ? opts.switch : undefined;
    if (only !== undefined && !d.switches.some((s) => s.name === only))
      throw new UsageError(
        `no switch '${only}' in ${opts.config} (switches: ${d.switches.map((s) => s.name).join(", ")})`,
      );
    let state = initialControllerState(d);
    let desired: ReturnType<typeof computeDesiredState>;
    try {
      if (typeof opts.state === "string")
        state = stateFrom(d, JSON.parse(await readFile(opts.state, "utf8")));
      desired = computeDesiredState(d, state);
    } catch (error) {
      if (
        error instanceof StateFileError ||
        error instanceof DesiredStateError ||
        error instanceof SyntaxError ||
        (error as NodeJS.ErrnoException).code
      ) {
        io.err(`paxosctl plan: ${opts.state ?? "state"}: ${(error as Error).message}`);
        return ExitCode.FAILURE;
      }
      throw error;
    }
    const switches = desired.switches.filter((s) => only === undefined || s.switch === only);
    if (json) {
      io.out(JSON.stringify({ ok: true, deployment: d.name, state, switches }, null, 2));
    } else {
      io.out(switches.map(formatSwitchDesired).join("\n\n"));
      if (only !== undefined && switches.length === 0) io.out(`switch ${only} is down: nothing to install`);
    }
    return ExitCode.OK;
  },
};
