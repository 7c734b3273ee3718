import { describe, expect, it } from "vitest";
import type { Deployment } from "../../../controller/config/types.js";
import { canonicalValue, sortEntries } from "../../../controller/desired/canonical.js";
import {
  computeDesiredState,
  DesiredStateError,
  initialControllerState,
  makeRound,
} from "../../../controller/desired/compute.js";
import { diffDesired } from "../../../controller/desired/diff.js";
import { FIELDS, RID_LOOPBACK, TABLES } from "../../../controller/desired/names.js";
import type { ControllerState, FriendlyEntry, SwitchDesired } from "../../../controller/desired/types.js";
import { noQuorumAux } from "../../../src/wire/header.js";
import { example } from "./fixtures.js";

const classic = example("classic");
const SERVICE = "10.0.100.1";

function sw(state: { switches: SwitchDesired[] }, name: string): SwitchDesired {
  const s = state.switches.find((x) => x.switch === name);
  if (!s) throw new Error(`no desired state for ${name}`);
  return s;
}

function entries(s: SwitchDesired, table: string): FriendlyEntry[] {
  return s.tableEntries.filter((e) => e.table === table);
}

function route(s: SwitchDesired, ip: string): FriendlyEntry | undefined {
  return entries(s, TABLES.ipv4).find((e) => {
    const m = e.match[FIELDS.ipv4Dst];
    return typeof m === "object" && "lpm" in m && m.lpm[0] === ip && m.lpm[1] === 32;
  });
}

/** Independent BFS over the deployment's links: hop counts between switches. */
function hops(d: Deployment, from: string, to: string, down: string[] = []): number | undefined {
  const dist = new Map([[from, 0]]);
  const queue = [from];
  while (queue.length > 0) {
    const cur = queue.shift()!;
    if (cur === to) return dist.get(cur);
    for (const l of d.links) {
      if (l.kind !== "switch") continue;
      const next = l.a === cur ? l.b : l.b === cur ? l.a : undefined;
      if (next && !down.includes(next) && !dist.has(next)) {
        dist.set(next, dist.get(cur)! + 1);
        queue.push(next);
      }
    }
  }
  return undefined;
}

type WalkEnd =
  | { kind: "host"; host: string; mac: string; switches: string[] }
  | { kind: "stop"; at: string; switches: string[] };

/** Follows ipv4_lpm entries hop by hop from `start` until a host port or a switch with no route. */
function walk(
  d: Deployment,
  state: { switches: SwitchDesired[] },
  start: string,
  ip: string,
  firstPort?: number,
): WalkEnd {
  const switches: string[] = [];
  let at = start;
  let port = firstPort;
  let mac = "";
  for (let step = 0; step <= d.switches.length; step++) {
    switches.push(at);
    if (port === undefined) {
      const r = route(sw(state, at), ip);
      if (!r) return { kind: "stop", at, switches };
      port = r.params.port as number;
      mac = r.params.dstAddr as string;
    }
    const cable = d.switches.find((s) => s.name === at)!.ports.find((p) => p.port === port);
    if (!cable) throw new Error(`${at} routes ${ip} to uncabled port ${port}`);
    if (cable.peer.kind === "host") return { kind: "host", host: cable.peer.host, mac, switches };
    at = cable.peer.switch;
    port = undefined;
  }
  throw new Error(`routing loop for ${ip} from ${start}: ${switches.join(" → ")}`);
}

