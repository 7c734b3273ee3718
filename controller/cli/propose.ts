// `paxosctl propose`: submits values to a group's service address and waits until a learner
// reports each delivered (learners learn this client's address from its SUBSCRIBE datagrams).
import { randomClientProposerId } from "../../hosts/kv/session.js";
import { type Address, parseAddress, parseBindAddress } from "../../hosts/net/address.js";
import { PeerTable } from "../../hosts/net/peers.js";
import { ProposeRefused, ProposerClient, ProposeTimeout } from "../../hosts/proposer/client.js";
import { PAXOS_UDP_PORT, VALUE_SIZE } from "../../src/wire/header.js";
import { type CliIO, type Command, ExitCode, parseCommandArgs, UsageError } from "./command.js";

const HELP = `Usage: paxosctl propose --service IP[:PORT] --learner IP:PORT [options] VALUE...

Submit each VALUE (UTF-8, at most ${VALUE_SIZE} bytes; or hex with --hex) as a REQUEST to a
group's service address, retrying with exponential backoff, with at most --window requests
outstanding, and print where each was delivered. Delivery notifications come from the learners
given with --learner (this client subscribes to them; see docs/hosts.md).

Options:
  --service IP[:PORT]  the group's service address (port default ${PAXOS_UDP_PORT})
  --learner IP:PORT    a learner to hear deliveries from (repeatable; at least one)
  --group N            Paxos group (default 0)
  --id N               proposer id (default: a random session id ≥ 0xC0000000, so request ids
                       never repeat those of an earlier run; a fixed id restarts at seq 1)
  --window N           requests outstanding at once (default 8)
  --retry MS           first retransmission timeout, doubling up to 16× (default 100)
  --timeout MS         give up waiting for a value after MS (default 5000)
  --bind IP:PORT       local address (default 0.0.0.0, any port)
  --hex                values are hex strings
  --json               one JSON object per value
  -h, --help           this text

A value the group's coordinator refuses because too few acceptors are alive fails at once:
"refused: 1 of 3 acceptors reachable, quorum 2; not applied" (no attempt was stamped: it never
takes effect) or "…; outcome unknown" (an earlier attempt may still be decided, then once).

Exit codes: 0 every value delivered, 1 some not delivered (in time: outcome unknown; refused:
as printed), 2 usage error.

Examples:
  paxosctl propose --service 10.0.100.1 --learner 10.0.0.20:34953 hello world
  paxosctl propose --service 127.0.0.1:40000 --learner 127.0.0.1:40010 --window 32 --json $(seq 1 100)`;

function int(name: string, text: unknown, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (typeof text !== "string" || !/^\d+$/.test(text)) throw new UsageError(`--${name} must be an integer`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`--${name} must be in ${min}..${max}`);
  return n;
}

function addr(name: string, text: string, port?: number): Address {
  try {
    return name === "bind" ? parseBindAddress(text) : parseAddress(text, port);
  } catch (e) {
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
}

function parseValue(text: string, hex: boolean): Uint8Array {
  const bytes = hex
    ? /^([0-9a-fA-F]{2})*$/.test(text)
      ? new Uint8Array(Buffer.from(text, "hex"))
      : null
    : new TextEncoder().encode(text);
  if (!bytes) throw new UsageError(`'${text}' is not hex`);
  if (bytes.length > VALUE_SIZE)
    throw new UsageError(`value '${text}' is ${bytes.length} bytes; at most ${VALUE_SIZE} fit`);
  return bytes;
}

export const proposeCommand: Command = {
  name: "propose",
  summary: "submit values to a Paxos group and wait until they are delivered",
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs({
      args,
      options: {
        service: { type: "string" },
        learner: { type: "string", multiple: true },
        group: { type: "string" },
        id: { type: "string" },
        window: { type: "string" },
        retry: { type: "string" },
        timeout: { type: "string" },
        bind: { type: "string" },
        hex: { type: "boolean" },
        json: { type: "boolean" },
      },
      strict: true,
      allowPositionals: true,
    });
    const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
    if (typeof v.service !== "string") throw new UsageError("--service is required");
    const learners = (v.learner as string[] | undefined) ?? [];
    if (learners.length === 0)
      throw new UsageError("at least one --learner is required (deliveries are reported by learners)");
    if (parsed.positionals.length === 0) throw new UsageError("no VALUE given");
    const group = int("group", v.group, 0, 0, 0xffff);
    const retry = int("retry", v.retry, 100, 1, 60_000);
    const timeout = int("timeout", v.timeout, 5000, 1, 3_600_000);
    const values = parsed.positionals.map((p) => parseValue(p, v.hex === true));
    const client = await ProposerClient.open({
      id: v.id === undefined ? randomClientProposerId() : int("id", v.id, 1, 1, 0xffff_ffff),
      group,
      window: int("window", v.window, 8, 1, 4096),
      timeout: retry,
      maxTimeout: 16 * retry,
      bind: v.bind === undefined ? { host: "0.0.0.0", port: 0 } : addr("bind", v.bind as string),
      peers: new PeerTable({ coordinators: { [group]: addr("service", v.service, PAXOS_UDP_PORT) } }),
      notifyFrom: learners.map((l) => addr("learner", l)),
    });
    let failed = 0;
    try {
      const outcomes = await Promise.allSettled(values.map((value) => client.propose(value, timeout)));
      outcomes.forEach((o, k) => {
        const text = parsed.positionals[k]!;
        if (o.status === "fulfilled") {
          const r = o.value;
          io.out(
            v.json
              ? JSON.stringify({
                  value: text,
                  ok: true,
                  ...r,
                  latencyMs: Math.round(r.latencyMs * 1000) / 1000,
                })
              : `${text}: delivered as request ${r.proposer}:${r.seq} at group ${r.group} instance ${r.instance}` +
                  ` (${r.attempts} attempt${r.attempts === 1 ? "" : "s"}, ${r.latencyMs.toFixed(1)} ms${r.applied ? "" : ", duplicate"})`,
          );
        } else {
          failed++;
          const e = o.reason;
          const msg = e instanceof ProposeTimeout || e instanceof ProposeRefused ? e.message : String(e);
          const outcome = e instanceof ProposeRefused ? e.outcome : "unknown";
          io.out(
            v.json ? JSON.stringify({ value: text, ok: false, error: msg, outcome }) : `${text}: ${msg}`,
          );
        }
      });
    } finally {
      await client.close();
    }
    return failed === 0 ? ExitCode.OK : ExitCode.FAILURE;
  },
};
