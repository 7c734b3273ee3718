// `paxosctl agent`: runs a host's daemons (server acceptor, server coordinator with its control
// channel, learner, KV replica) until SIGINT/SIGTERM, from a deployment file or a plan file.
import { readFile } from "node:fs/promises";
import { type AgentPlan, type RunningAgent, startAgent } from "../../hosts/agent.js";
import { type Address, parseBindAddress } from "../../hosts/net/address.js";
import { parsePlan } from "../../hosts/plan-file.js";
import { formatConfigError, loadDeployment } from "../config/index.js";
import { agentPlan } from "./agent-plan.js";
import { type CliIO, type Command, ExitCode, parseCommandArgs, UsageError } from "./command.js";

const HELP = `Usage: paxosctl agent (-c FILE --host NAME | --plan FILE) [options]

Run the daemons of one host until interrupted (docs/hosts.md): a server acceptor, a server
coordinator (with its HTTP control channel on localhost), or a learner (with the KV store and
its HTTP API when the host has 'kv: true'). Peers come from the deployment file, or from an
explicit plan file (JSON; needed for runs on 127.0.0.1, which deployments reject).

Options:
  -c, --config FILE   deployment file (docs/deployment.md)
  --host NAME         which host of the deployment this is
  --plan FILE         explicit agent plan (JSON, docs/hosts.md "Plan files") instead of -c/--host
  --data DIR          durable state: learner log and snapshots, coordinator rounds
  --bind IP           listen on IP instead of the host's deployment address (e.g. 0.0.0.0)
  --control IP:PORT   server coordinator control channel (default 127.0.0.1:34960)
  --http IP:PORT      KV HTTP API (default 0.0.0.0:8080)
  --no-service        server coordinator: do not bind the groups' service addresses
  --floor N --join N  server acceptor restarted without its votes (protocol §9): the floor
                      and join the controller handed out; required once it has run before
  --stats-every MS    print counters as JSON every MS milliseconds (default: never)
  -h, --help          this text

Exit codes: 0 stopped by a signal, 1 failed to start, 2 usage error.

Examples:
  paxosctl agent -c examples/classic.yaml --host l1 --data /var/lib/p4paxos
  paxosctl agent -c examples/classic.yaml --host rc --control 127.0.0.1:34960
  paxosctl agent --plan acceptor1.json`;

function address(flag: string, text: string | undefined): Address | undefined {
  if (text === undefined) return undefined;
  try {
    return parseBindAddress(text);
  } catch (e) {
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
}

async function loadPlan(
  v: Record<string, string | boolean | undefined>,
  io: CliIO,
): Promise<AgentPlan | null> {
  if (typeof v.plan === "string") {
    if (v.config !== undefined || v.host !== undefined)
      throw new UsageError("use either --plan or -c/--host");
    let data: unknown;
    try {
      data = JSON.parse(await readFile(v.plan, "utf8"));
    } catch (e) {
      io.err(`paxosctl agent: cannot read plan ${v.plan}: ${(e as Error).message}`);
      return null;
    }
    const plan = parsePlan(data);
    if (typeof v.data === "string") plan.dataDir = v.data;
    return plan;
  }
  if (typeof v.config !== "string" || typeof v.host !== "string")
    throw new UsageError("need -c FILE --host NAME, or --plan FILE");
  const loaded = await loadDeployment(v.config);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatConfigError(e, v.config));
    return null;
  }
  return agentPlan(loaded.deployment, v.host, {
    bindIp: typeof v.bind === "string" ? v.bind : undefined,
    control: address("control", v.control as string | undefined),
    http: address("http", v.http as string | undefined),
    bindService: v["no-service"] !== true,
    dataDir: typeof v.data === "string" ? v.data : undefined,
  });
}

/** Resolves when the process gets SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(sig);
    };
    const onInt = on("SIGINT");
    const onTerm = on("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}

export const agentCommand: Command = {
  name: "agent",
  summary: "run a host's daemons: server acceptor / coordinator, learner, KV replica",
  help: HELP,
  run: (args: string[], io: CliIO) => runAgent(args, io, untilSignal),
};

/** The command with its stop condition as a parameter (a signal in real use; tests pass their own). */
export async function runAgent(args: string[], io: CliIO, stop: () => Promise<string>): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      host: { type: "string" },
      plan: { type: "string" },
      data: { type: "string" },
      bind: { type: "string" },
      control: { type: "string" },
      http: { type: "string" },
      "no-service": { type: "boolean" },
      floor: { type: "string" },
      join: { type: "string" },
      "stats-every": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const every = values["stats-every"];
  if (every !== undefined && !/^\d+$/.test(String(every)))
    throw new UsageError("--stats-every must be milliseconds");
  const plan = await loadPlan(values, io);
  if (!plan) return ExitCode.FAILURE;
  if (values.floor !== undefined || values.join !== undefined) {
    const n = (flag: "floor" | "join"): number => {
      const t = values[flag];
      if (t === undefined) throw new UsageError("--floor and --join go together");
      if (!/^\d+$/.test(String(t)) || Number(t) > 0xffff_ffff)
        throw new UsageError(`--${flag} must be a 32-bit integer`);
      return Number(t);
    };
    if (!plan.acceptor) throw new UsageError("--floor/--join apply to a server acceptor only");
    plan.acceptor.role = { floor: n("floor"), join: n("join") };
  }
  let agent: RunningAgent;
  try {
    agent = await startAgent(plan);
  } catch (e) {
    io.err(`paxosctl agent: ${(e as Error).message}`);
    return ExitCode.FAILURE;
  }
  for (const line of agent.describe()) io.out(line);
  const timer = every ? setInterval(() => io.out(JSON.stringify(agent.stats())), Number(every)) : null;
  const sig = await stop();
  if (timer) clearInterval(timer);
  io.out(`${sig}: shutting down`);
  await agent.close();
  return ExitCode.OK;
}
