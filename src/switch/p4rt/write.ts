// Applies one P4Runtime Update to a device's pipeline. Each apply returns an undo closure, so a
// ROLLBACK_ON_ERROR / DATAPLANE_ATOMIC batch can be unwound; CONTINUE_ON_ERROR ignores them.
import { type ReplicaPortField, replicaPort } from "../../p4runtime/entities.js";
import type { P4Data } from "../../p4runtime/gen/p4/v1/p4data_pb.js";
import {
  type CounterData,
  type CounterEntry,
  type DigestEntry,
  type DirectCounterEntry,
  type MeterEntry,
  type MeterConfig as P4MeterConfig,
  type Replica as P4Replica,
  type PacketReplicationEngineEntry,
  type RegisterEntry,
  type TableEntry,
  type Update,
  Update_Type,
} from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import type { Replica } from "../pre.js";
import type { CounterValue, MeterConfig } from "../stateful.js";
import type { DefaultEntry, Entry } from "../tables/table.js";
import { readBits } from "./bits.js";
import {
  alreadyExists,
  invalidArgument,
  notFound,
  outOfRange,
  permissionDenied,
  resourceExhausted,
  unimplemented,
} from "./errors.js";
import type { ArrayInfo, TableInfo } from "./mapping.js";
import { type EntryExtras, engineCall, type PipelineState } from "./state.js";
import { decodeAction, decodeKey, tableOf } from "./table-entry.js";

export type Undo = () => void;

/** Applies `u`; throws P4rtError on failure (nothing changed then). */
export function applyUpdate(s: PipelineState, u: Update): Undo {
  const e = u.entity?.entity;
  if (!e || e.case === undefined) throw invalidArgument("update has no entity");
  if (u.type === Update_Type.UNSPECIFIED) throw invalidArgument("update type is UNSPECIFIED");
  switch (e.case) {
    case "tableEntry":
      return writeTable(s, u.type, e.value);
    case "packetReplicationEngineEntry":
      return writePre(s, u.type, e.value);
    case "registerEntry":
      return writeRegister(s, u.type, e.value);
    case "counterEntry":
      return writeCounter(s, u.type, e.value);
    case "directCounterEntry":
      return writeDirectCounter(s, u.type, e.value);
    case "meterEntry":
      return writeMeter(s, u.type, e.value);
    case "digestEntry":
      return writeDigest(s, u.type, e.value);
    default:
      throw unimplemented(`${e.case} is not supported by this switch`);
  }
}

// --- tables ---------------------------------------------------------------------------------

function extrasOf(te: TableEntry): EntryExtras {
  return {
    metadata: te.metadata,
    controllerMetadata: te.controllerMetadata,
    idleTimeoutNs: te.idleTimeoutNs,
  };
}

function counterValue(d: CounterData): CounterValue {
  if (d.packetCount < 0n || d.byteCount < 0n) throw invalidArgument("counter values must not be negative");
  return { packets: Number(d.packetCount), bytes: Number(d.byteCount) };
}

function meterConfig(c: P4MeterConfig | undefined): MeterConfig | undefined {
  if (!c) return undefined;
  const cfg = { cir: Number(c.cir), cburst: Number(c.cburst), pir: Number(c.pir), pburst: Number(c.pburst) };
  if (Object.values(cfg).some((v) => v < 0))
    throw invalidArgument("meter rates and bursts must not be negative");
  if (cfg.pir < cfg.cir) throw invalidArgument("meter pir must be >= cir");
  return cfg;
}

function checkDirectResources(t: TableInfo, te: TableEntry): void {
  if (te.counterData && t.directCounterId === undefined) {
    throw invalidArgument(`table ${t.name} has no direct counter`);
  }
  if ((te.meterConfig || te.meterCounterData) && !t.engine.withMeters) {
    throw invalidArgument(`table ${t.name} has no direct meter`);
  }
  if (te.idleTimeoutNs !== 0n && !t.supportsTimeout) {
    throw invalidArgument(`table ${t.name} does not support idle timeouts`);
  }
  if (te.idleTimeoutNs < 0n) throw invalidArgument("idle_timeout_ns must not be negative");
}

