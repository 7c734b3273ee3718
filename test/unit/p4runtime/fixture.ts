// A non-trivial P4Info shared by the p4runtime tests: every match kind, action
// scopes, an indirect table, counters, meters, a register and a digest with
// type_info, controller packet metadata, serializable enums with raw bytes and
// strings that need escaping.
import { create } from "@bufbuild/protobuf";
import {
  ActionRef_Scope,
  CounterSpec_Unit,
  MatchField_MatchType,
  MeterSpec_Unit,
  type P4Info,
  P4InfoSchema,
  Table_IdleTimeoutBehavior,
} from "../../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";

const pre = (id: number, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  name,
  alias: name.split(".").pop()!,
  ...extra,
});
const bit = (bitwidth: number) => ({
  typeSpec: {
    case: "bitstring" as const,
    value: { typeSpec: { case: "bit" as const, value: { bitwidth } } },
  },
});

export const IDS = {
  ipv4Lpm: 0x02000001,
  acl: 0x02000002,
  ecmp: 0x02000003,
  forward: 0x01000001,
  drop: 0x01000002,
  setPort: 0x01000003,
  noAction: 0x01000004,
  profile: 0x11000001,
  counter: 0x12000001,
  directCounter: 0x13000001,
  meter: 0x14000001,
  register: 0x16000001,
  digest: 0x17000001,
  packetIn: 0x04000001,
  packetOut: 0x04000002,
};

export function sampleP4Info(): P4Info {
  return create(P4InfoSchema, {
    pkgInfo: {
      name: "paxos.p4",
      version: "1.0",
      arch: "v1model",
      doc: { brief: 'Paxos "in" the switch', description: "line one\nline two\ttabbed \\ é" },
    },
    tables: [
      {
        preamble: pre(IDS.ipv4Lpm, "MyIngress.ipv4_lpm", { annotations: ['@name("ipv4_lpm")'] }),
        matchFields: [
          {
            id: 1,
            name: "hdr.ipv4.dstAddr",
            bitwidth: 32,
            match: { case: "matchType", value: MatchField_MatchType.LPM },
          },
        ],
        actionRefs: [
          { id: IDS.forward },
          { id: IDS.drop },
          { id: IDS.noAction, annotations: ["@defaultonly"], scope: ActionRef_Scope.DEFAULT_ONLY },
        ],
        size: 1024n,
        idleTimeoutBehavior: Table_IdleTimeoutBehavior.NOTIFY_CONTROL,
        directResourceIds: [IDS.directCounter],
      },
      {
        preamble: pre(IDS.acl, "MyIngress.acl"),
        matchFields: [
          {
            id: 1,
            name: "hdr.ethernet.srcAddr",
            bitwidth: 48,
            match: { case: "matchType", value: MatchField_MatchType.TERNARY },
          },
          {
            id: 2,
            name: "hdr.udp.dstPort",
            bitwidth: 16,
            match: { case: "matchType", value: MatchField_MatchType.RANGE },
          },
          {
            id: 3,
            name: "standard_metadata.ingress_port",
            bitwidth: 9,
            match: { case: "matchType", value: MatchField_MatchType.OPTIONAL },
          },
          {
            id: 4,
            name: "hdr.paxos.msgtype",
            bitwidth: 8,
            match: { case: "matchType", value: MatchField_MatchType.EXACT },
          },
        ],
        actionRefs: [
          { id: IDS.setPort },
          { id: IDS.drop, scope: ActionRef_Scope.TABLE_ONLY },
          { id: IDS.noAction },
        ],
        constDefaultActionId: IDS.noAction,
        size: 64n,
      },
      {
        preamble: pre(IDS.ecmp, "MyIngress.ecmp"),
        matchFields: [
          {
            id: 1,
            name: "meta.group",
            bitwidth: 16,
            match: { case: "matchType", value: MatchField_MatchType.EXACT },
          },
        ],
        actionRefs: [{ id: IDS.setPort }],
        implementationId: IDS.profile,
        size: 16n,
      },
    ],
    actions: [
      {
        preamble: pre(IDS.forward, "MyIngress.forward"),
        params: [
          { id: 1, name: "dstAddr", bitwidth: 48 },
          { id: 2, name: "port", bitwidth: 9 },
        ],
      },
      { preamble: pre(IDS.drop, "MyIngress.drop") },
      { preamble: pre(IDS.setPort, "MyIngress.set_port"), params: [{ id: 1, name: "port", bitwidth: 9 }] },
      { preamble: pre(IDS.noAction, "NoAction", { annotations: ['@noWarn("unused")'] }) },
    ],
    actionProfiles: [
      {
        preamble: pre(IDS.profile, "MyIngress.ecmp_profile"),
        tableIds: [IDS.ecmp],
        withSelector: true,
        size: 128n,
        maxGroupSize: 8,
        selectorSizeSemantics: { case: "sumOfWeights", value: {} },
      },
    ],
    counters: [
      { preamble: pre(IDS.counter, "MyIngress.rx"), spec: { unit: CounterSpec_Unit.BOTH }, size: 512n },
    ],
    directCounters: [
      {
        preamble: pre(IDS.directCounter, "MyIngress.lpm_hits"),
        spec: { unit: CounterSpec_Unit.PACKETS },
        directTableId: IDS.ipv4Lpm,
      },
    ],
    meters: [{ preamble: pre(IDS.meter, "MyIngress.rate"), spec: { unit: MeterSpec_Unit.BYTES }, size: 4n }],
    controllerPacketMetadata: [
      {
        preamble: pre(IDS.packetIn, "packet_in", { annotations: ['@controller_header("packet_in")'] }),
        metadata: [
          { id: 1, name: "ingress_port", bitwidth: 9 },
          { id: 2, name: "reason", bitwidth: 7 },
        ],
      },
      {
        preamble: pre(IDS.packetOut, "packet_out", { annotations: ['@controller_header("packet_out")'] }),
        metadata: [{ id: 1, name: "egress_port", bitwidth: 9 }],
      },
    ],
    registers: [{ preamble: pre(IDS.register, "MyIngress.rounds"), typeSpec: bit(32), size: 65536 }],
    digests: [
      {
        preamble: pre(IDS.digest, "learn_t"),
        typeSpec: { typeSpec: { case: "struct", value: { name: "learn_t" } } },
      },
    ],
    typeInfo: {
      structs: {
        learn_t: {
          members: [
            { name: "srcAddr", typeSpec: bit(48) },
            { name: "port", typeSpec: bit(9) },
            {
              name: "delta",
              typeSpec: {
                typeSpec: { case: "bitstring", value: { typeSpec: { case: "int", value: { bitwidth: 8 } } } },
              },
            },
            { name: "ok", typeSpec: { typeSpec: { case: "bool", value: {} } } },
          ],
        },
        a_first: { members: [] },
      },
      serializableEnums: {
        MsgType: {
          underlyingType: { bitwidth: 8 },
          members: [
            { name: "PHASE1A", value: new Uint8Array([0x00]) },
            { name: "WEIRD", value: new Uint8Array([0x0a, 0x22, 0x5c, 0x27, 0xff, 0x7f]) },
          ],
        },
      },
      error: { members: ["NoError", "PacketTooShort"] },
    },
  });
}
