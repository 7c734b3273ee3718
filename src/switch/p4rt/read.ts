// Read of P4Runtime entities with the specification's wildcards: id 0 means every object of the
// kind, an empty match every entry of a table, an absent index every cell. Values are canonical.
import { create } from "@bufbuild/protobuf";
import { buildReplica } from "../../p4runtime/entities.js";
import {
  type CounterEntry,
  type DigestEntry,
  type DirectCounterEntry,
  type Entity,
  EntitySchema,
  type MeterEntry,
  type PacketReplicationEngineEntry,
  type RegisterEntry,
  type TableEntry,
  TableEntrySchema,
} from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import type { Entry } from "../tables/table.js";
import { writeBits } from "./bits.js";
import { invalidArgument, notFound, outOfRange, unimplemented } from "./errors.js";
import type { ArrayInfo, TableInfo } from "./mapping.js";
import type { PipelineState } from "./state.js";
import { decodeKey, encodeAction, encodeKey, p4rtPriority, tableOf } from "./table-entry.js";

const entity = (e: Entity["entity"]): Entity => create(EntitySchema, { entity: e });

/** All entities matching the (possibly wildcard) request entity. */
export function readEntity(s: PipelineState, e: Entity): Entity[] {
  const x = e.entity;
  switch (x.case) {
    case "tableEntry":
      return readTables(s, x.value).map((value) => entity({ case: "tableEntry", value }));
    case "packetReplicationEngineEntry":
      return readPre(s, x.value).map((value) => entity({ case: "packetReplicationEngineEntry", value }));
    case "registerEntry":
      return readRegisters(s, x.value).map((value) => entity({ case: "registerEntry", value }));
    case "counterEntry":
      return readCounters(s, x.value).map((value) => entity({ case: "counterEntry", value }));
    case "directCounterEntry":
      return readDirectCounters(s, x.value).map((value) => entity({ case: "directCounterEntry", value }));
    case "meterEntry":
      return readMeters(s, x.value).map((value) => entity({ case: "meterEntry", value }));
    case "digestEntry":
      return readDigests(s, x.value).map((value) => entity({ case: "digestEntry", value }));
    case undefined:
      throw invalidArgument("read request entity is empty");
    default:
      throw unimplemented(`reading ${x.case} is not supported by this switch`);
  }
}

// --- tables -----------------------------------------------------------------------------------

function tablesOf(s: PipelineState, tableId: number): TableInfo[] {
  return tableId === 0 ? [...s.pipeline.map.tables.values()] : [tableOf(s.pipeline.map, tableId)];
}

function renderEntry(s: PipelineState, t: TableInfo, e: Entry, withCounter: boolean): TableEntry {
  const x = s.extras.get(t.name)?.get(e.handle);
  return create(TableEntrySchema, {
    tableId: t.id,
    match: encodeKey(t, e.match),
    action: encodeAction(s.pipeline.map, e.action.name, e.params),
    priority: p4rtPriority(t, e.priority),
    metadata: x?.metadata,
    controllerMetadata: x?.controllerMetadata,
    idleTimeoutNs: x?.idleTimeoutNs,
    counterData:
      withCounter && t.directCounterId !== undefined
        ? { packetCount: BigInt(e.packets), byteCount: BigInt(e.bytes) }
        : undefined,
    const: t.isConst,
  });
}

function renderDefault(s: PipelineState, t: TableInfo): TableEntry {
  const d = t.engine.default;
  return create(TableEntrySchema, {
    tableId: t.id,
    isDefaultAction: true,
    action: encodeAction(s.pipeline.map, d.action.name, d.params),
    const: t.constDefaultActionId !== 0 || d.entryConst,
  });
}

/** Entries of a table selected by a request entry's match (empty: all) and priority (0: any). */
function selectEntries(t: TableInfo, req: TableEntry): Entry[] {
  if (req.match.length === 0) {
    const all = [...t.engine.entries.values()];
    return req.priority === 0 ? all : all.filter((e) => p4rtPriority(t, e.priority) === req.priority);
  }
  const key = decodeKey(t, req);
  const e = t.engine.find(key.match, key.priority);
  return e ? [e] : [];
}

