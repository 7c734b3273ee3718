// An explicit agent plan as JSON, for runs without a deployment file (e.g. everything on
// 127.0.0.1, which deployments reject). Addresses are "ip:port" strings; see docs/hosts.md.

import type { AgentPlan } from "./agent.js";
import { type Address, type AddressError, parseAddress, parseBindAddress } from "./net/address.js";
import type { PeerTableInit } from "./net/peers.js";

export class PlanError extends Error {
  override readonly name = "PlanError";
}

type Json = Record<string, unknown>;

function obj(v: unknown, path: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new PlanError(`${path}: expected an object`);
  return v as Json;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new PlanError(`${path}: expected an integer in ${min}..${max}`);
  }
  return v;
}

function addr(v: unknown, path: string, listen = false): Address {
  if (typeof v !== "string") throw new PlanError(`${path}: expected "ip:port"`);
  try {
    return listen ? parseBindAddress(v) : parseAddress(v);
  } catch (e) {
    throw new PlanError(`${path}: ${(e as AddressError).message}`);
  }
}

function addrs(v: unknown, path: string, listen = false): Address[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new PlanError(`${path}: expected a list of "ip:port"`);
  return v.map((x, k) => addr(x, `${path}[${k}]`, listen));
}

function onlyKeys(o: Json, keys: string[], path: string): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw new PlanError(`${path}.${k}: unknown key (expected ${keys.join(", ")})`);
}

export function parsePlan(data: unknown): AgentPlan {
  const o = obj(data, "plan");
  onlyKeys(
    o,
    [
      "groups",
      "ringSize",
      "acceptorCount",
      "timing",
      "peers",
      "acceptor",
      "coordinator",
      "learner",
      "dataDir",
    ],
    "plan",
  );
  if (!Array.isArray(o.groups) || o.groups.length === 0)
    throw new PlanError("plan.groups: expected a non-empty list");
  const groups = o.groups.map((g, k) => int(g, `plan.groups[${k}]`, 0, 0xffff));
  const t = obj(o.timing ?? {}, "plan.timing");
  const ms = (k: string, d: number): number =>
    t[k] === undefined ? d : int(t[k], `plan.timing.${k}`, 1, 600_000);
  const p = obj(o.peers, "plan.peers");
  onlyKeys(
    p,
    ["acceptors", "learners", "coordinators", "controller", "recovery", "learnerPeers", "proposers"],
    "plan.peers",
  );
  const coordinators: Record<number, Address> = {};
  for (const [g, a] of Object.entries(obj(p.coordinators ?? {}, "plan.peers.coordinators"))) {
    coordinators[int(Number(g), `plan.peers.coordinators.${g}`, 0, 0xffff)] = addr(
      a,
      `plan.peers.coordinators.${g}`,
    );
  }
  const proposers: Record<number, Address> = {};
  for (const [id, a] of Object.entries(obj(p.proposers ?? {}, "plan.peers.proposers"))) {
    proposers[int(Number(id), `plan.peers.proposers.${id}`, 1, 0xffff_ffff)] = addr(
      a,
      `plan.peers.proposers.${id}`,
    );
  }
  const peers: PeerTableInit = {
    acceptors: addrs(p.acceptors, "plan.peers.acceptors"),
    learners: addrs(p.learners, "plan.peers.learners"),
    coordinators,
    controller: p.controller === undefined ? undefined : addr(p.controller, "plan.peers.controller"),
    recovery: addrs(p.recovery, "plan.peers.recovery"),
    learnerPeers: addrs(p.learnerPeers, "plan.peers.learnerPeers"),
    proposers,
  };
  const plan: AgentPlan = {
    groups,
    ringSize: int(o.ringSize ?? 1024, "plan.ringSize", 1, 1 << 24),
    acceptorCount: int(o.acceptorCount ?? peers.acceptors?.length, "plan.acceptorCount", 1, 0xffff),
    timing: {
      tickMs: ms("tickMs", 10),
      gapTimeoutMs: ms("gapTimeoutMs", 200),
      noopDelayMs: ms("noopDelayMs", 200),
      catchupMs: ms("catchupMs", 200),
      retryMs: ms("retryMs", 100),
    },
    peers,
  };
  if (o.dataDir !== undefined) {
    if (typeof o.dataDir !== "string") throw new PlanError("plan.dataDir: expected a path");
    plan.dataDir = o.dataDir;
  }
  if (o.acceptor !== undefined) {
    const a = obj(o.acceptor, "plan.acceptor");
    onlyKeys(a, ["id", "bind", "floor", "join"], "plan.acceptor");
    plan.acceptor = {
      id: int(a.id, "plan.acceptor.id", 1, 0xffff),
      bind: addr(a.bind, "plan.acceptor.bind", true),
    };
    if (a.floor !== undefined || a.join !== undefined) {
      plan.acceptor.role = {
        floor: int(a.floor ?? 0, "plan.acceptor.floor", 0, 0xffff_ffff),
        join: int(a.join ?? 0, "plan.acceptor.join", 0, 0xffff_ffff),
      };
    }
  }
  if (o.coordinator !== undefined) {
    const c = obj(o.coordinator, "plan.coordinator");
    onlyKeys(c, ["id", "groups", "bind", "service", "control", "trimFor"], "plan.coordinator");
    plan.coordinator = {
      id: int(c.id, "plan.coordinator.id", 1, 255),
      groups:
        c.groups === undefined
          ? groups
          : (c.groups as unknown[]).map((g, k) => int(g, `plan.coordinator.groups[${k}]`, 0, 0xffff)),
      bind: addr(c.bind, "plan.coordinator.bind", true),
      service: addrs(c.service, "plan.coordinator.service", true),
      control:
        c.control === undefined
          ? { host: "127.0.0.1", port: 0 }
          : addr(c.control, "plan.coordinator.control", true),
    };
    if (c.trimFor !== undefined) {
      if (!Array.isArray(c.trimFor))
        throw new PlanError("plan.coordinator.trimFor: expected a list of learner ids");
      plan.coordinator.trimFor = c.trimFor.map((id, k) =>
        int(id, `plan.coordinator.trimFor[${k}]`, 0, 0xffff),
      );
    }
  }
  if (o.learner !== undefined) {
    const l = obj(o.learner, "plan.learner");
    onlyKeys(l, ["id", "rank", "bind", "kv"], "plan.learner");
    plan.learner = {
      id: int(l.id, "plan.learner.id", 0, 0xffff),
      rank: int(l.rank ?? 0, "plan.learner.rank", 0, 0xffff),
      bind: addr(l.bind, "plan.learner.bind", true),
    };
    if (l.kv !== undefined) {
      const kv = obj(l.kv, "plan.learner.kv");
      onlyKeys(kv, ["http", "window", "requestTimeoutMs"], "plan.learner.kv");
      plan.learner.kv = {
        http: addr(kv.http, "plan.learner.kv.http", true),
        window: int(kv.window ?? 16, "plan.learner.kv.window", 1, 4096),
        requestTimeoutMs: int(kv.requestTimeoutMs ?? 5000, "plan.learner.kv.requestTimeoutMs", 1, 600_000),
      };
    }
  }
  if (!plan.acceptor && !plan.coordinator && !plan.learner) {
    throw new PlanError("plan: nothing to run (no acceptor, coordinator or learner)");
  }
  return plan;
}
