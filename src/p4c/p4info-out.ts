// P4Info model → the generated protobuf-es message, its binary encoding and its text format
// (the layout p4c writes with --p4runtime-files x.p4info.txtpb).
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  ActionRef_Scope,
  CounterSpec_Unit,
  MatchField_MatchType,
  MeterSpec_Unit,
  type P4Info as P4InfoMsg,
  P4InfoSchema,
  Table_IdleTimeoutBehavior,
} from "../p4runtime/gen/p4/config/v1/p4info_pb.js";
import type { P4DataTypeSpecSchema } from "../p4runtime/gen/p4/config/v1/p4types_pb.js";
import { formatP4InfoText } from "../p4runtime/p4info-text.js";
import type { DataTypeSpec, P4Info, Preamble } from "./p4info.js";

type DataTypeInit = MessageInitShape<typeof P4DataTypeSpecSchema>;

function dataType(t: DataTypeSpec): DataTypeInit {
  if ("bool" in t) return { typeSpec: { case: "bool", value: {} } };
  if ("struct" in t) return { typeSpec: { case: "struct", value: { name: t.struct.name } } };
  if ("header" in t) return { typeSpec: { case: "header", value: { name: t.header.name } } };
  const bs = t.bitstring;
  return {
    typeSpec: {
      case: "bitstring",
      value:
        "bit" in bs
          ? { typeSpec: { case: "bit", value: { bitwidth: bs.bit.bitwidth } } }
          : { typeSpec: { case: "int", value: { bitwidth: bs.int.bitwidth } } },
    },
  };
}

const pre = (p: Preamble) => ({ id: p.id, name: p.name, alias: p.alias, annotations: p.annotations ?? [] });

export function toP4InfoMessage(info: P4Info): P4InfoMsg {
  return create(P4InfoSchema, {
    pkgInfo: { arch: info.pkgInfo.arch, name: info.pkgInfo.name ?? "" },
    tables: info.tables.map((t) => ({
      preamble: pre(t.preamble),
      matchFields: t.matchFields.map((m) => ({
        id: m.id,
        name: m.name,
        bitwidth: m.bitwidth,
        match: { case: "matchType" as const, value: MatchField_MatchType[m.matchType] },
      })),
      actionRefs: t.actionRefs.map((a) => ({
        id: a.id,
        scope: ActionRef_Scope[a.scope],
        annotations:
          a.scope === "DEFAULT_ONLY" ? ["@defaultonly"] : a.scope === "TABLE_ONLY" ? ["@tableonly"] : [],
      })),
      constDefaultActionId: t.constDefaultActionId,
      directResourceIds: t.directResourceIds,
      size: BigInt(t.size),
      idleTimeoutBehavior: Table_IdleTimeoutBehavior[t.idleTimeoutBehavior],
      isConstTable: t.isConstTable,
    })),
    actions: info.actions.map((a) => ({
      preamble: pre(a.preamble),
      params: a.params.map((p) => ({ id: p.id, name: p.name, bitwidth: p.bitwidth })),
    })),
    counters: info.counters.map((c) => ({
      preamble: pre(c.preamble),
      spec: { unit: CounterSpec_Unit[c.spec.unit] },
      size: BigInt(c.size),
    })),
    directCounters: info.directCounters.map((c) => ({
      preamble: pre(c.preamble),
      spec: { unit: CounterSpec_Unit[c.spec.unit] },
      directTableId: c.directTableId,
    })),
    meters: info.meters.map((m) => ({
      preamble: pre(m.preamble),
      spec: { unit: MeterSpec_Unit[m.spec.unit] },
      size: BigInt(m.size),
    })),
    directMeters: info.directMeters.map((m) => ({
      preamble: pre(m.preamble),
      spec: { unit: MeterSpec_Unit[m.spec.unit] },
      directTableId: m.directTableId,
    })),
    controllerPacketMetadata: info.controllerPacketMetadata.map((c) => ({
      preamble: pre(c.preamble),
      metadata: c.metadata,
    })),
    registers: info.registers.map((r) => ({
      preamble: pre(r.preamble),
      typeSpec: dataType(r.typeSpec),
      size: r.size,
    })),
    digests: info.digests.map((d) => ({ preamble: pre(d.preamble), typeSpec: dataType(d.typeSpec) })),
    typeInfo: info.typeInfo
      ? {
          structs: Object.fromEntries(
            Object.entries(info.typeInfo.structs).map(([n, s]) => [
              n,
              { members: s.members.map((m) => ({ name: m.name, typeSpec: dataType(m.typeSpec) })) },
            ]),
          ),
          headers: Object.fromEntries(
            Object.entries(info.typeInfo.headers).map(([n, h]) => [
              n,
              {
                members: h.members.map((m) => ({
                  name: m.name,
                  typeSpec: {
                    typeSpec: {
                      case: "bit" as const,
                      value: { bitwidth: m.typeSpec.bitstring.bit.bitwidth },
                    },
                  },
                })),
              },
            ]),
          ),
        }
      : undefined,
  });
}

export function p4infoBinary(info: P4Info): Uint8Array {
  return toBinary(P4InfoSchema, toP4InfoMessage(info));
}

export function p4infoText(info: P4Info): string {
  return formatP4InfoText(toP4InfoMessage(info));
}
