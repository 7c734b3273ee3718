// What `paxosctl status` and `watch` show per switch, gathered without disturbing a running
// controller: Reads (role entries, drop counters), the pipeline cookie, and — only when no
// other controller holds the session — a PING through the data plane for round and next instance.

import { counterEntity, tableWildcard } from "../../src/p4runtime/entities.js";
import { DROP_REASONS } from "../../src/paxos/counters.js";
import { MsgType, type NoQuorumStatus, parseNoQuorumAux } from "../../src/wire/header.js";
import type { PaxosMessage } from "../../src/wire/message.js";
import type { SwitchConfig } from "../config/types.js";
import { ACTIONS, TABLES } from "../desired/names.js";
import { ExitError, readSession } from "./cli-common.js";
import { DEFAULT_SOURCE } from "./packets.js";
import { cookieHex, type Pipeline } from "./pipeline.js";
import type { SwitchLink } from "./switch-link.js";

/**
 * Names of the P4 `MyIngress.drops` counter by index: index i + 1 is the protocol's i-th drop
 * reason, then `no_route`, the switch's own (test/unit/p4-header.test.ts holds this to DROP_*).
 */
export const DROP_COUNTER_NAMES: readonly string[] = ["", ...DROP_REASONS, "no_route"];

export interface SwitchStatus {
  name: string;
  address: string;
  reachable: boolean;
  error?: string;
  /** "ours" (the deployment's cookie), "other", or "none". */
  pipeline: "ours" | "other" | "none" | "unknown";
  cookie: string | null;
  /** "us" (this command was primary for a moment), "controller" (another controller is), "none". */
  primary: string;
  roles: string[];
  coordinator: {
    group: number;
    round: number;
    next?: number;
    trim?: number;
    /** The role entry is `refuse`: REQUESTs are answered NACK_NOQUORUM with this status. */
    refusing?: NoQuorumStatus;
  }[];
  acceptor: { group: number; id: number; floor: number; join: number }[];
  drops: Record<string, number>;
}

const num = (v: unknown): number => Number(String(v));

export async function switchStatus(
  s: SwitchConfig,
  opts: { expected?: Pipeline | null; electionId?: number; ping?: boolean; timeoutMs?: number } = {},
): Promise<SwitchStatus> {
  const out: SwitchStatus = {
    name: s.name,
    address: s.address,
    reachable: false,
    pipeline: "unknown",
    cookie: null,
    primary: "unknown",
    roles: [
      s.roles.coordinator ? `coordinator ${s.roles.coordinator.id}` : "",
      s.roles.acceptor ? `acceptor ${s.roles.acceptor.id}` : "",
    ].filter(Boolean),
    coordinator: [],
    acceptor: [],
    drops: {},
  };
  let session: Awaited<ReturnType<typeof readSession>>;
  try {
    session = await readSession(s, opts.timeoutMs ?? 2000, opts.electionId);
  } catch (e) {
    out.error = e instanceof ExitError ? e.message : String(e);
    return out;
  }
  const { link, idx, cookie } = session;
  try {
    out.reachable = true;
    out.cookie = cookie === null ? null : cookieHex(cookie);
    out.pipeline =
      cookie === null ? "none" : opts.expected && cookie !== opts.expected.cookie ? "other" : "ours";
    if (!idx) return out;
    const coordRole = idx.tables.find(TABLES.coordinator);
    const accRole = idx.tables.find(TABLES.acceptor);
    for (const [t, role] of [
      [coordRole, "c"],
      [accRole, "a"],
    ] as const) {
      if (!t) continue;
      for (const e of await link.client.read([tableWildcard(t.preamble!.id)])) {
        if (e.entity.case !== "tableEntry") continue;
        const r = idx.renderTableEntry(e.entity.value);
        const group = num(Object.values(r.match ?? {})[0]);
        const p = r.params ?? {};
        if (role === "c")
          out.coordinator.push({
            group,
            round: num(p.round),
            ...(r.action === ACTIONS.refuse ? { refusing: parseNoQuorumAux(num(p.nack_aux)) } : {}),
          });
        else out.acceptor.push({ group, id: num(p.acceptor_id), floor: num(p.floor), join: num(p.join) });
      }
    }
    const drops = idx.counters.find("MyIngress.drops");
    if (drops) {
      for (const e of await link.client.read([counterEntity(drops.preamble!.id)])) {
        if (e.entity.case !== "counterEntry") continue;
        const i = Number(e.entity.value.index?.index ?? 0n);
        const n = Number(e.entity.value.data?.packetCount ?? 0n);
        if (n > 0) out.drops[DROP_COUNTER_NAMES[i] ?? `#${i}`] = n;
      }
    }
    if (opts.ping) {
      try {
        const primary = await link.connect(opts.timeoutMs ?? 2000);
        out.primary = primary ? "us" : "controller";
        for (const g of primary ? (s.roles.coordinator?.groups ?? []) : []) {
          const pong = await pingOnce(link, g, 500);
          const row = out.coordinator.find((c) => c.group === g);
          if (pong && row) Object.assign(row, { next: pong.instance, trim: pong.vround });
          else if (pong) out.coordinator.push({ group: g, round: 0, next: pong.instance, trim: pong.vround });
        }
      } catch {
        // An election id in use: a controller daemon holds the session.
        out.primary = "controller";
      }
    }
    return out;
  } finally {
    link.close();
  }
}

function pingOnce(link: SwitchLink, group: number, ms: number): Promise<PaxosMessage | null> {
  const nonce = (Math.random() * 0xffff_ffff) >>> 0;
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      link.off("paxos", on);
      resolve(null);
    }, ms);
    const on = (m: PaxosMessage) => {
      if (m.msgtype !== MsgType.PONG || m.group !== group || m.aux !== nonce) return;
      clearTimeout(t);
      link.off("paxos", on);
      resolve(m);
    };
    link.on("paxos", on);
    link.sendPaxos(DEFAULT_SOURCE, { msgtype: MsgType.PING, group, aux: nonce });
  });
}

export function formatStatus(rows: SwitchStatus[]): string {
  const lines: string[] = [];
  for (const r of rows) {
    if (!r.reachable) {
      lines.push(`${r.name.padEnd(8)} ${r.address.padEnd(21)} UNREACHABLE`);
      if (r.error) lines.push(`         ${r.error}`);
      continue;
    }
    const roles = r.roles.length ? r.roles.join(", ") : "forwarding";
    lines.push(
      `${r.name.padEnd(8)} ${r.address.padEnd(21)} pipeline ${r.pipeline}${r.cookie ? ` (${r.cookie})` : ""}  primary ${r.primary}  ${roles}`,
    );
    for (const c of r.coordinator)
      lines.push(
        `         coordinator group ${c.group}: round ${c.round || "none (no role entry)"}${c.next !== undefined ? `, next instance ${c.next}, trim ${c.trim}` : ""}` +
          (c.refusing
            ? `; refusing requests: no quorum (${c.refusing.alive} of ${c.refusing.acceptors} acceptors alive, quorum ${c.refusing.quorum})`
            : ""),
      );
    for (const a of r.acceptor)
      lines.push(`         acceptor ${a.id} group ${a.group}: floor ${a.floor}, join ${a.join}`);
    const drops = Object.entries(r.drops);
    if (drops.length) lines.push(`         drops: ${drops.map(([k, v]) => `${k}=${v}`).join(" ")}`);
  }
  return lines.join("\n");
}