describe("classic, switch coordinator (initial state)", () => {
  const state = initialControllerState(classic);
  const desired = computeDesiredState(classic, state);

  it("has one desired state per switch, in deployment order, no clone sessions", () => {
    expect(desired.switches.map((s) => s.switch)).toEqual(classic.switches.map((s) => s.name));
    expect(desired.switches.every((s) => s.cloneSessions.length === 0)).toBe(true);
    expect(state.groups[0]).toMatchObject({ round: 257, switchRole: true, requestsTo: "switch" });
  });

  it("routes every host from every switch along a shortest path, with the host's MAC", () => {
    for (const s of classic.switches) {
      for (const h of classic.hosts) {
        const end = walk(classic, desired, s.name, h.ip);
        expect(end).toMatchObject({ kind: "host", host: h.name, mac: h.mac });
        expect(end.switches.length - 1).toBe(hops(classic, s.name, h.switch));
      }
    }
  });

  it("picks the lowest port among equal shortest paths", () => {
    // acc1 reaches acc2 through coord (port 1) rather than edge1 (2) or edge2 (3).
    expect(route(sw(desired, "acc1"), "10.0.1.3")!.params).toEqual({ dstAddr: "02:00:00:00:01:03", port: 1 });
    expect(route(sw(desired, "edge2"), "10.0.0.1")!.params).toEqual({
      dstAddr: "00:00:00:00:00:01",
      port: 5,
    });
    expect(entries(sw(desired, "edge2"), TABLES.l2)).toContainEqual({
      table: TABLES.l2,
      match: { [FIELDS.ethDst]: "00:00:00:00:00:01" },
      action: "MyIngress.l2_forward",
      params: { port: 5 },
    });
  });

  it("routes the service address to the coordinator switch, which has no route for it", () => {
    for (const s of classic.switches) {
      const end = walk(classic, desired, s.name, SERVICE);
      expect(end).toMatchObject({ kind: "stop", at: "coord" });
      expect(end.switches.length - 1).toBe(hops(classic, s.name, "coord"));
    }
  });

  it("installs the coordinator role only on the coordinator switch", () => {
    expect(entries(sw(desired, "coord"), TABLES.coordinator)).toEqual([
      {
        table: TABLES.coordinator,
        match: { [FIELDS.group]: 0 },
        action: "MyIngress.coordinator.set_coordinator",
        params: { round: 257, acceptor_mgid: 1 },
      },
    ]);
    for (const s of desired.switches.filter((x) => x.switch !== "coord"))
      expect(entries(s, TABLES.coordinator)).toEqual([]);
  });

  it("sets port permissions from what each port is cabled to", () => {
    const roles = (s: string) =>
      Object.fromEntries(
        entries(sw(desired, s), TABLES.portRole).map((e) => [e.match[FIELDS.ingressPort], e.params.roles]),
      );
    // edge1: switches 1-5, proposers 10 11, rc 12 (coordinator side), sa4 13 (nothing), ctl 14 (coordinator + control).
    expect(roles("edge1")).toEqual({ 1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 10: 1, 11: 1, 12: 2, 14: 6 });
    // edge2: learners may send no-op REQUESTs.
    expect(roles("edge2")).toEqual({ 1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 10: 1, 11: 1 });
    expect(roles("coord")).toEqual({ 1: 3, 2: 3, 3: 3, 4: 3, 5: 3 });
  });

  it("multicasts P2As to every acceptor, each copy addressed to it and sent towards it", () => {
    const coord = sw(desired, "coord");
    expect(coord.multicastGroups.map((g) => g.id)).toEqual([1]);
    const rewrites = new Map(entries(coord, TABLES.replica).map((e) => [e.match[FIELDS.egressRid], e]));
    const targets = coord.multicastGroups[0]!.replicas.map((r) => {
      const rw = rewrites.get(r.rid)!;
      expect(rw.action).toBe("MyEgress.rewrite_dst");
      const ip = rw.params.ipDst as string;
      const acceptor = classic.acceptors.find((a) =>
        a.kind === "switch"
          ? classic.switches.find((s) => s.name === a.name)!.ip === ip
          : classic.hosts.find((h) => h.name === a.name)!.ip === ip,
      )!;
      if (acceptor.kind === "host") {
        const h = classic.hosts.find((x) => x.name === acceptor.name)!;
        expect(rw.params).toEqual({ dstAddr: h.mac, ipDst: h.ip, udpDst: h.udpPort });
        expect(walk(classic, desired, "coord", ip, r.port)).toMatchObject({ kind: "host", host: h.name });
      } else {
        const s = classic.switches.find((x) => x.name === acceptor.name)!;
        expect(rw.params).toEqual({ dstAddr: s.mac, ipDst: s.ip, udpDst: 34952 });
        expect(classic.switches[0]!.ports.find((p) => p.port === r.port)!.to).toBe(`switch:${s.name}:1`);
      }
      return acceptor.id;
    });
    expect(targets.sort()).toEqual([1, 2, 3, 4, 5]);
    // Only the rids the groups use get rewrite entries.
    expect([...rewrites.keys()].sort()).toEqual(coord.multicastGroups[0]!.replicas.map((r) => r.rid).sort());
  });

  it("multicasts 2Bs from every acceptor switch to every learner and the server coordinator", () => {
    for (const name of ["acc1", "acc2", "acc3"]) {
      const s = sw(desired, name);
      expect(s.multicastGroups.map((g) => g.id)).toEqual([2]);
      const rewrites = new Map(entries(s, TABLES.replica).map((e) => [e.match[FIELDS.egressRid], e.params]));
      const reached = s.multicastGroups[0]!.replicas.map((r) => {
        const p = rewrites.get(r.rid)!;
        const end = walk(classic, desired, name, p.ipDst as string, r.port);
        expect(end.kind).toBe("host");
        const h = classic.hosts.find((x) => x.name === (end as { host: string }).host)!;
        expect(p).toEqual({ dstAddr: h.mac, ipDst: h.ip, udpDst: h.udpPort });
        return h.name;
      });
      expect(reached.sort()).toEqual(["l1", "l2", "rc"]);
    }
  });

  it("gives each acceptor switch its id and learner group, floor and join 0", () => {
    classic.switches
      .filter((s) => s.roles.acceptor)
      .forEach((s) => {
        expect(entries(sw(desired, s.name), TABLES.acceptor)).toEqual([
          {
            table: TABLES.acceptor,
            match: { [FIELDS.group]: 0 },
            action: "MyIngress.acceptor.set_acceptor",
            params: { acceptor_id: s.roles.acceptor!.id, learner_mgid: 2, floor: 0, join: 0 },
          },
        ]);
      });
  });

  it("states the program's default actions", () => {
    expect(sw(desired, "edge1").defaultActions.map((e) => `${e.table}:${e.action}`)).toEqual([
      "MyEgress.replica:NoAction",
      "MyIngress.port_role:NoAction",
      "MyIngress.ipv4_lpm:MyIngress.drop",
      "MyIngress.l2_exact:MyIngress.drop",
      "MyIngress.acceptor.role:NoAction",
      "MyIngress.coordinator.role:NoAction",
    ]);
  });

  it("is deterministic and sorted", () => {
    expect(computeDesiredState(classic, initialControllerState(classic))).toEqual(desired);
    for (const s of desired.switches) {
      expect(sortEntries(s.tableEntries)).toEqual(s.tableEntries);
      expect(s.multicastGroups.map((g) => g.id)).toEqual(
        [...s.multicastGroups.map((g) => g.id)].sort((a, b) => a - b),
      );
      for (const g of s.multicastGroups) {
        const keys = g.replicas.map((r) => r.port * 65536 + r.rid);
        expect(keys).toEqual([...keys].sort((a, b) => a - b));
      }
    }
  });
});

