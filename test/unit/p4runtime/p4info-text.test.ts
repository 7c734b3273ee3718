import { equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { DocumentationSchema, P4InfoSchema } from "../../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";
import { WriteRequestSchema } from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import {
  escapeBytes,
  formatP4InfoText,
  formatTextProto,
  parseP4InfoText,
  parseTextProto,
  TextFormatError,
} from "../../../src/p4runtime/p4info-text.js";
import { IDS, sampleP4Info } from "./fixture.js";

describe("P4Info text format", () => {
  const info = sampleP4Info();
  const text = formatP4InfoText(info);

  it("lays out messages the way p4c writes *.p4info.txtpb", () => {
    expect(text.startsWith('pkg_info {\n  name: "paxos.p4"\n  version: "1.0"\n  doc {\n')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain(
      [
        "tables {",
        "  preamble {",
        `    id: ${IDS.ipv4Lpm}`,
        '    name: "MyIngress.ipv4_lpm"',
        '    alias: "ipv4_lpm"',
        '    annotations: "@name(\\"ipv4_lpm\\")"',
        "  }",
        "  match_fields {",
        "    id: 1",
        '    name: "hdr.ipv4.dstAddr"',
        "    bitwidth: 32",
        "    match_type: LPM",
        "  }",
      ].join("\n"),
    );
    // Field-number order: annotations (2) before scope (3), as p4c prints them.
    expect(text).toContain(
      `  action_refs {\n    id: ${IDS.noAction}\n    annotations: "@defaultonly"\n    scope: DEFAULT_ONLY\n  }`,
    );
    expect(text).toContain(
      `  direct_resource_ids: ${IDS.directCounter}\n  size: 1024\n  idle_timeout_behavior: NOTIFY_CONTROL\n}`,
    );
    // Empty messages keep their braces; oneof members print even when empty.
    expect(text).toContain("  sum_of_weights {\n  }");
    expect(text).toContain("          bool {\n          }");
    // Maps sorted by key.
    expect(text.indexOf('key: "a_first"')).toBeLessThan(text.indexOf('key: "learn_t"'));
    expect(text).toContain('  structs {\n    key: "a_first"\n    value {\n    }\n  }');
    // type_info (200) comes after everything else.
    expect(text.lastIndexOf("type_info {")).toBeGreaterThan(text.lastIndexOf("digests {"));
  });

  it("escapes strings and bytes like the C++ printer", () => {
    expect(text).toContain('brief: "Paxos \\"in\\" the switch"');
    expect(text).toContain('description: "line one\\nline two\\ttabbed \\\\ \\303\\251"');
    expect(text).toContain('value: "\\n\\"\\\\\\\'\\377\\177"');
    expect(text).toContain('value: "\\000"');
    expect(escapeBytes(new Uint8Array([0x41, 0x00, 0x0d, 0x80]))).toBe("A\\000\\r\\200");
  });

  it("parses its own output back to an identical message", () => {
    const back = parseP4InfoText(text);
    expect(equals(P4InfoSchema, back, info)).toBe(true);
    expect(formatP4InfoText(back)).toBe(text);
  });

  it("round-trips through binary protobuf as well", () => {
    const bin = toBinary(P4InfoSchema, info);
    expect(equals(P4InfoSchema, fromBinary(P4InfoSchema, bin), info)).toBe(true);
  });

  it("reads text written by other tools (comments, `name: {` style, octal and hex escapes)", () => {
    const other = `# generated elsewhere
pkg_info: { arch: "v1model" }
tables {
  preamble { id: 33554433 name: "MyIngress.t" alias: "t" }
  match_fields { id: 1 name: "f" bitwidth: 9 match_type: EXACT }  # trailing comment
  size: 7
}
type_info {
  serializable_enums {
    key: "E"
    value { underlying_type { bitwidth: 8 } members { name: "A" value: "\\001\\x02" } }
  }
}
`;
    const p = parseP4InfoText(other);
    expect(p.pkgInfo?.arch).toBe("v1model");
    expect(p.tables[0]?.preamble?.name).toBe("MyIngress.t");
    expect(p.tables[0]?.matchFields[0]?.bitwidth).toBe(9);
    expect(p.tables[0]?.size).toBe(7n);
    expect(p.typeInfo?.serializableEnums.E?.members[0]?.value).toEqual(new Uint8Array([1, 2]));
  });

  it("rejects malformed text with TextFormatError", () => {
    for (const bad of [
      "tables {",
      "tables { preamble { id: -1 } }",
      "no_such_field: 1",
      'pkg_info { arch: "x }',
    ]) {
      expect(() => parseP4InfoText(bad), bad).toThrow(TextFormatError);
    }
  });

  it("works for any message type (a WriteRequest)", () => {
    const req = parseTextProto(
      WriteRequestSchema,
      `device_id: 1
election_id { low: 5 }
updates {
  type: INSERT
  entity { table_entry { table_id: 7 match { field_id: 1 exact { value: "\\n" } } } }
}`,
    );
    expect(req.updates[0]?.entity?.entity.case).toBe("tableEntry");
    expect(formatTextProto(WriteRequestSchema, req)).toBe(
      [
        "device_id: 1",
        "election_id {",
        "  low: 5",
        "}",
        "updates {",
        "  type: INSERT",
        "  entity {",
        "    table_entry {",
        "      table_id: 7",
        "      match {",
        "        field_id: 1",
        "        exact {",
        '          value: "\\n"',
        "        }",
        "      }",
        "    }",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });
});

describe("newer P4Info with fields we do not define", () => {
  const newer = `pkg_info {
  arch: "v1model"
  platform_properties { multicast_group_table_size: 4 }
  future_scalar: 7,
}
meters {
  preamble { id: 335544321 name: "m" }
  spec {
    unit: BYTES
    type: SINGLE_RATE_THREE_COLOR
  }
  size: 8
}
generic_tables {
  preamble { id: 402653185 name: "g" }
  nested { deeper { x: "}" } }
  list: [1, 2, 3]
}
tables {
  preamble { id: 33554433 name: "t" annotations: "@x" "@y" }
  other_properties {
    [type.googleapis.com/p4.config.v1.Documentation] { brief: "kept" }
  }
  values: [FOO]
  size: 3
}
`;

  it("fails by default, naming the field", () => {
    expect(() => parseP4InfoText(newer)).toThrow(TextFormatError);
  });

  it("drops them on request, reports their paths, and keeps everything else", () => {
    const dropped: string[] = [];
    const p = parseP4InfoText(newer, { ignoreUnknownFields: true, onUnknownField: (x) => dropped.push(x) });
    expect(dropped).toEqual([
      "pkg_info.future_scalar",
      "meters.spec.type",
      "generic_tables",
      "tables.values",
    ]);
    expect(p.pkgInfo?.platformProperties?.multicastGroupTableSize).toBe(4);
    expect(p.meters[0]?.size).toBe(8n);
    expect(p.tables[0]?.size).toBe(3n);
    expect(p.tables[0]?.preamble?.annotations).toEqual(["@x@y"]);
    const other = p.tables[0]?.otherProperties;
    expect(other?.typeUrl).toBe("type.googleapis.com/p4.config.v1.Documentation");
    expect(anyUnpack(other!, DocumentationSchema)?.brief).toBe("kept");
  });

  it("still rejects broken structure", () => {
    for (const bad of ["tables {", 'x: "abc', "tables { } }", "a: [1, 2"]) {
      expect(() => parseP4InfoText(bad, { ignoreUnknownFields: true }), bad).toThrow(TextFormatError);
    }
  });
});
