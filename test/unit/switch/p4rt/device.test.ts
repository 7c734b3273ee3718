// Device: entity writes with the specification's validity rules, rollback, reads, packet I/O,
// and pipeline reconfiguration — without gRPC.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { multicastGroupEntity, registerEntity, update } from "../../../../src/p4runtime/entities.js";
import { Code } from "../../../../src/p4runtime/gen/google/rpc/code_pb.js";
import {
  SetForwardingPipelineConfigRequest_Action as Action,
  EntitySchema,
  type PacketIn,
  PacketOutSchema,
  type TableEntry,
  TableEntrySchema,
  Update_Type,
  WriteRequest_Atomicity,
} from "../../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { Device } from "../../../../src/switch/p4rt/device.js";
import { P4rtError } from "../../../../src/switch/p4rt/errors.js";
import { CPU_PORT, config, device, frame, idx, jsonCopy, write } from "./helpers.js";

type TableEntryInit = Exclude<MessageInitShape<typeof TableEntrySchema>, TableEntry>;

const dmacId = idx.table("MyIngress.dmac").preamble!.id;
const aclId = idx.table("MyIngress.acl").preamble!.id;
const dropId = idx.action("MyIngress.drop").preamble!.id;

const tableUpdate = (type: Update_Type, te: TableEntryInit) =>
  update(type, create(EntitySchema, { entity: { case: "tableEntry", value: create(TableEntrySchema, te) } }));

const aclEntry = (match: TableEntry["match"], priority = 5): TableEntryInit => ({
  tableId: aclId,
  match,
  priority,
  action: {
    $typeName: "p4.v1.TableAction",
    type: { case: "action", value: { $typeName: "p4.v1.Action", actionId: dropId, params: [] } },
  },
});

const ternary = (value: number[], mask: number[]) =>
  ({
    $typeName: "p4.v1.FieldMatch",
    fieldId: 1,
    fieldMatchType: {
      case: "ternary",
      value: {
        $typeName: "p4.v1.FieldMatch.Ternary",
        value: Uint8Array.from(value),
        mask: Uint8Array.from(mask),
      },
    },
  }) as TableEntry["match"][number];
const range = (low: number[], high: number[]) =>
  ({
    $typeName: "p4.v1.FieldMatch",
    fieldId: 2,
    fieldMatchType: {
      case: "range",
      value: { $typeName: "p4.v1.FieldMatch.Range", low: Uint8Array.from(low), high: Uint8Array.from(high) },
    },
  }) as TableEntry["match"][number];

