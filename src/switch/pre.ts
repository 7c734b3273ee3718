// Packet replication engine: multicast groups (replicas = egress port + replication id) and clone
// sessions, with P4Runtime-shaped CRUD so a P4Runtime server can drive it directly.

import { ControlError } from "./errors.js";

export interface Replica {
  port: number;
  /** egress_rid given to this copy (P4Runtime "instance"). */
  rid: number;
}

export interface CloneSession {
  /** Copies made for this session; each goes to its port with egress_rid = rid. */
  replicas: Replica[];
  /** Optional multicast group the clone is also replicated to (simple_switch's mirroring_add_mc). */
  mcastGroup?: number;
  /** Truncate clones to this many bytes (0 = whole packet). */
  truncateLength?: number;
}

const checkPort = (r: Replica, what: string): void => {
  if (!Number.isInteger(r.port) || r.port < 0 || r.port > 0x1ff)
    throw new ControlError(`${what}: bad port ${r.port}`);
  if (!Number.isInteger(r.rid) || r.rid < 0 || r.rid > 0xffff)
    throw new ControlError(`${what}: bad replica id ${r.rid}`);
};

export class ReplicationEngine {
  private readonly groups = new Map<number, Replica[]>();
  private readonly sessions = new Map<number, CloneSession>();

  /** Creates or replaces a multicast group. */
  setGroup(id: number, replicas: Replica[]): void {
    if (!Number.isInteger(id) || id <= 0 || id > 0xffff)
      throw new ControlError(`bad multicast group id ${id}`);
    for (const r of replicas) checkPort(r, `multicast group ${id}`);
    const seen = new Set(replicas.map((r) => `${r.port}/${r.rid}`));
    if (seen.size !== replicas.length) throw new ControlError(`multicast group ${id}: duplicate replica`);
    this.groups.set(
      id,
      replicas.map((r) => ({ ...r })),
    );
  }

  insertGroup(id: number, replicas: Replica[]): void {
    if (this.groups.has(id)) throw new ControlError(`multicast group ${id} already exists`);
    this.setGroup(id, replicas);
  }

  modifyGroup(id: number, replicas: Replica[]): void {
    if (!this.groups.has(id)) throw new ControlError(`multicast group ${id} does not exist`);
    this.setGroup(id, replicas);
  }

  deleteGroup(id: number): void {
    if (!this.groups.delete(id)) throw new ControlError(`multicast group ${id} does not exist`);
  }

  group(id: number): Replica[] | undefined {
    return this.groups.get(id);
  }

  allGroups(): Array<{ id: number; replicas: Replica[] }> {
    return [...this.groups].map(([id, replicas]) => ({ id, replicas: replicas.map((r) => ({ ...r })) }));
  }

  setSession(id: number, s: CloneSession): void {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new ControlError(`bad clone session id ${id}`);
    for (const r of s.replicas) checkPort(r, `clone session ${id}`);
    if (s.truncateLength !== undefined && !(Number.isInteger(s.truncateLength) && s.truncateLength >= 0))
      throw new ControlError(`clone session ${id}: bad truncate length`);
    this.sessions.set(id, { ...s, replicas: s.replicas.map((r) => ({ ...r })) });
  }

  deleteSession(id: number): void {
    if (!this.sessions.delete(id)) throw new ControlError(`clone session ${id} does not exist`);
  }

  session(id: number): CloneSession | undefined {
    return this.sessions.get(id);
  }

  allSessions(): Array<{ id: number } & CloneSession> {
    return [...this.sessions].map(([id, s]) => ({ id, ...s, replicas: s.replicas.map((r) => ({ ...r })) }));
  }

  clear(): void {
    this.groups.clear();
    this.sessions.clear();
  }
}
