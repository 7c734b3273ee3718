// Turns structurally checked data into typed objects. Items that failed the structural check
// (already reported) are left out, and every kept item remembers its index in the file, so
// the cross-field checks can run on the rest and still report exact paths.
import type {
  GroupConfig,
  HostConfig,
  HostRoles,
  P4Params,
  PaxosConfig,
  PortPeer,
  SwitchConfig,
  SwitchPort,
  SwitchRoles,
  Timeouts,
} from "./types.js";

type Raw = Record<string, unknown>;

const isObj = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const has = (o: Raw, ...keys: string[]) => keys.every((k) => o[k] !== undefined);

/** Placeholders for values that failed the structural check; the cross-field checks skip them. */
export const MISSING_TEXT = "";
export const MISSING_NUMBER = -1;

export interface Indexed<T> {
  item: T;
  index: number;
}

export interface Built {
  name?: string;
  p4?: P4Params;
  paxos?: PaxosConfig;
  groups: Indexed<GroupConfig>[];
  switches: Indexed<SwitchConfig>[];
  /** Port entries by switch: index within that switch's ports list. */
  portIndex: Map<SwitchPort, number>;
  hosts: Indexed<HostConfig>[];
  /** True when nothing was left out (every item complete). */
  complete: boolean;
  /** Names of switches and hosts left out, so references to them are not reported again. */
  incomplete: Set<string>;
}

export function parsePeer(to: string): PortPeer {
  const m = /^switch:([^:]+):(\d+)$/.exec(to);
  return m ? { kind: "switch", switch: m[1]!, port: Number(m[2]) } : { kind: "host", host: to };
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function build(data: unknown, defaultGroups: (groups: GroupConfig[]) => number[]): Built {
  const out: Built = {
    groups: [],
    switches: [],
    portIndex: new Map(),
    hosts: [],
    complete: true,
    incomplete: new Set(),
  };
  if (!isObj(data)) return { ...out, complete: false };
  const drop = () => {
    out.complete = false;
  };
  if (typeof data.name === "string") out.name = data.name;
  else drop();

  const p4 = data.p4;
  if (isObj(p4) && has(p4, "program", "ringSize", "maxGroups", "valueSize", "cpuPort"))
    out.p4 = p4 as unknown as P4Params;
  else drop();

  const paxos = data.paxos;
  if (isObj(paxos)) {
    list(paxos.groups).forEach((g, index) => {
      if (isObj(g) && has(g, "id", "serviceIp"))
        out.groups.push({ item: g as unknown as GroupConfig, index });
      else drop();
    });
    const t = paxos.timeouts;
    if (
      isObj(t) &&
      has(t, "heartbeatMs", "failoverMs", "gapMs", "retryMs") &&
      typeof paxos.stateFile === "string"
    ) {
      out.paxos = {
        groups: out.groups.map((g) => g.item),
        timeouts: t as unknown as Timeouts,
        stateFile: paxos.stateFile,
      };
    } else drop();
  } else drop();
  const allGroups = defaultGroups(out.groups.map((g) => g.item));

  for (const [index, s] of list(data.switches).entries()) {
    if (!isObj(s) || !has(s, "name", "roles", "ports") || !isObj(s.roles)) {
      drop();
      if (isObj(s) && typeof s.name === "string") out.incomplete.add(s.name);
      continue;
    }
    // Kept for the cabling checks without its address or device id (placeholders, never returned).
    if (!has(s, "address", "deviceId")) drop();
    const ports: SwitchPort[] = [];
    const idx: [SwitchPort, number][] = [];
    for (const [i, p] of list(s.ports).entries()) {
      if (!isObj(p) || !has(p, "port", "to")) {
        drop();
        // A port left out: hosts claiming a port on this switch are not checked against it.
        if (typeof s.name === "string") out.incomplete.add(s.name);
        continue;
      }
      const port: SwitchPort = {
        port: p.port as number,
        to: p.to as string,
        peer: parsePeer(p.to as string),
      };
      ports.push(port);
      idx.push([port, i]);
    }
    const rawRoles = s.roles as Raw;
    const roles: SwitchRoles = {};
    if (isObj(rawRoles.coordinator) && rawRoles.coordinator.id !== undefined) {
      const c = rawRoles.coordinator;
      roles.coordinator = { id: c.id as number, groups: (c.groups as number[] | undefined) ?? allGroups };
    } else if (rawRoles.coordinator !== undefined) drop();
    if (isObj(rawRoles.acceptor) && rawRoles.acceptor.id !== undefined)
      roles.acceptor = { id: rawRoles.acceptor.id as number };
    else if (rawRoles.acceptor !== undefined) drop();
    const sw: SwitchConfig = {
      name: s.name as string,
      address: (s.address as string | undefined) ?? MISSING_TEXT,
      deviceId: (s.deviceId as number | undefined) ?? MISSING_NUMBER,
      cpuPort: (s.cpuPort as number | undefined) ?? out.p4?.cpuPort ?? 255,
      roles,
      ports,
    };
    if (s.electionId !== undefined) sw.electionId = s.electionId as number;
    if (s.ip !== undefined) sw.ip = s.ip as string;
    if (s.mac !== undefined) sw.mac = (s.mac as string).toLowerCase();
    if (isObj(s.tls) && typeof s.tls.ca === "string")
      sw.tls = s.tls as unknown as SwitchConfig["tls"] & object;
    for (const [p, i] of idx) out.portIndex.set(p, i);
    out.switches.push({ item: sw, index });
  }

  for (const [index, h] of list(data.hosts).entries()) {
    if (!isObj(h) || !has(h, "name", "switch", "port", "roles") || !isObj(h.roles)) {
      drop();
      if (isObj(h) && typeof h.name === "string") out.incomplete.add(h.name);
      continue;
    }
    // Kept for the cabling and role checks without its addresses (placeholders, never returned).
    if (!has(h, "ip", "mac", "udpPort")) drop();
    const raw = h.roles as Raw;
    const roles: HostRoles = {};
    const withId = (k: "proposer" | "learner" | "server-acceptor") => {
      const r = raw[k];
      if (isObj(r) && typeof r.id === "number") roles[k] = { id: r.id };
      else if (r !== undefined) drop();
    };
    withId("proposer");
    withId("learner");
    withId("server-acceptor");
    const sc = raw["server-coordinator"];
    if (isObj(sc) && typeof sc.id === "number") {
      roles["server-coordinator"] = { id: sc.id, groups: (sc.groups as number[] | undefined) ?? allGroups };
    } else if (sc !== undefined) drop();
    if (raw.kv === true) roles.kv = true;
    if (raw["controller-agent"] === true) roles["controller-agent"] = true;
    const host: HostConfig = {
      name: h.name as string,
      ip: (h.ip as string | undefined) ?? MISSING_TEXT,
      mac: ((h.mac as string | undefined) ?? MISSING_TEXT).toLowerCase(),
      udpPort: (h.udpPort as number | undefined) ?? MISSING_NUMBER,
      switch: h.switch as string,
      port: h.port as number,
      roles,
    };
    out.hosts.push({ item: host, index });
  }
  return out;
}