describe("Device writes", () => {
  it("applies the match validity rules of the specification", () => {
    const { dev } = device();
    expect(
      write(dev, [
        tableUpdate(Update_Type.INSERT, aclEntry([ternary([0x08, 0x00], [0xff, 0xff])])), // ok
        tableUpdate(Update_Type.INSERT, aclEntry([ternary([0x08, 0x01], [0xff, 0x00])])), // value outside mask
        tableUpdate(Update_Type.INSERT, aclEntry([range([0], [0x01, 0xff])])), // full range: must be omitted
        tableUpdate(Update_Type.INSERT, aclEntry([range([5], [4])])), // empty range
        tableUpdate(Update_Type.INSERT, aclEntry([range([0, 1], [0, 9])], 7)), // padded, fits: ok
        tableUpdate(Update_Type.INSERT, aclEntry([range([2], [0x02, 0x00])])), // 512 does not fit bit<9>
        tableUpdate(
          Update_Type.INSERT,
          aclEntry([ternary([8, 0], [0xff, 0xff]), ternary([8, 0], [0xff, 0xff])]),
        ), // twice
        tableUpdate(Update_Type.INSERT, aclEntry([{ ...ternary([1], [1]), fieldId: 9 }])), // unknown field
        tableUpdate(Update_Type.INSERT, aclEntry([ternary([], [0xff])])), // empty bytestring
        tableUpdate(Update_Type.INSERT, { ...aclEntry([ternary([9, 0], [0xff, 0xff])]), action: undefined }), // no action
        tableUpdate(Update_Type.INSERT, { tableId: dmacId, match: [], action: aclEntry([]).action }), // exact missing
      ]),
    ).toEqual([
      Code.OK,
      Code.INVALID_ARGUMENT,
      Code.INVALID_ARGUMENT,
      Code.INVALID_ARGUMENT,
      Code.OK,
      Code.INVALID_ARGUMENT,
      Code.INVALID_ARGUMENT,
      Code.INVALID_ARGUMENT,
      Code.INVALID_ARGUMENT,
      Code.INVALID_ARGUMENT,
      Code.INVALID_ARGUMENT,
    ]);
    // Reads return canonical strings and omit wildcards.
    const read = dev.read([
      create(EntitySchema, { entity: { case: "tableEntry", value: { tableId: aclId } } }),
    ]);
    const entries = read.map((e) => e.entity.value as TableEntry);
    expect(entries.map((e) => e.priority).sort()).toEqual([5, 7]);
    const padded = entries.find((e) => e.priority === 7)!;
    expect(padded.match).toHaveLength(1);
    expect(padded.match[0]!.fieldMatchType.value).toMatchObject({
      low: Uint8Array.of(1),
      high: Uint8Array.of(9),
    });
    // Priority filter on a wildcard read.
    const p7 = dev.read([
      create(EntitySchema, { entity: { case: "tableEntry", value: { tableId: aclId, priority: 7 } } }),
    ]);
    expect(p7).toHaveLength(1);
  });

  it("refuses lpm-like explicit wildcards and enforces action scope and parameters", () => {
    const { dev } = device();
    const fwd = idx.action("MyIngress.forward").preamble!.id;
    const withParams = (params: Array<{ paramId: number; value: number[] }>) =>
      tableUpdate(Update_Type.INSERT, {
        tableId: dmacId,
        match: idx.buildTableEntry({
          table: "MyIngress.dmac",
          match: { "hdr.ethernet.dstAddr": 5 },
          action: "MyIngress.drop",
        }).match,
        action: {
          $typeName: "p4.v1.TableAction",
          type: {
            case: "action",
            value: {
              $typeName: "p4.v1.Action",
              actionId: fwd,
              params: params.map((p) => ({
                $typeName: "p4.v1.Action.Param",
                paramId: p.paramId,
                value: Uint8Array.from(p.value),
              })),
            },
          },
        },
      });
    expect(
      write(dev, [
        withParams([]), // missing param
        withParams([{ paramId: 2, value: [1] }]), // unknown param
        withParams([
          { paramId: 1, value: [1] },
          { paramId: 1, value: [1] },
        ]), // twice
        withParams([{ paramId: 1, value: [0, 0, 1] }]), // padded: ok
      ]),
    ).toEqual([Code.INVALID_ARGUMENT, Code.INVALID_ARGUMENT, Code.INVALID_ARGUMENT, Code.OK]);
    // An action of another table.
    const mirror = idx.action("MyIngress.mirror").preamble!.id;
    const r = write(dev, [
      tableUpdate(Update_Type.INSERT, {
        tableId: dmacId,
        match: idx.buildTableEntry({
          table: "MyIngress.dmac",
          match: { "hdr.ethernet.dstAddr": 6 },
          action: "MyIngress.drop",
        }).match,
        action: {
          $typeName: "p4.v1.TableAction",
          type: { case: "action", value: { $typeName: "p4.v1.Action", actionId: mirror, params: [] } },
        },
      }),
    ]);
    expect(r).toEqual([Code.INVALID_ARGUMENT]);
  });

  it("rolls back every entity kind of a failed ROLLBACK_ON_ERROR batch", () => {
    const { dev } = device();
    const regId = idx.register("MyIngress.last_type").preamble!.id;
    write(dev, [update(Update_Type.INSERT, multicastGroupEntity(3, [{ port: 1 }]))]);
    const before = JSON.stringify(dev.read([registerEntity(regId), multicastGroupEntity(0, [])]), (_, v) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    const codes = write(
      dev,
      [
        update(
          Update_Type.MODIFY,
          registerEntity(regId, undefined, {
            $typeName: "p4.v1.P4Data",
            data: { case: "bitstring", value: Uint8Array.of(7) },
          }),
        ),
        update(Update_Type.MODIFY, multicastGroupEntity(3, [{ port: 2 }, { port: 3 }])),
        update(Update_Type.INSERT, multicastGroupEntity(4, [{ port: 2 }])),
        idx.tableUpdate(Update_Type.INSERT, {
          table: "MyIngress.dmac",
          match: { "hdr.ethernet.dstAddr": 1 },
          action: "MyIngress.drop",
        }),
        idx.tableUpdate(Update_Type.MODIFY, {
          table: "MyIngress.dmac",
          isDefault: true,
          action: "MyIngress.forward",
          params: { port: 1 },
        }),
        update(Update_Type.DELETE, multicastGroupEntity(99, [])), // fails
      ],
      WriteRequest_Atomicity.DATAPLANE_ATOMIC,
    );
    expect(codes).toEqual([
      Code.ABORTED,
      Code.ABORTED,
      Code.ABORTED,
      Code.ABORTED,
      Code.ABORTED,
      Code.NOT_FOUND,
    ]);
    const after = JSON.stringify(dev.read([registerEntity(regId), multicastGroupEntity(0, [])]), (_, v) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    expect(after).toBe(before);
    expect(
      dev.read([create(EntitySchema, { entity: { case: "tableEntry", value: { tableId: dmacId } } })]),
    ).toEqual([]);
    // The default action is back to drop: an unknown destination is dropped.
    const { sent } = { sent: [] as unknown[] };
    dev.hooks.transmit = (o) => sent.push(...o);
    dev.receive(1, frame(9, 1));
    expect(sent).toEqual([]);
  });

  it("refuses writes to a const default action and MODIFY-only entities with other types", () => {
    const json = jsonCopy();
    const dmac = json.pipelines[0]!.tables.find((t) => t.name === "MyIngress.dmac")!;
    dmac.default_entry = { ...dmac.default_entry!, action_const: true, action_entry_const: true };
    const dev = new Device({ deviceId: 1n, cpuPort: CPU_PORT });
    dev.setPipeline(Action.VERIFY_AND_COMMIT, config(undefined, json));
    const regId = idx.register("MyIngress.last_type").preamble!.id;
    expect(
      write(dev, [
        idx.tableUpdate(Update_Type.MODIFY, {
          table: "MyIngress.dmac",
          isDefault: true,
          action: "MyIngress.drop",
        }),
        update(
          Update_Type.INSERT,
          registerEntity(regId, 0, {
            $typeName: "p4.v1.P4Data",
            data: { case: "bitstring", value: Uint8Array.of(7) },
          }),
        ),
        update(Update_Type.DELETE, registerEntity(regId, 0)),
      ]),
    ).toEqual([Code.PERMISSION_DENIED, Code.INVALID_ARGUMENT, Code.INVALID_ARGUMENT]);
  });
});

describe("Device const tables", () => {
  it("refuses INSERT, DELETE and action changes (PERMISSION_DENIED) and reads entries as const", () => {
    const json = jsonCopy();
    const dmac = json.pipelines[0]!.tables.find((t) => t.name === "MyIngress.dmac")!;
    const forward = json.actions.find((a) => a.name === "MyIngress.forward")!;
    dmac.entries = [
      {
        match_key: [{ match_type: "exact", key: "0x000000000002" }],
        action_entry: { action_id: forward.id, action_data: ["0x0002"] },
        priority: 1,
      },
    ];
    const dev = new Device({ deviceId: 1n, cpuPort: CPU_PORT });
    dev.setPipeline(Action.VERIFY_AND_COMMIT, config(undefined, json));
    const entry = (type: Update_Type, port: number, dst = 2) =>
      idx.tableUpdate(type, {
        table: "MyIngress.dmac",
        match: { "hdr.ethernet.dstAddr": dst },
        action: "MyIngress.forward",
        params: { port },
      });
    expect(
      write(dev, [
        entry(Update_Type.INSERT, 3, 3),
        entry(Update_Type.DELETE, 2),
        entry(Update_Type.MODIFY, 3),
        entry(Update_Type.MODIFY, 2), // same action: allowed (direct resources only)
        entry(Update_Type.MODIFY, 2, 4), // no such entry
      ]),
    ).toEqual([
      Code.PERMISSION_DENIED,
      Code.PERMISSION_DENIED,
      Code.PERMISSION_DENIED,
      Code.OK,
      Code.NOT_FOUND,
    ]);
    const read = dev.read([
      create(EntitySchema, { entity: { case: "tableEntry", value: { tableId: dmacId } } }),
    ]);
    expect(read.map((e) => (e.entity.value as TableEntry).const)).toEqual([true]);
    expect(idx.formatTableEntry(read[0]!.entity.value as TableEntry)).toBe(
      "MyIngress.dmac hdr.ethernet.dstAddr=00:00:00:00:00:02 -> MyIngress.forward(port=2)",
    );
  });
});

describe("Device meters", () => {
  it("configures a meter cell, reads it back, and resets it with an empty MODIFY", () => {
    const { dev, sent } = device();
    const meterId = idx.meters.get("MyIngress.rate_limit").preamble!.id;
    const meterEntity = (config?: { cir: bigint; cburst: bigint; pir: bigint; pburst: bigint }) =>
      create(EntitySchema, {
        entity: { case: "meterEntry", value: { meterId, index: { index: 0n }, config } },
      });
    write(dev, [
      idx.tableUpdate(Update_Type.INSERT, {
        table: "MyIngress.dmac",
        match: { "hdr.ethernet.dstAddr": 2 },
        action: "MyIngress.forward",
        params: { port: 2 },
      }),
    ]);
    dev.receive(1, frame(2, 1));
    expect(sent).toHaveLength(1);
    // No tokens at all: every packet is red and dropped.
    expect(
      write(dev, [update(Update_Type.MODIFY, meterEntity({ cir: 0n, cburst: 0n, pir: 0n, pburst: 0n }))]),
    ).toEqual([Code.OK]);
    dev.receive(1, frame(2, 1));
    expect(sent).toHaveLength(1);
    const read = dev.read([create(EntitySchema, { entity: { case: "meterEntry", value: { meterId } } })]);
    expect(read).toHaveLength(4);
    expect((read[0]!.entity.value as { config?: unknown }).config).toMatchObject({ cir: 0n, pir: 0n });
    expect((read[1]!.entity.value as { config?: unknown }).config).toBeUndefined();
    expect(
      write(dev, [
        update(Update_Type.MODIFY, meterEntity({ cir: 10n, cburst: 1n, pir: 5n, pburst: 1n })), // pir < cir
        update(Update_Type.INSERT, meterEntity()),
        update(Update_Type.MODIFY, meterEntity()), // back to unconfigured
      ]),
    ).toEqual([Code.INVALID_ARGUMENT, Code.INVALID_ARGUMENT, Code.OK]);
    dev.receive(1, frame(2, 1));
    expect(sent).toHaveLength(2);
  });
});

describe("Device packet I/O", () => {
  it("prepends the packet_out header (9+7 bits) and strips the packet_in header into metadata", () => {
    const { dev, sent } = device();
    const po = create(PacketOutSchema, {
      payload: frame(2, 0xc),
      metadata: idx.buildPacketMetadata({ egress_port: 257 }),
    });
    dev.packetOut(po);
    // egress_port 257 leaves on port 257 (no such port attached here, but the engine emits it).
    expect(sent).toEqual([{ port: 257, data: frame(2, 0xc) }]);
    const pins: PacketIn[] = [];
    dev.hooks.packetIn = (p) => {
      pins.push(p);
      return true;
    };
    write(dev, [
      idx.tableUpdate(Update_Type.INSERT, {
        table: "MyIngress.dmac",
        match: { "hdr.ethernet.dstAddr": 0xc },
        action: "MyIngress.to_cpu",
      }),
    ]);
    dev.receive(9, frame(0xc, 4));
    expect(pins).toHaveLength(1);
    expect(pins[0]!.payload).toEqual(frame(0xc, 4));
    expect(idx.decodePacketMetadata(pins[0]!.metadata)).toEqual({ ingress_port: 9n, _pad: 0n });
    expect(dev.stats).toMatchObject({ packetOuts: 1, packetIns: 1 });
    const bad = () =>
      dev.packetOut(
        create(PacketOutSchema, {
          payload: frame(1, 2),
          metadata: [{ metadataId: 9, value: Uint8Array.of(1) }],
        }),
      );
    expect(bad).toThrow(P4rtError);
  });
});

describe("Device reconfiguration", () => {
  it("RECONCILE_AND_COMMIT refuses a pipeline that cannot hold the state, and keeps the old one", () => {
    const { dev } = device();
    write(dev, [
      idx.tableUpdate(Update_Type.INSERT, {
        table: "MyIngress.dmac",
        match: { "hdr.ethernet.dstAddr": 1 },
        action: "MyIngress.drop",
      }),
    ]);
    const old = dev.pipeline;
    // A new pipeline without dmac (renamed in the JSON, gone from the P4Info): its entry has
    // nowhere to go.
    const json = jsonCopy();
    const p4 = { ...idx.info, tables: idx.info.tables.filter((t) => t.preamble?.name !== "MyIngress.dmac") };
    const ing = json.pipelines[0]!;
    ing.tables = ing.tables.map((t) => (t.name === "MyIngress.dmac" ? { ...t, name: "MyIngress.dmac2" } : t));
    for (const t of ing.tables)
      for (const k of Object.keys(t.next_tables))
        if (t.next_tables[k] === "MyIngress.dmac") t.next_tables[k] = "MyIngress.dmac2";
    for (const c of ing.conditionals ?? []) {
      if (c.true_next === "MyIngress.dmac") c.true_next = "MyIngress.dmac2";
      if (c.false_next === "MyIngress.dmac") c.false_next = "MyIngress.dmac2";
    }
    const e = (() => {
      try {
        dev.setPipeline(Action.RECONCILE_AND_COMMIT, config(p4 as never, json));
      } catch (err) {
        return err as P4rtError;
      }
      return undefined;
    })();
    expect(e?.code).toBe(Code.INVALID_ARGUMENT);
    expect(e?.message).toMatch(/cannot preserve table MyIngress\.dmac/);
    expect(dev.pipeline).toBe(old);
  });
});