function readTables(s: PipelineState, req: TableEntry): TableEntry[] {
  const out: TableEntry[] = [];
  const withCounter = req.counterData !== undefined;
  for (const t of tablesOf(s, req.tableId)) {
    if (req.isDefaultAction) {
      if (req.match.length > 0) throw invalidArgument("a default-entry read has no match");
      out.push(renderDefault(s, t));
      continue;
    }
    for (const e of selectEntries(t, req)) out.push(renderEntry(s, t, e, withCounter));
  }
  return out;
}

function readDirectCounters(s: PipelineState, req: DirectCounterEntry): DirectCounterEntry[] {
  const te = req.tableEntry ?? create(TableEntrySchema, {});
  const tables = tablesOf(s, te.tableId).filter((t) => t.directCounterId !== undefined);
  if (te.tableId !== 0 && tables.length === 0)
    throw invalidArgument(`table ${te.tableId} has no direct counter`);
  const out: DirectCounterEntry[] = [];
  for (const t of tables) {
    for (const e of selectEntries(t, te)) {
      out.push({
        $typeName: "p4.v1.DirectCounterEntry",
        tableEntry: create(TableEntrySchema, {
          tableId: t.id,
          match: encodeKey(t, e.match),
          priority: p4rtPriority(t, e.priority),
        }),
        data: { $typeName: "p4.v1.CounterData", packetCount: BigInt(e.packets), byteCount: BigInt(e.bytes) },
      });
    }
  }
  return out;
}

// --- packet replication engine ----------------------------------------------------------------

function readPre(s: PipelineState, req: PacketReplicationEngineEntry): PacketReplicationEngineEntry[] {
  const pre = s.pipeline.engine.pre;
  const t = req.type;
  const mk = (type: PacketReplicationEngineEntry["type"]): PacketReplicationEngineEntry => ({
    $typeName: "p4.v1.PacketReplicationEngineEntry",
    type,
  });
  if (t.case === "multicastGroupEntry") {
    const id = t.value.multicastGroupId;
    const groups = pre.allGroups().filter((g) => id === 0 || g.id === id);
    return groups
      .sort((a, b) => a.id - b.id)
      .map((g) => {
        const field = s.replicaField.get(`mc:${g.id}`);
        return mk({
          case: "multicastGroupEntry",
          value: {
            $typeName: "p4.v1.MulticastGroupEntry",
            multicastGroupId: g.id,
            replicas: g.replicas.map((r) => buildReplica({ port: r.port, instance: r.rid }, field)),
          },
        });
      });
  }
  if (t.case === "cloneSessionEntry") {
    const id = t.value.sessionId;
    const sessions = pre.allSessions().filter((c) => id === 0 || c.id === id);
    return sessions
      .sort((a, b) => a.id - b.id)
      .map((c) => {
        const field = s.replicaField.get(`cs:${c.id}`);
        return mk({
          case: "cloneSessionEntry",
          value: {
            $typeName: "p4.v1.CloneSessionEntry",
            sessionId: c.id,
            replicas: c.replicas.map((r) => buildReplica({ port: r.port, instance: r.rid }, field)),
            classOfService: s.cloneClassOfService.get(c.id) ?? 0,
            packetLengthBytes: c.truncateLength ?? 0,
          },
        });
      });
  }
  // An empty PRE entry reads everything.
  return [
    ...readPre(s, {
      ...req,
      type: {
        case: "multicastGroupEntry",
        value: { $typeName: "p4.v1.MulticastGroupEntry", multicastGroupId: 0, replicas: [] },
      },
    }),
    ...readPre(s, {
      ...req,
      type: {
        case: "cloneSessionEntry",
        value: {
          $typeName: "p4.v1.CloneSessionEntry",
          sessionId: 0,
          replicas: [],
          classOfService: 0,
          packetLengthBytes: 0,
        },
      },
    }),
  ];
}

