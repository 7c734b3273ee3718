import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { P4DataSchema } from "../../../src/p4runtime/gen/p4/v1/p4data_pb.js";
import { Update_Type } from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { P4InfoError, P4InfoIndex, type TableEntrySpec } from "../../../src/p4runtime/p4info-index.js";
import { IDS, sampleP4Info } from "./fixture.js";

const index = new P4InfoIndex(sampleP4Info());

describe("lookups", () => {
  it("finds objects by full name, alias and id", () => {
    expect(index.table("MyIngress.ipv4_lpm").preamble?.id).toBe(IDS.ipv4Lpm);
    expect(index.table("ipv4_lpm").preamble?.id).toBe(IDS.ipv4Lpm);
    expect(index.table(IDS.acl).preamble?.name).toBe("MyIngress.acl");
    expect(index.action("forward").params.map((p) => p.name)).toEqual(["dstAddr", "port"]);
    expect(index.counter("MyIngress.rx").size).toBe(512n);
    expect(index.register("rounds").size).toBe(65536);
    expect(index.digest(IDS.digest).preamble?.name).toBe("learn_t");
    expect(index.idOf("MyIngress.rate")).toBe(IDS.meter);
    expect(index.nameOf(IDS.profile)).toBe("MyIngress.ecmp_profile");
    expect(index.idOf("nope")).toBeUndefined();
  });

  it("reports unknown names with P4InfoError", () => {
    expect(() => index.table("MyIngress.nope")).toThrow(/unknown table "MyIngress.nope"/);
    expect(() => index.action(12345)).toThrow(P4InfoError);
    expect(() => index.actionParam(index.action("forward"), "speed")).toThrow(/no parameter "speed"/);
  });
});

