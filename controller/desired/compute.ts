// Desired contents of every switch, computed purely from the deployment and the controller's
// state (rounds, coordinator placement, acceptor fences). docs/deployment.md, "Desired state",
// explains each entry; docs/dataplane.md is the contract for tables, actions and parameters.

import { noQuorumAux, PAXOS_UDP_PORT } from "../../src/wire/header.js";
import { Topology } from "../config/topology.js";
import type { Deployment, HostConfig, HostRoles, SwitchConfig } from "../config/types.js";
import { sortEntries, sortGroups, sortReplicas } from "./canonical.js";
import {
  ACTIONS,
  acceptorMgid,
  FIELDS,
  hostRid,
  learnerMgid,
  PORT_CONTROL,
  PORT_COORDINATOR,
  PORT_PROPOSER,
  RID_LOOPBACK,
  switchRid,
  TABLES,
} from "./names.js";
import type {
  ControllerState,
  DesiredState,
  FriendlyEntry,
  GroupState,
  MulticastGroup,
  Replica,
  SwitchDesired,
} from "./types.js";

/** The controller state does not fit the deployment (unknown group, host or round out of range). */
export class DesiredStateError extends Error {
  override readonly name = "DesiredStateError";
}

const ROUND_MAX = 0xffff_ffff;

/** protocol §3: round = epoch × 256 + coordinator id. */
export function makeRound(epoch: number, coordinatorId: number): number {
  const round = epoch * 256 + coordinatorId;
  if (!Number.isInteger(epoch) || epoch < 1 || coordinatorId < 1 || coordinatorId > 255 || round > ROUND_MAX)
    throw new DesiredStateError(`no round for epoch ${epoch}, coordinator ${coordinatorId}`);
  return round;
}

export function coordinatorSwitchOf(d: Deployment, group: number): SwitchConfig | undefined {
  return d.switches.find((s) => s.roles.coordinator?.groups.includes(group));
}

export function serverCoordinatorsOf(d: Deployment, group: number): HostConfig[] {
  return d.hosts.filter((h) => h.roles["server-coordinator"]?.groups.includes(group));
}

/** Every group served by its switch coordinator in round (epoch, coordinator id); no acceptor fenced. */
export function initialControllerState(d: Deployment, epoch = 1): ControllerState {
  const groups: Record<number, GroupState> = {};
  for (const g of d.paxos.groups) {
    const coord = coordinatorSwitchOf(d, g.id);
    groups[g.id] = {
      round: coord ? makeRound(epoch, coord.roles.coordinator!.id) : 0,
      switchRole: coord !== undefined,
      requestsTo: coord ? "switch" : "none",
      trim: 0,
      acceptors: {},
    };
  }
  return { groups, down: [] };
}

/** Permission bits of a port facing a host with these roles (docs/dataplane.md, set_port_role). */
export function hostPortBits(roles: HostRoles): number {
  let bits = 0;
  // Learners send no-op REQUESTs to fill idle groups (protocol §10); kv replicas submit commands.
  if (roles.proposer || roles.learner || roles.kv) bits |= PORT_PROPOSER;
  if (roles["server-coordinator"]) bits |= PORT_COORDINATOR;
  if (roles["controller-agent"]) bits |= PORT_COORDINATOR | PORT_CONTROL;
  return bits;
}

/** Between switches: REQUESTs and P1A/P2A travel on; control messages never cross a switch. */
export const SWITCH_PORT_BITS = PORT_PROPOSER | PORT_COORDINATOR;

function checkState(d: Deployment, state: ControllerState): void {
  for (const g of d.paxos.groups) {
    const gs = state.groups[g.id];
    if (!gs) throw new DesiredStateError(`controller state has no entry for group ${g.id}`);
    if (!Number.isInteger(gs.round) || gs.round < 0 || gs.round > ROUND_MAX)
      throw new DesiredStateError(`group ${g.id}: round ${gs.round} is not a 32-bit value`);
    if (gs.switchRole && gs.round === 0)
      throw new DesiredStateError(`group ${g.id}: a coordinator role needs a round > 0`);
    if (gs.requestsTo === "server" && serverHost(d, g.id, gs) === undefined)
      throw new DesiredStateError(
        `group ${g.id}: requests go to a server but no server-coordinator serves it`,
      );
    if (gs.noQuorum !== undefined && !(Number.isInteger(gs.noQuorum.alive) && gs.noQuorum.alive >= 0))
      throw new DesiredStateError(`group ${g.id}: noQuorum.alive ${gs.noQuorum.alive} is not a count`);
    for (const [id, fence] of Object.entries(gs.acceptors)) {
      if (!d.acceptors.some((a) => a.id === Number(id)))
        throw new DesiredStateError(`group ${g.id}: no acceptor with id ${id}`);
      for (const v of [fence.floor, fence.join])
        if (!Number.isInteger(v) || v < 0 || v > ROUND_MAX)
          throw new DesiredStateError(`group ${g.id}, acceptor ${id}: floor/join ${v} is not a 32-bit value`);
    }
  }
  for (const name of state.down) {
    if (!d.switches.some((s) => s.name === name))
      throw new DesiredStateError(`unknown switch '${name}' in down`);
  }
}