// --- externs -----------------------------------------------------------------------------------

function arraysOf(all: Map<number, ArrayInfo>, id: number, what: string): ArrayInfo[] {
  if (id === 0) return [...all.values()];
  const a = all.get(id);
  if (!a) throw notFound(`unknown ${what} id ${id}`);
  return [a];
}

function cellsOf(a: ArrayInfo, index: { index: bigint } | undefined, what: string): number[] {
  if (index === undefined) return Array.from({ length: a.size }, (_, i) => i);
  const i = index.index;
  if (i < 0n || i >= BigInt(a.size))
    throw outOfRange(`${what} ${a.name}: index ${i} not in 0..${a.size - 1}`);
  return [Number(i)];
}

function readRegisters(s: PipelineState, req: RegisterEntry): RegisterEntry[] {
  const engine = s.pipeline.engine;
  const out: RegisterEntry[] = [];
  for (const a of arraysOf(s.pipeline.map.registers, req.registerId, "register")) {
    for (const i of cellsOf(a, req.registerId === 0 ? undefined : req.index, "register")) {
      out.push({
        $typeName: "p4.v1.RegisterEntry",
        registerId: a.id,
        index: { $typeName: "p4.v1.Index", index: BigInt(i) },
        data: {
          $typeName: "p4.v1.P4Data",
          data: { case: "bitstring", value: writeBits(engine.registerRead(a.name, i), a.width) },
        },
      });
    }
  }
  return out;
}

function readCounters(s: PipelineState, req: CounterEntry): CounterEntry[] {
  const engine = s.pipeline.engine;
  const out: CounterEntry[] = [];
  for (const a of arraysOf(s.pipeline.map.counters, req.counterId, "counter")) {
    for (const i of cellsOf(a, req.counterId === 0 ? undefined : req.index, "counter")) {
      const v = engine.counterRead(a.name, i);
      out.push({
        $typeName: "p4.v1.CounterEntry",
        counterId: a.id,
        index: { $typeName: "p4.v1.Index", index: BigInt(i) },
        data: { $typeName: "p4.v1.CounterData", packetCount: BigInt(v.packets), byteCount: BigInt(v.bytes) },
      });
    }
  }
  return out;
}

function readMeters(s: PipelineState, req: MeterEntry): MeterEntry[] {
  const engine = s.pipeline.engine;
  const out: MeterEntry[] = [];
  for (const a of arraysOf(s.pipeline.map.meters, req.meterId, "meter")) {
    for (const i of cellsOf(a, req.meterId === 0 ? undefined : req.index, "meter")) {
      const c = engine.meterRead(a.name, i);
      out.push({
        $typeName: "p4.v1.MeterEntry",
        meterId: a.id,
        index: { $typeName: "p4.v1.Index", index: BigInt(i) },
        config: c
          ? {
              $typeName: "p4.v1.MeterConfig",
              cir: BigInt(Math.round(c.cir)),
              cburst: BigInt(Math.round(c.cburst)),
              pir: BigInt(Math.round(c.pir)),
              pburst: BigInt(Math.round(c.pburst)),
            }
          : undefined,
      });
    }
  }
  return out;
}

function readDigests(s: PipelineState, req: DigestEntry): DigestEntry[] {
  const map = s.pipeline.map;
  if (req.digestId !== 0 && !map.digests.has(req.digestId))
    throw notFound(`unknown digest id ${req.digestId}`);
  const out: DigestEntry[] = [];
  for (const [id, c] of [...s.digestConfig].sort((a, b) => a[0] - b[0])) {
    if (req.digestId !== 0 && id !== req.digestId) continue;
    out.push({
      $typeName: "p4.v1.DigestEntry",
      digestId: id,
      config: { $typeName: "p4.v1.DigestEntry.Config", ...c },
    });
  }
  return out;
}