describe("classic, controller state changes", () => {
  const base = initialControllerState(classic);
  const normal = computeDesiredState(classic, base);
  const withGroup = (
    patch: Partial<ControllerState["groups"][number]>,
    down: string[] = [],
  ): ControllerState => ({
    groups: { 0: { ...base.groups[0]!, ...patch } },
    down,
  });

  it("floor and join of a restarted acceptor flow into its role entry only", () => {
    const fenced = computeDesiredState(
      classic,
      withGroup({ acceptors: { 2: { floor: 0x301, join: 2048 } } }),
    );
    expect(entries(sw(fenced, "acc2"), TABLES.acceptor)[0]!.params).toEqual({
      acceptor_id: 2,
      learner_mgid: 2,
      floor: 0x301,
      join: 2048,
    });
    expect(entries(sw(fenced, "acc1"), TABLES.acceptor)[0]!.params).toMatchObject({ floor: 0, join: 0 });
    const d = diffDesired(sw(fenced, "acc2"), sw(normal, "acc2"));
    expect(d.tableEntries).toEqual({
      inserts: [],
      modifies: entries(sw(fenced, "acc2"), TABLES.acceptor),
      deletes: [],
    });
  });

  it("a round change modifies the coordinator entry", () => {
    const next = computeDesiredState(classic, withGroup({ round: makeRound(2, 1) }));
    const d = diffDesired(sw(next, "coord"), sw(normal, "coord"));
    expect(d.tableEntries.inserts).toEqual([]);
    expect(d.tableEntries.deletes).toEqual([]);
    expect(d.tableEntries.modifies.map((e) => e.params)).toEqual([{ round: 513, acceptor_mgid: 1 }]);
  });

  it("no quorum: the coordinator entry becomes refuse(round, status), everything else stays", () => {
    const refusing = computeDesiredState(classic, withGroup({ noQuorum: { alive: 1 } }));
    const d = diffDesired(sw(refusing, "coord"), sw(normal, "coord"));
    expect(d.tableEntries.inserts).toEqual([]);
    expect(d.tableEntries.deletes).toEqual([]);
    expect(d.tableEntries.modifies.map((e) => [e.action, e.params])).toEqual([
      [
        "MyIngress.coordinator.refuse",
        { round: 257, nack_aux: noQuorumAux({ alive: 1, acceptors: 5, quorum: 3 }) },
      ],
    ]);
    for (const s of classic.switches)
      if (s.name !== "coord") expect(sw(refusing, s.name)).toEqual(sw(normal, s.name));
    // Only while the switch holds the role: without it there is no entry either way.
    const away = computeDesiredState(
      classic,
      withGroup({ noQuorum: { alive: 1 }, switchRole: false, requestsTo: "server" }),
    );
    expect(entries(sw(away, "coord"), TABLES.coordinator)).toEqual([]);
    expect(() => computeDesiredState(classic, withGroup({ noQuorum: { alive: -1 } }))).toThrow(
      DesiredStateError,
    );
  });

  it("failover: the coordinator entry goes and the service address leads to the server coordinator", () => {
    const failover = computeDesiredState(classic, withGroup({ switchRole: false, requestsTo: "server" }));
    expect(entries(sw(failover, "coord"), TABLES.coordinator)).toEqual([]);
    for (const s of classic.switches) {
      expect(walk(classic, failover, s.name, SERVICE)).toMatchObject({
        kind: "host",
        host: "rc",
        mac: "00:00:00:00:00:0a",
      });
    }
    const coordDiff = diffDesired(sw(failover, "coord"), sw(normal, "coord"));
    expect(coordDiff.tableEntries.deletes.map((e) => e.table)).toEqual([TABLES.coordinator]);
    expect(coordDiff.tableEntries.inserts.map((e) => e.match)).toEqual([
      { [FIELDS.ipv4Dst]: { lpm: [SERVICE, 32] } },
    ]);
    const edgeDiff = diffDesired(sw(failover, "edge2"), sw(normal, "edge2"));
    expect(edgeDiff.tableEntries).toEqual({
      inserts: [],
      modifies: [route(sw(failover, "edge2"), SERVICE)!],
      deletes: [],
    });
    expect(route(sw(failover, "edge2"), SERVICE)!.params).toEqual({ dstAddr: "00:00:00:00:00:0a", port: 5 });
    // The acceptor multicast group stays, ready for fail-back.
    expect(sw(failover, "coord").multicastGroups).toEqual(sw(normal, "coord").multicastGroups);
  });

  it("failover with the coordinator switch down routes around it", () => {
    const state = withGroup({ switchRole: false, requestsTo: "server" }, ["coord"]);
    const failover = computeDesiredState(classic, state);
    expect(failover.switches.map((s) => s.switch)).not.toContain("coord");
    for (const s of failover.switches) {
      for (const ip of [SERVICE, ...classic.hosts.map((h) => h.ip)]) {
        const end = walk(classic, failover, s.switch, ip);
        expect(end.kind).toBe("host");
        expect(end.switches).not.toContain("coord");
        const target = ip === SERVICE ? "rc" : classic.hosts.find((h) => h.ip === ip)!.name;
        const host = classic.hosts.find((h) => h.name === target)!;
        expect(end.switches.length - 1).toBe(hops(classic, s.switch, host.switch, ["coord"]));
      }
      expect(route(s, "10.0.1.1")).toBeUndefined();
    }
  });

  it("hand-back pause: no route for the service address anywhere", () => {
    const paused = computeDesiredState(classic, withGroup({ switchRole: false, requestsTo: "none" }));
    for (const s of paused.switches) expect(route(s, SERVICE)).toBeUndefined();
  });

  it("an acceptor switch that is down gets no replica", () => {
    const down = computeDesiredState(classic, withGroup({}, ["acc1"]));
    const rids = sw(down, "coord").multicastGroups[0]!.replicas.map((r) => r.rid);
    expect(rids).toHaveLength(4);
    expect(entries(sw(down, "coord"), TABLES.replica).map((e) => e.params.ipDst)).not.toContain("10.0.1.2");
  });

  it("rejects a state that does not fit the deployment", () => {
    expect(() => computeDesiredState(classic, { groups: {}, down: [] })).toThrow(DesiredStateError);
    expect(() =>
      computeDesiredState(classic, withGroup({ acceptors: { 9: { floor: 1, join: 1 } } })),
    ).toThrow(/no acceptor with id 9/);
    expect(() => computeDesiredState(classic, withGroup({}, ["nope"]))).toThrow(/unknown switch 'nope'/);
    expect(() =>
      computeDesiredState(classic, withGroup({ requestsTo: "server", serverCoordinator: "p1" })),
    ).toThrow(/no server-coordinator/);
    expect(() => computeDesiredState(classic, withGroup({ round: 2 ** 32 }))).toThrow(/32-bit/);
    expect(() => computeDesiredState(classic, withGroup({ round: 0 }))).toThrow(/round > 0/);
  });

  it("rounds are epoch × 256 + coordinator id", () => {
    expect(makeRound(1, 1)).toBe(0x101);
    expect(makeRound(3, 2)).toBe(0x302);
    expect(() => makeRound(0, 1)).toThrow(DesiredStateError);
    expect(() => makeRound(1, 256)).toThrow(DesiredStateError);
    expect(() => makeRound(2 ** 24, 1)).toThrow(DesiredStateError);
  });
});

