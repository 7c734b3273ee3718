// `paxosctl up`: deploy or reconcile a deployment over P4Runtime; with --daemon, stay and run
// the controller (health, failover, fail-back, drift repair, trimming).

import {
  ExitError,
  intFlag,
  loadConfig,
  parseFlags,
  runCommand,
  stateFilePath,
} from "../runtime/cli-common.js";
import { Controller } from "../runtime/controller.js";
import { loadPipeline, PipelineError } from "../runtime/pipeline.js";
import { StateFileError } from "../runtime/state-file.js";
import { type CliIO, type Command, ExitCode, UsageError } from "./command.js";

const HELP = `Usage: paxosctl up -c FILE [--daemon] [--json BMV2.json --p4info P4INFO] [options]

Make every switch of the deployment hold what it should (docs/operator-guide.md): become
primary (election id from the file, default 1), install the pipeline where it is missing or
differs (p4/paxos.p4 compiled by the embedded compiler with the file's ringSize, maxGroups and
cpuPort, or a p4c build given with --json/--p4info), read back tables, multicast groups and clone
sessions and write only the difference. A group that never ran is started: Phase 1 of its first
round through the acceptor switches, SYNC/PING until the coordinator switch confirms, then the
coordinator role. Running it again writes nothing.

With --daemon it keeps running: PING/PONG heartbeats every heartbeatMs, failover to the server
coordinator after failoverMs of silence, fail-back when the switch returns, fencing of acceptor
switches that restarted, drift repair every --watch-ms, trimming from learners' DELIVERED
reports (received on --agent), and liveness probes of every acceptor: while fewer than a quorum
answer, the coordinator switch refuses REQUESTs (NACK_NOQUORUM) instead of stamping them, until a
quorum is back. SIGINT/SIGTERM stop it; the state file keeps everything.

Options:
  -c, --config FILE          the deployment
  --daemon                   keep running (controller daemon)
  --json FILE, --p4info FILE  a p4c build of the program instead of the embedded compiler
  --election-id N            arbitration election id for switches without one in the file (default 1)
  --server-control NAME=HOST:PORT  control channel of server coordinator NAME (repeatable;
                             default 127.0.0.1:34960, where 'paxosctl agent' listens)
  --agent HOST:PORT          UDP address of the controller agent: DELIVERED reports, and server
                             acceptors' answers to the controller's Phase 1 (default: the
                             controller-agent host's ip and udpPort; 'none' to disable)
  --watch-ms N               drift-repair period in daemon mode (default 1000)
  --connect-timeout-ms N     a switch that has not answered by then is unreachable (default 3000)
  --no-failback              stay on the server coordinator until 'paxosctl failover --to switch'
  --quiet                    only errors

Exit codes: 0 deployed, 1 failure (write refused, bad pipeline, bad state file), 2 usage,
3 a switch unreachable (without --daemon).

Examples:
  paxosctl up -c examples/classic.yaml
  paxosctl up -c examples/classic.yaml --daemon
  paxosctl up -c deploy.yaml --json build/p4/paxos.json --p4info build/p4/paxos.p4info.txtpb
  paxosctl up -c deploy.yaml --daemon --server-control rc=10.0.0.10:34960 --agent 0.0.0.0:34953`;