function writeTable(s: PipelineState, type: Update_Type, te: TableEntry): Undo {
  const { map, engine } = s.pipeline;
  const t = tableOf(map, te.tableId);
  if (te.isDefaultAction) return writeDefault(s, t, type, te);
  if (t.fields.length === 0) {
    throw invalidArgument(`table ${t.name} has no key: only its default entry can be written`);
  }
  const key = decodeKey(t, te);
  const found = t.engine.find(key.match, key.priority);
  const extras = s.tableExtras(t.name);
  if (t.isConst) return writeConstDirectResources(s, t, type, te, found);
  switch (type) {
    case Update_Type.INSERT: {
      if (found) throw alreadyExists(`table ${t.name}: the entry already exists`);
      checkDirectResources(t, te);
      const act = decodeAction(map, t, te.action, false);
      const meter = meterConfig(te.meterConfig);
      if (t.engine.entries.size >= t.engine.maxSize) {
        throw resourceExhausted(`table ${t.name} is full (${t.engine.maxSize} entries)`);
      }
      const h = engineCall(() =>
        engine.insertEntry(t.name, {
          match: key.match,
          priority: key.priority,
          action: act.name,
          params: act.params,
        }),
      );
      if (te.counterData) engine.directCounterWrite(t.name, h, counterValue(te.counterData));
      if (meter) engine.directMeterSet(t.name, h, meter);
      extras.set(h, extrasOf(te));
      return () => {
        engine.deleteEntry(t.name, h);
        extras.delete(h);
      };
    }
    case Update_Type.MODIFY: {
      if (!found) throw notFound(`table ${t.name}: no such entry`);
      checkDirectResources(t, te);
      const act = decodeAction(map, t, te.action, false);
      const meter = meterConfig(te.meterConfig);
      const h = found.handle;
      const before = {
        action: found.action.name,
        params: [...found.params],
        packets: found.packets,
        bytes: found.bytes,
      };
      const oldExtras = extras.get(h);
      const oldMeter = found.meter?.config;
      engineCall(() => engine.modifyEntry(t.name, h, act.name, act.params));
      if (te.counterData) engine.directCounterWrite(t.name, h, counterValue(te.counterData));
      // An update without meter_config resets the direct meter (specification, TableEntry).
      if (found.meter) engine.directMeterSet(t.name, h, meter);
      extras.set(h, extrasOf(te));
      return () => {
        engine.modifyEntry(t.name, h, before.action, before.params);
        engine.directCounterWrite(t.name, h, before);
        if (found.meter) engine.directMeterSet(t.name, h, oldMeter);
        if (oldExtras) extras.set(h, oldExtras);
        else extras.delete(h);
      };
    }
    case Update_Type.DELETE: {
      if (!found) throw notFound(`table ${t.name}: no such entry`);
      const snap = {
        action: found.action.name,
        params: [...found.params],
        packets: found.packets,
        bytes: found.bytes,
        meter: found.meter?.config,
        extras: extras.get(found.handle),
      };
      engine.deleteEntry(t.name, found.handle);
      extras.delete(found.handle);
      return () => {
        const h = engine.insertEntry(t.name, {
          match: key.match,
          priority: key.priority,
          action: snap.action,
          params: snap.params,
        });
        engine.directCounterWrite(t.name, h, snap);
        if (snap.meter) engine.directMeterSet(t.name, h, snap.meter);
        if (snap.extras) extras.set(h, snap.extras);
      };
    }
    default:
      throw invalidArgument(`unknown update type ${type}`);
  }
}

/**
 * Const tables (specification, "Constant tables"): the only write allowed is a MODIFY of an
 * entry's direct resources that leaves its action as it is; anything else is PERMISSION_DENIED.
 */