describe("building table entries", () => {
  it("builds the LPM example with canonical bytes", () => {
    const e = index.buildTableEntry({
      table: "MyIngress.ipv4_lpm",
      match: { "hdr.ipv4.dstAddr": { lpm: ["10.0.0.0", 8] } },
      action: "MyIngress.forward",
      params: { dstAddr: "00:00:00:00:01:02", port: 1 },
    });
    expect(e.tableId).toBe(IDS.ipv4Lpm);
    const m = e.match[0]!.fieldMatchType;
    expect(m.case).toBe("lpm");
    if (m.case === "lpm") {
      expect(m.value.value).toEqual(new Uint8Array([10, 0, 0, 0]));
      expect(m.value.prefixLen).toBe(8);
    }
    const a = e.action?.type;
    expect(a?.case).toBe("action");
    if (a?.case === "action") {
      expect(a.value.actionId).toBe(IDS.forward);
      expect(a.value.params.map((p) => [p.paramId, [...p.value]])).toEqual([
        [1, [0x01, 0x02]],
        [2, [0x01]],
      ]);
    }
    expect(e.priority).toBe(0);
  });

  it("accepts the a.b.c.d/len shorthand and drops /0 as a wildcard", () => {
    const e = index.buildTableEntry({
      table: "ipv4_lpm",
      match: { "hdr.ipv4.dstAddr": "10.1.0.0/16" },
      action: "drop",
    });
    expect(e.match[0]?.fieldMatchType.case).toBe("lpm");
    const w = index.buildTableEntry({
      table: "ipv4_lpm",
      match: { "hdr.ipv4.dstAddr": "0.0.0.0/0" },
      action: "drop",
    });
    expect(w.match).toHaveLength(0);
  });

  it("checks widths, prefixes, masks, ranges and scopes", () => {
    const bad: Array<[TableEntrySpec, RegExp]> = [
      [
        { table: "ipv4_lpm", match: { "hdr.ipv4.dstAddr": { lpm: ["10.0.0.1", 8] } }, action: "drop" },
        /beyond the \/8 prefix/,
      ],
      [
        { table: "ipv4_lpm", match: { "hdr.ipv4.dstAddr": { lpm: ["10.0.0.0", 33] } }, action: "drop" },
        /prefix length 33/,
      ],
      [
        { table: "ipv4_lpm", action: "forward", params: { dstAddr: 1, port: 512 } },
        /port: value 512 does not fit in bit<9>/,
      ],
      [{ table: "ipv4_lpm", action: "forward", params: { port: 1 } }, /missing parameter dstAddr/],
      [
        { table: "ipv4_lpm", action: "forward", params: { port: 1, dstAddr: 1, ttl: 3 } },
        /no parameter "ttl"/,
      ],
      [{ table: "ipv4_lpm", action: "NoAction" }, /default entry only/],
      [{ table: "ipv4_lpm", action: "set_port", params: { port: 1 } }, /has no action/],
      [
        { table: "ipv4_lpm", match: { "hdr.ipv4.dstAddr": { exact: 1 } }, action: "drop" },
        /is LPM, not exact/,
      ],
      [{ table: "ipv4_lpm", match: { nope: 1 }, action: "drop" }, /no match field "nope"/],
      [{ table: "acl", match: { "hdr.paxos.msgtype": 1 }, action: "drop" }, /priority > 0/],
      [{ table: "ipv4_lpm", action: "drop", priority: 3 }, /priority must be 0/],
      [
        {
          table: "acl",
          match: { "hdr.ethernet.srcAddr": { ternary: [0xff, 0x0f] } },
          action: "drop",
          priority: 1,
        },
        /outside the mask/,
      ],
      [
        { table: "acl", match: { "hdr.udp.dstPort": { range: [10, 5] } }, action: "drop", priority: 1 },
        /low 10 > high 5/,
      ],
      [{ table: "acl", action: "drop", isDefault: true }, /cannot be the default action/],
      [
        { table: "acl", match: { "hdr.paxos.msgtype": 1 }, action: "drop", isDefault: true },
        /default entry has no match/,
      ],
      [{ table: "ipv4_lpm", memberId: 3 }, /not an indirect table/],
      [
        { table: "ecmp", action: "set_port", params: { port: 1 }, groupId: 2 },
        /one of action, memberId, groupId/,
      ],
      [{ table: "ipv4_lpm", match: { "hdr.ipv4.dstAddr": "banana" }, action: "drop" }, /cannot read value/],
    ];
    for (const [spec, re] of bad) {
      expect(
        () => index.buildTableEntry(spec),
        JSON.stringify(spec, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
      ).toThrow(re);
    }
  });

  it("omits don't-care ternary and full ranges, keeps optional", () => {
    const e = index.buildTableEntry({
      table: "acl",
      match: {
        "hdr.ethernet.srcAddr": { ternary: [0, 0] },
        "hdr.udp.dstPort": { range: [0, 65535] },
        "standard_metadata.ingress_port": { optional: 3 },
        "hdr.paxos.msgtype": 2,
      },
      action: "set_port",
      params: { port: 4 },
      priority: 10,
    });
    expect(e.match.map((m) => [m.fieldId, m.fieldMatchType.case])).toEqual([
      [3, "optional"],
      [4, "exact"],
    ]);
  });

  it("builds indirect and default entries and updates", () => {
    const g = index.buildTableEntry({ table: "ecmp", match: { "meta.group": 1 }, groupId: 9 });
    expect(g.action?.type).toEqual({ case: "actionProfileGroupId", value: 9 });
    const d = index.buildTableEntry({ table: "ipv4_lpm", action: "NoAction", isDefault: true });
    expect(d.isDefaultAction).toBe(true);
    const u = index.tableUpdate(Update_Type.INSERT, {
      table: "ipv4_lpm",
      action: "drop",
      match: { "hdr.ipv4.dstAddr": "10.0.0.0/8" },
    });
    expect(u.type).toBe(Update_Type.INSERT);
    expect(u.entity?.entity.case).toBe("tableEntry");
  });
});

describe("rendering", () => {
  it("renders entries back to a form that rebuilds the same entry", () => {
    const specs: TableEntrySpec[] = [
      {
        table: "MyIngress.ipv4_lpm",
        match: { "hdr.ipv4.dstAddr": { lpm: ["10.0.0.0", 8] } },
        action: "MyIngress.forward",
        params: { dstAddr: "00:00:00:00:01:02", port: "1" },
      },
      {
        table: "MyIngress.acl",
        match: {
          "hdr.ethernet.srcAddr": { ternary: ["00:00:00:00:00:0f", "0xff"] },
          "hdr.udp.dstPort": { range: ["100", "200"] },
          "standard_metadata.ingress_port": { optional: "3" },
          "hdr.paxos.msgtype": "2",
        },
        action: "MyIngress.set_port",
        params: { port: "4" },
        priority: 10,
      },
      { table: "MyIngress.ecmp", match: { "meta.group": "5" }, memberId: 2 },
    ];
    for (const spec of specs) {
      const entry = index.buildTableEntry(spec);
      const rendered = index.renderTableEntry(entry);
      expect(rendered).toEqual(spec);
      expect(index.buildTableEntry(rendered)).toEqual(entry);
    }
  });

  it("formats one line for display", () => {
    const e = index.buildTableEntry({
      table: "ipv4_lpm",
      match: { "hdr.ipv4.dstAddr": "10.0.0.0/8" },
      action: "forward",
      params: { dstAddr: 0x0102, port: 1 },
    });
    expect(index.formatTableEntry(e)).toBe(
      "MyIngress.ipv4_lpm hdr.ipv4.dstAddr=10.0.0.0/8 -> MyIngress.forward(dstAddr=00:00:00:00:01:02, port=1)",
    );
  });
});

describe("packet metadata and P4Data", () => {
  it("builds packet_out metadata and decodes packet_in metadata", () => {
    const md = index.buildPacketMetadata({ egress_port: 3 });
    expect(md).toHaveLength(1);
    expect(md[0]?.metadataId).toBe(1);
    expect(md[0]?.value).toEqual(new Uint8Array([3]));
    expect(() => index.buildPacketMetadata({ egress_port: 1024 })).toThrow(/does not fit in bit<9>/);
    const back = index.decodePacketMetadata([
      { $typeName: "p4.v1.PacketMetadata", metadataId: 1, value: new Uint8Array([0, 7]) },
      { $typeName: "p4.v1.PacketMetadata", metadataId: 2, value: new Uint8Array([5]) },
    ]);
    expect(back).toEqual({ ingress_port: 7n, reason: 5n });
    expect(() =>
      index.decodePacketMetadata([
        { $typeName: "p4.v1.PacketMetadata", metadataId: 2, value: new Uint8Array([0xff]) },
      ]),
    ).toThrow(P4InfoError);
  });

  it("decodes a digest struct by its type_info", () => {
    const data = create(P4DataSchema, {
      data: {
        case: "struct",
        value: {
          members: [
            { data: { case: "bitstring", value: new Uint8Array([0xaa, 0xbb]) } },
            { data: { case: "bitstring", value: new Uint8Array([0x01, 0x02]) } },
            { data: { case: "bitstring", value: new Uint8Array([0xfe]) } },
            { data: { case: "bool", value: true } },
          ],
        },
      },
    });
    expect(index.decodeDigest("learn_t", data)).toEqual({
      srcAddr: 0xaabbn,
      port: 0x102n,
      delta: -2n,
      ok: true,
    });
    const wrong = create(P4DataSchema, { data: { case: "bitstring", value: new Uint8Array([1]) } });
    expect(() => index.decodeDigest("learn_t", wrong)).toThrow(/bitstring data for struct type/);
  });
});
