// Builders for the non-table entities a Paxos controller programs (multicast
// groups and clone sessions of the packet replication engine, registers,
// counters, digests) and for Read wildcards, plus the server-side view of a
// Replica's port, which may come in either of its two encodings.
import { create } from "@bufbuild/protobuf";
import { decodeUnsigned, encodeUnsigned } from "./bytes.js";
import type { P4Data } from "./gen/p4/v1/p4data_pb.js";
import { P4DataSchema } from "./gen/p4/v1/p4data_pb.js";
import {
  type Entity,
  EntitySchema,
  type Replica,
  ReplicaSchema,
  type Update,
  type Update_Type,
  UpdateSchema,
} from "./gen/p4/v1/p4runtime_pb.js";

/** One copy of a replicated packet: egress port and instance (rid). */
export interface ReplicaSpec {
  port: number;
  instance?: number;
}

/**
 * How Replica ports are written. "egress_port" (the deprecated uint32 field)
 * is what every BMv2/PI release understands; "port" (canonical bytes) is the
 * P4Runtime 1.4+ form. Servers should accept both (see replicaPort).
 */
export type ReplicaPortField = "egress_port" | "port";

/** Port numbers travel as 32-bit SDN port values. */
const PORT_BITS = 32;

export function buildReplica(r: ReplicaSpec, field: ReplicaPortField = "egress_port"): Replica {
  if (!Number.isInteger(r.port) || r.port < 0 || r.port > 0xffffffff) {
    throw new RangeError(`invalid replica port ${r.port}`);
  }
  return create(ReplicaSchema, {
    instance: r.instance ?? 0,
    portKind:
      field === "port"
        ? { case: "port", value: encodeUnsigned(r.port, PORT_BITS) }
        : { case: "egressPort", value: r.port },
  });
}

/** The port of a replica in either encoding; undefined if unset or not a 32-bit value. */
export function replicaPort(r: Replica): number | undefined {
  const k = r.portKind;
  if (k.case === "egressPort") return k.value;
  if (k.case === "port") {
    try {
      return Number(decodeUnsigned(k.value, PORT_BITS));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function multicastGroupEntity(
  groupId: number,
  replicas: readonly ReplicaSpec[],
  field: ReplicaPortField = "egress_port",
): Entity {
  return create(EntitySchema, {
    entity: {
      case: "packetReplicationEngineEntry",
      value: {
        type: {
          case: "multicastGroupEntry",
          value: { multicastGroupId: groupId, replicas: replicas.map((r) => buildReplica(r, field)) },
        },
      },
    },
  });
}

export function cloneSessionEntity(
  sessionId: number,
  replicas: readonly ReplicaSpec[],
  opts: { classOfService?: number; packetLengthBytes?: number; field?: ReplicaPortField } = {},
): Entity {
  return create(EntitySchema, {
    entity: {
      case: "packetReplicationEngineEntry",
      value: {
        type: {
          case: "cloneSessionEntry",
          value: {
            sessionId,
            replicas: replicas.map((r) => buildReplica(r, opts.field)),
            classOfService: opts.classOfService ?? 0,
            packetLengthBytes: opts.packetLengthBytes ?? 0,
          },
        },
      },
    },
  });
}

/** A bit<W> value as P4Data (register cells, digest members). */
export function bitstringData(value: bigint | number, bitwidth: number): P4Data {
  return create(P4DataSchema, { data: { case: "bitstring", value: encodeUnsigned(value, bitwidth) } });
}

/** A register cell (index given) or all cells (index omitted, for Read). */
export function registerEntity(registerId: number, index?: number | bigint, data?: P4Data): Entity {
  return create(EntitySchema, {
    entity: {
      case: "registerEntry",
      value: { registerId, index: index === undefined ? undefined : { index: BigInt(index) }, data },
    },
  });
}

/** A counter cell (index given) or all cells (index omitted, for Read). */
export function counterEntity(counterId: number, index?: number | bigint): Entity {
  return create(EntitySchema, {
    entity: {
      case: "counterEntry",
      value: { counterId, index: index === undefined ? undefined : { index: BigInt(index) } },
    },
  });
}

/** Digest configuration (write with MODIFY/INSERT) or a digest read (config omitted). */
export function digestEntity(
  digestId: number,
  config?: { maxTimeoutNs?: bigint; maxListSize?: number; ackTimeoutNs?: bigint },
): Entity {
  return create(EntitySchema, {
    entity: {
      case: "digestEntry",
      value: {
        digestId,
        config:
          config === undefined
            ? undefined
            : {
                maxTimeoutNs: config.maxTimeoutNs ?? 0n,
                maxListSize: config.maxListSize ?? 0,
                ackTimeoutNs: config.ackTimeoutNs ?? 0n,
              },
      },
    },
  });
}

/** Read wildcard for the entries of one table, or of all tables with tableId 0. */
export function tableWildcard(tableId = 0): Entity {
  return create(EntitySchema, { entity: { case: "tableEntry", value: { tableId } } });
}

/** Read wildcard for all multicast groups. */
export function multicastWildcard(): Entity {
  return multicastGroupEntity(0, []);
}

export function update(type: Update_Type, entity: Entity): Update {
  return create(UpdateSchema, { type, entity });
}