function writeConstDirectResources(
  s: PipelineState,
  t: TableInfo,
  type: Update_Type,
  te: TableEntry,
  found: Entry | undefined,
): Undo {
  const denied = () => permissionDenied(`table ${t.name} is const: its entries cannot be changed`);
  if (type !== Update_Type.MODIFY) throw denied();
  if (!found) throw notFound(`table ${t.name}: no such entry`);
  checkDirectResources(t, te);
  const act = decodeAction(s.pipeline.map, t, te.action, false);
  if (act.name !== found.action.name || act.params.some((p, i) => p !== found.params[i])) throw denied();
  const { engine } = s.pipeline;
  const meter = meterConfig(te.meterConfig);
  const counters = te.counterData ? counterValue(te.counterData) : undefined;
  const old = { packets: found.packets, bytes: found.bytes, meter: found.meter?.config };
  if (counters) engine.directCounterWrite(t.name, found.handle, counters);
  if (found.meter) engine.directMeterSet(t.name, found.handle, meter);
  return () => {
    engine.directCounterWrite(t.name, found.handle, old);
    if (found.meter) engine.directMeterSet(t.name, found.handle, old.meter);
  };
}

function writeDefault(s: PipelineState, t: TableInfo, type: Update_Type, te: TableEntry): Undo {
  if (type !== Update_Type.MODIFY) {
    throw invalidArgument(`table ${t.name}: the default entry can only be modified, not inserted or deleted`);
  }
  if (te.match.length > 0) throw invalidArgument(`table ${t.name}: a default entry has no match`);
  if (te.priority !== 0) throw invalidArgument(`table ${t.name}: a default entry has no priority`);
  const current: DefaultEntry = t.engine.default;
  if (t.constDefaultActionId !== 0 || current.entryConst) {
    throw permissionDenied(`table ${t.name}: the default action is const`);
  }
  const { map, engine } = s.pipeline;
  if (te.action === undefined) {
    // No action: back to the program's default (specification, "Default entry").
    engine.resetDefaultAction(t.name);
  } else {
    const act = decodeAction(map, t, te.action, true);
    if (current.actionConst && act.name !== current.action.name) {
      throw permissionDenied(`table ${t.name}: the default action is const (${current.action.name})`);
    }
    engineCall(() => engine.setDefaultAction(t.name, act.name, act.params));
  }
  return () => {
    t.engine.default = current;
  };
}

// --- packet replication engine -----------------------------------------------------------------

function replicasOf(
  rs: readonly P4Replica[],
  what: string,
): { replicas: Replica[]; field: ReplicaPortField } {
  const replicas = rs.map((r) => {
    const port = replicaPort(r);
    if (port === undefined) throw invalidArgument(`${what}: replica without a valid port`);
    return { port, rid: r.instance };
  });
  const field: ReplicaPortField = rs[0]?.portKind.case === "port" ? "port" : "egress_port";
  return { replicas, field };
}

