// Holds the expected Paxos messages in the STF scenarios for p4/paxos.p4 to the TypeScript roles
// (src/paxos/coordinator.ts, src/paxos/acceptor.ts): every packet of a scenario is replayed
// through those roles, configured from the scenario's table entries, and the Paxos headers they
// send must be exactly the ones the scenario expects on each port, in order. The P4 program and
// the TS roles implement the same specification (docs/protocol.md §4–§5); this is where they meet.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Acceptor } from "../../../src/paxos/acceptor.js";
import { Coordinator } from "../../../src/paxos/coordinator.js";
import type { Effects } from "../../../src/paxos/effects.js";
import { decodePaxos, encodePaxos } from "../../../src/wire/codec.js";
import { MsgType, PAXOS_HEADER_SIZE, PAXOS_UDP_PORT } from "../../../src/wire/header.js";
import type { PaxosMessage } from "../../../src/wire/message.js";

const DIR = new URL("./", import.meta.url);
const RING_SIZE = 1024;
const MAX_GROUPS = 4;
const CPU_PORT = 255;
const FRAME = 14 + 20 + 8 + PAXOS_HEADER_SIZE;
const PROPOSER = 1;
const COORDINATOR = 2;
const CONTROL = 4;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

function ipv4ChecksumOk(ip: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/** Action arguments `name:value, ...` of an STF `add` line. */
function args(line: string): Record<string, number> {
  const inner = /\(([^)]*)\)\s*$/.exec(line)?.[1] ?? "";
  const out: Record<string, number> = {};
  for (const part of inner.split(",").filter((p) => p.trim() !== "")) {
    const [k, v] = part.split(":").map((s) => s.trim());
    out[k!] = Number(v);
  }
  return out;
}