describe("other examples", () => {
  it("single: the switch's own acceptor gets its P2A copy through a loopback replica", () => {
    const d = example("single");
    const s1 = computeDesiredState(d, initialControllerState(d)).switches[0]!;
    const acceptors = s1.multicastGroups.find((g) => g.id === 1)!;
    expect(acceptors.replicas).toContainEqual({ port: 1, rid: RID_LOOPBACK });
    expect(acceptors.replicas).toHaveLength(3);
    expect(entries(s1, TABLES.replica)).toContainEqual({
      table: TABLES.replica,
      match: { [FIELDS.egressRid]: RID_LOOPBACK },
      action: "MyEgress.loopback",
      params: {},
    });
    const roles = Object.fromEntries(
      entries(s1, TABLES.portRole).map((e) => [e.match[FIELDS.ingressPort], e.params.roles]),
    );
    expect(roles).toEqual({ 1: 1, 2: 2, 3: 1, 4: 1, 7: 6 });
    expect(s1.multicastGroups.find((g) => g.id === 2)!.replicas.map((r) => r.port)).toEqual([2, 3, 4]);
    expect(entries(s1, TABLES.coordinator)).toHaveLength(1);
    expect(entries(s1, TABLES.acceptor)[0]!.params).toEqual({
      acceptor_id: 1,
      learner_mgid: 2,
      floor: 0,
      join: 0,
    });
  });

  it("leaf-spine: each group's coordinator spine, acceptor entries for both groups on every leaf", () => {
    const d = example("leaf-spine");
    const desired = computeDesiredState(d, initialControllerState(d));
    expect(
      entries(sw(desired, "sp1"), TABLES.coordinator).map((e) => [e.match[FIELDS.group], e.params.round]),
    ).toEqual([[0, 257]]);
    expect(
      entries(sw(desired, "sp2"), TABLES.coordinator).map((e) => [e.match[FIELDS.group], e.params.round]),
    ).toEqual([[1, 258]]);
    expect(sw(desired, "sp2").multicastGroups.map((g) => g.id)).toEqual([3]);
    for (const leaf of ["lf1", "lf2", "lf3"]) {
      expect(
        entries(sw(desired, leaf), TABLES.acceptor).map((e) => [
          e.match[FIELDS.group],
          e.params.learner_mgid,
        ]),
      ).toEqual([
        [0, 2],
        [1, 4],
      ]);
    }
    expect(entries(sw(desired, "lf4"), TABLES.acceptor)).toEqual([]);
    // Group 0's service address leads to sp1, group 1's to sp2, from every leaf.
    for (const leaf of ["lf1", "lf2", "lf3", "lf4"]) {
      expect(walk(d, desired, leaf, "10.0.100.10")).toMatchObject({ kind: "stop", at: "sp1" });
      expect(walk(d, desired, leaf, "10.0.100.11")).toMatchObject({ kind: "stop", at: "sp2" });
    }
  });

  it("canonical values agree across spellings", () => {
    expect(canonicalValue("10.0.0.1")).toBe(167772161n);
    expect(canonicalValue(167772161)).toBe(167772161n);
    expect(canonicalValue("0x0a000001")).toBe(167772161n);
    expect(canonicalValue("00:00:00:00:01:00")).toBe(256n);
    expect(canonicalValue(256n)).toBe(256n);
  });
});