function serverHost(d: Deployment, group: number, gs: GroupState): HostConfig | undefined {
  const candidates = serverCoordinatorsOf(d, group);
  if (gs.serverCoordinator === undefined) return candidates[0];
  return candidates.find((h) => h.name === gs.serverCoordinator);
}

export function computeDesiredState(d: Deployment, state: ControllerState): DesiredState {
  checkState(d, state);
  const down = new Set(state.down);
  const topo = new Topology(d.switches);
  const hostIndex = new Map(d.hosts.map((h, i) => [h.name, i]));
  const switchIndex = new Map(d.switches.map((s, i) => [s.name, i]));
  const hostByName = new Map(d.hosts.map((h) => [h.name, h]));
  const switchByName = new Map(d.switches.map((s) => [s.name, s]));
  const hostRewrite = (h: HostConfig) => ({ dstAddr: h.mac, ipDst: h.ip, udpDst: h.udpPort });

  const forSwitch = (sw: SwitchConfig): SwitchDesired => {
    const here = sw.name;
    const entries: FriendlyEntry[] = [];
    const groups: MulticastGroup[] = [];
    const rewrites = new Map<number, FriendlyEntry>();
    const towardSwitch = (target: string) => topo.nextHop(here, target, down)?.port;
    const towardHost = (h: HostConfig) =>
      h.switch === here ? h.port : down.has(h.switch) ? undefined : towardSwitch(h.switch);
    // A copy toward host `h` (none when it is unreachable from here), with the egress rewrite
    // entry that addresses that copy to the host.
    const hostReplica = (h: HostConfig): Replica | undefined => {
      const port = towardHost(h);
      if (port === undefined) return undefined;
      const rid = hostRid(hostIndex.get(h.name)!);
      rewrites.set(rid, {
        table: TABLES.replica,
        match: { [FIELDS.egressRid]: rid },
        action: ACTIONS.rewriteDst,
        params: hostRewrite(h),
      });
      return { port, rid };
    };
    const route = (ip: string, mac: string, port: number | undefined) => {
      if (port === undefined) return;
      entries.push({
        table: TABLES.ipv4,
        match: { [FIELDS.ipv4Dst]: { lpm: [ip, 32] } },
        action: ACTIONS.ipv4Forward,
        params: { dstAddr: mac, port },
      });
    };

    // Port permissions, from what each port is cabled to.
    for (const p of sw.ports) {
      const bits =
        p.peer.kind === "switch" ? SWITCH_PORT_BITS : hostPortBits(hostByName.get(p.peer.host)!.roles);
      if (bits !== 0)
        entries.push({
          table: TABLES.portRole,
          match: { [FIELDS.ingressPort]: p.port },
          action: ACTIONS.setPortRole,
          params: { roles: bits },
        });
    }

    // A /32 (and an L2 entry) per host, and a /32 per role switch, along shortest paths.
    // The destination MAC is the final one on every hop: switches do not look at it.
    for (const h of d.hosts) {
      const port = towardHost(h);
      route(h.ip, h.mac, port);
      if (port !== undefined)
        entries.push({
          table: TABLES.l2,
          match: { [FIELDS.ethDst]: h.mac },
          action: ACTIONS.l2Forward,
          params: { port },
        });
    }
    for (const other of d.switches) {
      if (other.name !== here && other.ip !== undefined && other.mac !== undefined)
        route(other.ip, other.mac, towardSwitch(other.name));
    }

    // Service addresses: REQUESTs go to the coordinator switch, a server coordinator, or nowhere.
    for (const g of d.paxos.groups) {
      const gs = state.groups[g.id]!;
      if (gs.requestsTo === "switch") {
        const coord = coordinatorSwitchOf(d, g.id);
        // On the coordinator itself the role takes REQUESTs before routing; without the role they drop (no_role).
        if (coord && coord.name !== here) route(g.serviceIp, coord.mac!, towardSwitch(coord.name));
      } else if (gs.requestsTo === "server") {
        const h = serverHost(d, g.id, gs)!;
        route(g.serviceIp, h.mac, towardHost(h));
      }
    }

    // Coordinator: role entry per group (only while the switch serves it; `refuse` while too few
    // acceptors are alive), acceptor multicast group.
    for (const gid of sw.roles.coordinator?.groups ?? []) {
      const gs = state.groups[gid]!;
      const mgid = acceptorMgid(gid);
      if (gs.switchRole && gs.noQuorum)
        entries.push({
          table: TABLES.coordinator,
          match: { [FIELDS.group]: gid },
          action: ACTIONS.refuse,
          params: {
            round: gs.round,
            nack_aux: noQuorumAux({
              alive: gs.noQuorum.alive,
              acceptors: d.acceptors.length,
              quorum: d.quorum,
            }),
          },
        });
      else if (gs.switchRole)
        entries.push({
          table: TABLES.coordinator,
          match: { [FIELDS.group]: gid },
          action: ACTIONS.setCoordinator,
          params: { round: gs.round, acceptor_mgid: mgid },
        });
      const replicas: Replica[] = [];
      for (const a of d.acceptors) {
        if (a.kind === "switch") {
          if (a.name === here) {
            // This switch's own acceptor: the copy re-enters its ingress (docs/dataplane.md, loopback).
            replicas.push({ port: Math.min(...sw.ports.map((p) => p.port)), rid: RID_LOOPBACK });
            rewrites.set(RID_LOOPBACK, {
              table: TABLES.replica,
              match: { [FIELDS.egressRid]: RID_LOOPBACK },
              action: ACTIONS.loopback,
              params: {},
            });
            continue;
          }
          const port = towardSwitch(a.name);
          if (port === undefined) continue;
          const target = switchByName.get(a.name)!;
          const rid = switchRid(switchIndex.get(a.name)!);
          replicas.push({ port, rid });
          rewrites.set(rid, {
            table: TABLES.replica,
            match: { [FIELDS.egressRid]: rid },
            action: ACTIONS.rewriteDst,
            params: { dstAddr: target.mac!, ipDst: target.ip!, udpDst: PAXOS_UDP_PORT },
          });
        } else {
          const r = hostReplica(hostByName.get(a.name)!);
          if (r) replicas.push(r);
        }
      }
      groups.push({ id: mgid, replicas: sortReplicas(replicas) });
    }

    // Acceptor: role entry and learner multicast group per group.
    const acc = sw.roles.acceptor;
    if (acc) {
      // 2Bs go to the learners and to server coordinators (they watch decisions during recovery).
      const listeners = d.hosts.filter((h) => h.roles.learner || h.roles["server-coordinator"]);
      for (const g of d.paxos.groups) {
        const fence = state.groups[g.id]!.acceptors[acc.id] ?? { floor: 0, join: 0 };
        const mgid = learnerMgid(g.id);
        entries.push({
          table: TABLES.acceptor,
          match: { [FIELDS.group]: g.id },
          action: ACTIONS.setAcceptor,
          params: { acceptor_id: acc.id, learner_mgid: mgid, floor: fence.floor, join: fence.join },
        });
        const replicas: Replica[] = [];
        for (const h of listeners) {
          const r = hostReplica(h);
          if (r) replicas.push(r);
        }
        groups.push({ id: mgid, replicas: sortReplicas(replicas) });
      }
    }

    entries.push(...rewrites.values());
    return {
      switch: here,
      deviceId: sw.deviceId,
      tableEntries: sortEntries(entries),
      multicastGroups: sortGroups(groups),
      cloneSessions: [],
      defaultActions: DEFAULT_ACTIONS.map((e) => ({ ...e, match: {}, params: { ...e.params } })),
    };
  };

  for (const g of d.paxos.groups) {
    if (learnerMgid(g.id) > 0xffff)
      throw new DesiredStateError(`group ${g.id}: multicast group id exceeds 16 bits`);
  }
  return { switches: d.switches.filter((s) => !down.has(s.name)).map(forSwitch) };
}

/** The program's own defaults, stated explicitly so a reconciler can restore them. */
const DEFAULT_ACTIONS: FriendlyEntry[] = sortEntries(
  [
    { table: TABLES.replica, action: ACTIONS.noAction },
    { table: TABLES.portRole, action: ACTIONS.noAction },
    { table: TABLES.ipv4, action: ACTIONS.drop },
    { table: TABLES.l2, action: ACTIONS.drop },
    { table: TABLES.acceptor, action: ACTIONS.noAction },
    { table: TABLES.coordinator, action: ACTIONS.noAction },
  ].map((e) => ({ ...e, match: {}, params: {}, isDefault: true })),
);