/** Replays one scenario through the TS roles; returns expected and produced headers per port. */
function replay(stf: string) {
  const coordinator = new Coordinator({ ringSize: RING_SIZE });
  let acceptor: Acceptor | undefined;
  const coordMgid = new Map<number, number>();
  const learnerMgid = new Map<number, number>();
  const portRoles = new Map<number, number>();
  const routes = new Map<number, number>();
  const nodes: { rid: number; ports: number[] }[] = [];
  const groups = new Map<number, { rid: number; port: number }[]>();
  const loopbacks = new Set<number>();
  const expected = new Map<number, string[]>();
  const produced = new Map<number, string[]>();
  const push = (m: Map<number, string[]>, port: number, h: string) =>
    m.set(port, [...(m.get(port) ?? []), h]);

  for (const raw of stf.split("\n")) {
    const line = raw.trim();
    const [cmd, ...rest] = line.split(/\s+/);
    if (cmd === "add") {
      const a = args(line);
      const key = Number(/:(\S+)/.exec(rest[1] ?? "")?.[1]?.split("/")[0]);
      if (rest[0] === "MyIngress.port_role") portRoles.set(key, a.roles!);
      else if (rest[0] === "MyIngress.ipv4_lpm") routes.set(key, a.port!);
      else if (rest[0] === "MyEgress.replica" && line.includes("MyEgress.loopback(")) loopbacks.add(key);
      else if (rest[0] === "MyIngress.coordinator.role") {
        // set_coordinator(round, acceptor_mgid) or refuse(round, nack_aux)
        const refuse = line.includes("MyIngress.coordinator.refuse(");
        coordinator.installRole(key, a.round!, refuse ? { refuse: a.nack_aux! } : {});
        coordMgid.set(key, refuse ? 0 : a.acceptor_mgid!);
      } else if (rest[0] === "MyIngress.acceptor.role") {
        acceptor ??= new Acceptor({ id: a.acceptor_id!, ringSize: RING_SIZE });
        acceptor.installRole(key, { floor: a.floor!, join: a.join! });
        learnerMgid.set(key, a.learner_mgid!);
      }
    } else if (cmd === "mc_node_create") {
      const [rid, ...ports] = rest.map(Number) as [number, ...number[]];
      nodes.push({ rid, ports });
    } else if (cmd === "mc_node_associate") {
      const [g, h] = rest.map(Number) as [number, number];
      const node = nodes[h]!;
      groups.set(g, [...(groups.get(g) ?? []), ...node.ports.map((port) => ({ rid: node.rid, port }))]);
    } else if (cmd === "expect") {
      const port = Number(rest[0]);
      const frame = Buffer.from(rest.slice(1).join("").replace("$", ""), "hex");
      const body = port === CPU_PORT ? frame.subarray(2) : frame;
      if (body.length === FRAME) push(expected, port, hex(body.subarray(FRAME - PAXOS_HEADER_SIZE)));
    } else if (cmd === "packet") {
      const port = Number(rest[0]);
      let frame = Buffer.from(rest.slice(1).join(""), "hex");
      let trusted = false;
      if (port === CPU_PORT) {
        if ((frame[1]! & 0x40) === 0) continue; // raw PacketOut: transmitted, not processed
        frame = frame.subarray(2);
        trusted = true;
      }
      if (frame.length < 14 + 20 + 8 || frame.readUInt16BE(36) !== PAXOS_UDP_PORT) continue;
      if (!ipv4ChecksumOk(frame.subarray(14, 34))) continue;
      const decoded = decodePaxos(frame, 42);
      if (decoded.ok) ingress(decoded.value, port, trusted, frame.readUInt32BE(30));
    }
  }

  /** The switch's ingress for a well-formed message: port filter, roles, routing. */
  function ingress(msg: PaxosMessage, port: number, trusted: boolean, dstIp: number): void {
    const roles = trusted ? 7 : (portRoles.get(port) ?? 0);
    const t = msg.msgtype;
    const needed =
      t === MsgType.REQUEST
        ? PROPOSER
        : t === MsgType.P1A || t === MsgType.P2A
          ? COORDINATOR
          : t === MsgType.TRIM || t === MsgType.SYNC || t === MsgType.PING
            ? CONTROL
            : 0;
    if ((roles & needed) !== needed) return;
    let handled = false;
    const deliver = (fx: Effects) => {
      for (const out of fx.send) {
        const h = hex(encodePaxos(out.msg));
        if (out.to.kind === "node") {
          push(produced, port, h);
          continue;
        }
        const mgid = (out.to.kind === "acceptors" ? coordMgid : learnerMgid).get(msg.group) ?? 0;
        for (const replica of groups.get(mgid) ?? []) {
          // A loopback replica re-enters this switch (recirculation) instead of leaving.
          if (loopbacks.has(replica.rid)) ingress(out.msg, replica.port, true, dstIp);
          else push(produced, replica.port, h);
        }
      }
    };
    if (msg.group < MAX_GROUPS) {
      const coordType = t === MsgType.TRIM || t === MsgType.SYNC || t === MsgType.PING;
      if (coordType || (t === MsgType.REQUEST && coordMgid.has(msg.group))) {
        deliver(coordinator.handle(msg, "sender"));
        handled = true;
      }
      const accType = t === MsgType.P1A || t === MsgType.P2A || t === MsgType.TRIM;
      if (accType && acceptor?.role(msg.group)) {
        deliver(acceptor.handle(msg, "sender"));
        handled = true;
      }
    }
    const route = routes.get(dstIp);
    if (!handled && route !== undefined) push(produced, route, hex(encodePaxos(msg)));
  }
  return { expected, produced };
}

const scenarios = readdirSync(DIR).filter((f) => f.endsWith(".stf"));

describe("STF scenarios for p4/paxos.p4 agree with the TypeScript roles", () => {
  it("covers every scenario", () => {
    expect(scenarios.sort()).toEqual([
      "acceptor.stf",
      "coordinator.stf",
      "fence.stf",
      "filter.stf",
      "loopback.stf",
      "probe.stf",
      "refuse.stf",
      "ring.stf",
    ]);
  });

  for (const file of scenarios) {
    it(file, () => {
      const { expected, produced } = replay(readFileSync(new URL(file, DIR), "utf8"));
      expect(expected.size).toBeGreaterThan(0);
      expect(Object.fromEntries(produced)).toEqual(Object.fromEntries(expected));
    });
  }
});
