// `paxosctl kv`: a client for a KV replica's HTTP API (hosts/kv/http.ts).
import { KvClient } from "../../hosts/kv/client.js";
import { type CliIO, type Command, ExitCode, parseCommandArgs, UsageError } from "./command.js";

const HELP = `Usage: paxosctl kv --replica URL (put KEY VALUE | get KEY | del KEY | cas KEY EXPECTED NEW | status)

Talk to a KV replica's HTTP API. Every command but 'get --local' goes through the consensus log:
the answer reflects one point of the total order, so reads are linearizable. A command must fit
the 64-byte Paxos value: put needs 2 + key + value bytes, cas 3 + key + expected + new.

Commands:
  put KEY VALUE          set KEY
  get KEY                read KEY (exit 1 if absent); --local reads the replica's state directly
  del KEY                delete KEY
  cas KEY EXPECTED NEW   set KEY to NEW if it holds EXPECTED; EXPECTED '-' (with --absent)
                         means "only if KEY is absent"
  status                 the replica's counters and store digest

Options:
  --replica URL   the replica, e.g. http://10.0.0.20:8080
  --timeout MS    give up after MS (default 5000); the outcome is then unknown
                  (a refusal for lack of a quorum of acceptors comes at once, with its outcome)
  --local         get: no log round (may be stale)
  --absent        cas: expect KEY to be absent (EXPECTED is ignored)
  --json          print the replica's JSON answer
  -h, --help      this text

Exit codes: 0 done (cas: swapped), 1 key absent / cas refused / outcome unknown / refused for
lack of a quorum ("not applied" or "outcome unknown" says which), 2 usage error.

Examples:
  paxosctl kv --replica http://127.0.0.1:8080 put color blue
  paxosctl kv --replica http://127.0.0.1:8081 get color
  paxosctl kv --replica http://127.0.0.1:8080 cas color blue green
  paxosctl kv --replica http://127.0.0.1:8080 cas --absent lock - me`;

export const kvCommand: Command = {
  name: "kv",
  summary: "put/get/del/cas against a replicated KV store replica",
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs({
      args,
      options: {
        replica: { type: "string" },
        timeout: { type: "string" },
        local: { type: "boolean" },
        absent: { type: "boolean" },
        json: { type: "boolean" },
      },
      strict: true,
      allowPositionals: true,
    });
    const v = parsed.values as Record<string, string | boolean | undefined>;
    if (typeof v.replica !== "string") throw new UsageError("--replica URL is required");
    try {
      new URL(v.replica);
    } catch {
      throw new UsageError(`--replica: '${v.replica}' is not a URL`);
    }
    const timeout = v.timeout === undefined ? 5000 : Number(v.timeout);
    if (!Number.isInteger(timeout) || timeout < 1)
      throw new UsageError("--timeout must be a positive integer");
    const [cmd, ...rest] = parsed.positionals;
    const need = (n: number): string[] => {
      if (rest.length !== n) throw new UsageError(`'${cmd}' takes ${n} argument${n === 1 ? "" : "s"}`);
      return rest;
    };
    const client = new KvClient(v.replica, timeout);
    let r: Awaited<ReturnType<KvClient["get"]>>;
    switch (cmd) {
      case "put": {
        const [k, val] = need(2);
        r = await client.put(k!, val!);
        break;
      }
      case "get":
        r = await client.get(need(1)[0]!, v.local === true);
        break;
      case "del":
        r = await client.del(need(1)[0]!);
        break;
      case "cas": {
        const [k, expected, val] = need(3);
        r = await client.cas(k!, v.absent ? null : expected!, val!);
        break;
      }
      case "status":
        need(0);
        r = await client.status();
        break;
      default:
        throw new UsageError(cmd === undefined ? "no command given" : `unknown kv command '${cmd}'`);
    }
    if (r.kind === "unknown") {
      io.err(`paxosctl kv: no answer (${r.error}); the command may or may not have taken effect`);
      return ExitCode.FAILURE;
    }
    if (r.kind === "refused") {
      if (v.json) io.out(JSON.stringify({ error: r.error, outcome: r.outcome }));
      io.err(`paxosctl kv: ${r.error}`);
      return ExitCode.FAILURE;
    }
    const { status, body } = r;
    if (v.json || cmd === "status") io.out(JSON.stringify(body, null, cmd === "status" ? 2 : undefined));
    else if (status >= 400 && status !== 404 && status !== 409)
      io.err(`paxosctl kv: ${status} ${String(body.error ?? "")}`);
    else if (cmd === "get") io.out(status === 200 ? String(body.value) : "(absent)");
    else if (cmd === "del") io.out(body.deleted ? "deleted" : "(absent)");
    else if (cmd === "cas")
      io.out(
        status === 200
          ? "swapped"
          : `refused; current value: ${body.current === null ? "(absent)" : String(body.current)}`,
      );
    else io.out("ok");
    return status === 200 ? ExitCode.OK : ExitCode.FAILURE;
  },
};