export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const i = text.lastIndexOf(":");
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`${what}: expected HOST:PORT, got '${text}'`);
  return { host: text.slice(0, i), port };
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      daemon: { type: "boolean" },
      json: { type: "string" },
      p4info: { type: "string" },
      "election-id": { type: "string" },
      "server-control": { type: "string", multiple: true },
      agent: { type: "string" },
      "watch-ms": { type: "string" },
      "connect-timeout-ms": { type: "string" },
      "no-failback": { type: "boolean" },
      quiet: { type: "boolean" },
    },
    { min: 0, max: 0, names: "" },
  );
  const electionId = intFlag(values["election-id"], "election-id", 1, 1);
  const watchMs = intFlag(values["watch-ms"], "watch-ms", 1000, 50);
  const connectTimeoutMs = intFlag(values["connect-timeout-ms"], "connect-timeout-ms", 3000, 1);
  const serverControl: Record<string, string> = {};
  for (const s of (values["server-control"] as string[] | undefined) ?? []) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UsageError(`--server-control: expected NAME=HOST:PORT, got '${s}'`);
    parseHostPort(s.slice(eq + 1), "--server-control");
    serverControl[s.slice(0, eq)] = s.slice(eq + 1);
  }
  const agentText = values.agent as string | undefined;
  const agentOverride =
    agentText === undefined || agentText === "none" ? undefined : parseHostPort(agentText, "--agent");
  const d = await loadConfig(values.config, io);
  for (const name of Object.keys(serverControl))
    if (!d.hosts.some((h) => h.name === name && h.roles["server-coordinator"]))
      throw new UsageError(`--server-control: '${name}' is not a server-coordinator host of the deployment`);
  const quiet = values.quiet === true;
  const log = (l: string) => {
    if (!quiet) io.out(l);
  };
  let pipeline: ReturnType<typeof loadPipeline>;
  try {
    log(values.json ? `pipeline: ${values.json}` : `pipeline: compiling ${d.p4.program} (embedded compiler)`);
    pipeline = loadPipeline(d, {
      json: values.json as string | undefined,
      p4info: values.p4info as string | undefined,
      baseDir: process.cwd(),
    });
  } catch (e) {
    if (e instanceof PipelineError && /go together/.test(e.message)) throw new UsageError(e.message);
    throw new ExitError(ExitCode.FAILURE, `pipeline: ${(e as Error).message}`);
  }
  const agentHost = d.hosts.find((h) => h.roles["controller-agent"]);
  const agentBind =
    agentText === "none"
      ? undefined
      : (agentOverride ?? (agentHost ? { host: agentHost.ip, port: agentHost.udpPort } : undefined));
  const ctl = new Controller({
    deployment: d,
    pipeline,
    stateFile: stateFilePath(d),
    log,
    electionId,
    serverControl,
    agentBind,
    watchMs,
    connectTimeoutMs,
    failbackAfterMs: values["no-failback"] ? null : undefined,
  });
  try {
    let result: Awaited<ReturnType<Controller["up"]>>;
    try {
      result = await ctl.up();
    } catch (e) {
      if (e instanceof StateFileError) throw new ExitError(ExitCode.FAILURE, e.message);
      throw e;
    }
    const failures = result.reports.flatMap((r) => r.failures);
    for (const r of result.reports)
      log(
        `${r.switch}: ${r.pushedPipeline ? "pipeline installed, " : ""}${r.written === 0 ? "up to date" : `${r.written} update(s) written`}${r.failures.length ? `, ${r.failures.length} refused` : ""}`,
      );
    for (const gc of d.paxos.groups) {
      const g = ctl.group(gc.id);
      log(
        `group ${gc.id}: ${g.requestsTo === "switch" ? `served by its switch in round ${g.round}` : g.requestsTo === "server" ? `served by server coordinator ${g.serverCoordinator ?? ""}` : "not served (REQUESTs dropped)"}, trim ${g.trim}` +
          (g.requestsTo === "switch" && g.noQuorum
            ? `; refusing requests: no quorum (${g.noQuorum.alive} of ${d.acceptors.length} acceptors alive when last seen by a controller daemon, quorum ${d.quorum})`
            : ""),
      );
    }
    if (!values.daemon) {
      if (result.unreachable.length > 0) {
        io.err(`unreachable: ${result.unreachable.join(", ")}`);
        return ExitCode.UNREACHABLE;
      }
      return failures.length > 0 ? ExitCode.FAILURE : ExitCode.OK;
    }
    try {
      await ctl.startDaemon();
    } catch (e) {
      throw new ExitError(
        ExitCode.FAILURE,
        `cannot listen for DELIVERED reports on ${agentBind?.host}:${agentBind?.port}: ${(e as Error).message} (use --agent HOST:PORT or --agent none)`,
      );
    }
    const a = ctl.agentAddress;
    log(
      `controller running (state ${stateFilePath(d)}${a ? `, DELIVERED on udp ${a.host}:${a.port}` : ""}); Ctrl-C stops it`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    log("stopping");
    return ExitCode.OK;
  } finally {
    await ctl.close();
  }
}

export const upCommand: Command = {
  name: "up",
  summary: "deploy a deployment to its switches over P4Runtime; --daemon runs the controller",
  help: HELP,
  run: (args, io) => runCommand(io, () => run(args, io)),
};