function writePre(s: PipelineState, type: Update_Type, p: PacketReplicationEngineEntry): Undo {
  const { engine } = s.pipeline;
  const pre = engine.pre;
  const t = p.type;
  if (t.case === "multicastGroupEntry") {
    const id = t.value.multicastGroupId;
    const what = `multicast group ${id}`;
    if (id === 0) throw invalidArgument("multicast group id 0 is invalid");
    const old = pre.group(id)?.map((r) => ({ ...r }));
    const key = `mc:${id}`;
    const oldField = s.replicaField.get(key);
    const restore = () => {
      if (old) pre.setGroup(id, old);
      else if (pre.group(id)) pre.deleteGroup(id);
      if (oldField) s.replicaField.set(key, oldField);
      else s.replicaField.delete(key);
    };
    if (type === Update_Type.DELETE) {
      if (!old) throw notFound(`${what} does not exist`);
      pre.deleteGroup(id);
      s.replicaField.delete(key);
      return restore;
    }
    if (type === Update_Type.INSERT && old) throw alreadyExists(`${what} already exists`);
    if (type === Update_Type.MODIFY && !old) throw notFound(`${what} does not exist`);
    if (type !== Update_Type.INSERT && type !== Update_Type.MODIFY)
      throw invalidArgument(`unknown update type ${type}`);
    const { replicas, field } = replicasOf(t.value.replicas, what);
    engineCall(() => engine.setMulticastGroup(id, replicas));
    s.replicaField.set(key, field);
    return restore;
  }
  if (t.case === "cloneSessionEntry") {
    const v = t.value;
    const id = v.sessionId;
    const what = `clone session ${id}`;
    const old = pre.session(id);
    const saved = old ? { ...old, replicas: old.replicas.map((r) => ({ ...r })) } : undefined;
    const key = `cs:${id}`;
    const oldField = s.replicaField.get(key);
    const oldCos = s.cloneClassOfService.get(id);
    const restore = () => {
      if (saved) pre.setSession(id, saved);
      else if (pre.session(id)) pre.deleteSession(id);
      if (oldField) s.replicaField.set(key, oldField);
      else s.replicaField.delete(key);
      if (oldCos !== undefined) s.cloneClassOfService.set(id, oldCos);
      else s.cloneClassOfService.delete(id);
    };
    if (type === Update_Type.DELETE) {
      if (!old) throw notFound(`${what} does not exist`);
      pre.deleteSession(id);
      s.replicaField.delete(key);
      s.cloneClassOfService.delete(id);
      return restore;
    }
    if (type === Update_Type.INSERT && old) throw alreadyExists(`${what} already exists`);
    if (type === Update_Type.MODIFY && !old) throw notFound(`${what} does not exist`);
    if (type !== Update_Type.INSERT && type !== Update_Type.MODIFY)
      throw invalidArgument(`unknown update type ${type}`);
    if (v.packetLengthBytes < 0) throw invalidArgument(`${what}: negative packet_length_bytes`);
    const { replicas, field } = replicasOf(v.replicas, what);
    engineCall(() => engine.setCloneSession(id, { replicas, truncateLength: v.packetLengthBytes }));
    s.replicaField.set(key, field);
    s.cloneClassOfService.set(id, v.classOfService);
    return restore;
  }
  throw invalidArgument("packet replication engine entry without a multicast group or clone session");
}

// --- externs ------------------------------------------------------------------------------------

function onlyModify(type: Update_Type, what: string): void {
  if (type !== Update_Type.MODIFY)
    throw invalidArgument(`${what} can only be modified (MODIFY), not inserted or deleted`);
}

function indices(a: ArrayInfo, index: { index: bigint } | undefined, what: string): number[] {
  if (index === undefined) return Array.from({ length: a.size }, (_, i) => i);
  const i = index.index;
  if (i < 0n || i >= BigInt(a.size))
    throw outOfRange(`${what} ${a.name}: index ${i} not in 0..${a.size - 1}`);
  return [Number(i)];
}

function registerValue(a: ArrayInfo, d: P4Data | undefined): bigint {
  if (d?.data.case !== "bitstring") throw invalidArgument(`register ${a.name}: data must be a bitstring`);
  return readBits(d.data.value, a.width, `register ${a.name}`);
}

function writeRegister(s: PipelineState, type: Update_Type, r: RegisterEntry): Undo {
  onlyModify(type, "a register");
  const a = s.pipeline.map.registers.get(r.registerId);
  if (!a) throw notFound(`unknown register id ${r.registerId}`);
  const value = registerValue(a, r.data);
  const engine = s.pipeline.engine;
  const cells = indices(a, r.index, "register");
  const old = cells.map((i) => engine.registerRead(a.name, i));
  for (const i of cells) engine.registerWrite(a.name, i, value);
  return () => {
    cells.forEach((i, k) => {
      engine.registerWrite(a.name, i, old[k]!);
    });
  };
}

function writeCounter(s: PipelineState, type: Update_Type, c: CounterEntry): Undo {
  onlyModify(type, "a counter");
  const a = s.pipeline.map.counters.get(c.counterId);
  if (!a) throw notFound(`unknown counter id ${c.counterId}`);
  const value = c.data ? counterValue(c.data) : { packets: 0, bytes: 0 };
  const engine = s.pipeline.engine;
  const cells = indices(a, c.index, "counter");
  const old = cells.map((i) => engine.counterRead(a.name, i));
  for (const i of cells) engine.counterWrite(a.name, i, value);
  return () => {
    cells.forEach((i, k) => {
      engine.counterWrite(a.name, i, old[k]!);
    });
  };
}

function writeDirectCounter(s: PipelineState, type: Update_Type, d: DirectCounterEntry): Undo {
  onlyModify(type, "a direct counter");
  if (!d.tableEntry) throw invalidArgument("direct counter entry without table_entry");
  const t = tableOf(s.pipeline.map, d.tableEntry.tableId);
  if (t.directCounterId === undefined) throw invalidArgument(`table ${t.name} has no direct counter`);
  const key = decodeKey(t, d.tableEntry);
  const e = t.engine.find(key.match, key.priority);
  if (!e) throw notFound(`table ${t.name}: no such entry`);
  const value = d.data ? counterValue(d.data) : { packets: 0, bytes: 0 };
  const old = { packets: e.packets, bytes: e.bytes };
  const engine = s.pipeline.engine;
  engine.directCounterWrite(t.name, e.handle, value);
  return () => {
    if (t.engine.entries.get(e.handle) === e) engine.directCounterWrite(t.name, e.handle, old);
  };
}

function writeMeter(s: PipelineState, type: Update_Type, m: MeterEntry): Undo {
  onlyModify(type, "a meter");
  const a = s.pipeline.map.meters.get(m.meterId);
  if (!a) throw notFound(`unknown meter id ${m.meterId}`);
  const cfg = meterConfig(m.config);
  const engine = s.pipeline.engine;
  const cells = indices(a, m.index, "meter");
  const old = cells.map((i) => engine.meterRead(a.name, i));
  for (const i of cells) engineCall(() => engine.meterSet(a.name, i, cfg));
  return () => {
    cells.forEach((i, k) => {
      engine.meterSet(a.name, i, old[k]);
    });
  };
}

function writeDigest(s: PipelineState, type: Update_Type, d: DigestEntry): Undo {
  const info = s.pipeline.map.digests.get(d.digestId);
  if (!info) throw notFound(`unknown digest id ${d.digestId}`);
  const old = s.digestConfig.get(d.digestId);
  const restore = () => {
    if (old) s.digestConfig.set(d.digestId, old);
    else s.digestConfig.delete(d.digestId);
  };
  if (type === Update_Type.DELETE) {
    if (!old) throw notFound(`digest ${info.name} is not configured`);
    s.digestConfig.delete(d.digestId);
    return restore;
  }
  if (type === Update_Type.INSERT && old) throw alreadyExists(`digest ${info.name} is already configured`);
  if (type === Update_Type.MODIFY && !old) throw notFound(`digest ${info.name} is not configured`);
  if (type !== Update_Type.INSERT && type !== Update_Type.MODIFY)
    throw invalidArgument(`unknown update type ${type}`);
  const c = d.config;
  if (!c) throw invalidArgument(`digest ${info.name}: config is required`);
  if (c.maxTimeoutNs < 0n || c.maxListSize < 0 || c.ackTimeoutNs < 0n) {
    throw invalidArgument(`digest ${info.name}: negative config value`);
  }
  s.digestConfig.set(d.digestId, {
    maxTimeoutNs: c.maxTimeoutNs,
    maxListSize: c.maxListSize,
    ackTimeoutNs: c.ackTimeoutNs,
  });
  return restore;
}
