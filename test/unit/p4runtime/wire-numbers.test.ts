// Interoperability rests on message names and field numbers matching the
// P4Runtime specification. This pins the ones controllers and switches rely
// on most, so an accidental renumbering in our .proto files fails loudly.
import type { DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { StatusSchema } from "../../../src/p4runtime/gen/google/rpc/status_pb.js";
import {
  P4InfoSchema,
  PreambleSchema,
  TableSchema,
} from "../../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";
import { P4DataSchema } from "../../../src/p4runtime/gen/p4/v1/p4data_pb.js";
import {
  EntitySchema,
  ErrorSchema,
  FieldMatchSchema,
  MasterArbitrationUpdateSchema,
  P4Runtime,
  ReplicaSchema,
  StreamMessageRequestSchema,
  StreamMessageResponseSchema,
  TableEntrySchema,
  WriteRequestSchema,
} from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";

function numbers(m: DescMessage): Record<string, number> {
  return Object.fromEntries(m.fields.map((f) => [f.name, f.number]));
}

describe("P4Runtime wire contract", () => {
  it("keeps the specification's field numbers", () => {
    expect(WriteRequestSchema.typeName).toBe("p4.v1.WriteRequest");
    expect(numbers(WriteRequestSchema)).toEqual({
      device_id: 1,
      role_id: 2,
      election_id: 3,
      updates: 4,
      atomicity: 5,
      role: 6,
    });
    expect(numbers(EntitySchema)).toMatchObject({
      extern_entry: 1,
      table_entry: 2,
      packet_replication_engine_entry: 9,
      register_entry: 11,
      digest_entry: 12,
    });
    expect(numbers(TableEntrySchema)).toEqual({
      table_id: 1,
      match: 2,
      action: 3,
      priority: 4,
      controller_metadata: 5,
      meter_config: 6,
      counter_data: 7,
      is_default_action: 8,
      idle_timeout_ns: 9,
      time_since_last_hit: 10,
      metadata: 11,
      meter_counter_data: 12,
      const: 13,
    });
    expect(numbers(FieldMatchSchema)).toEqual({
      field_id: 1,
      exact: 2,
      ternary: 3,
      lpm: 4,
      range: 6,
      optional: 7,
      other: 100,
    });
    expect(numbers(ReplicaSchema)).toEqual({ egress_port: 1, instance: 2, port: 3 });
    expect(numbers(StreamMessageRequestSchema)).toEqual({
      arbitration: 1,
      packet: 2,
      digest_ack: 3,
      other: 4,
    });
    expect(numbers(StreamMessageResponseSchema)).toEqual({
      arbitration: 1,
      packet: 2,
      digest: 3,
      idle_timeout_notification: 4,
      other: 5,
      error: 6,
    });
    expect(numbers(MasterArbitrationUpdateSchema)).toEqual({
      device_id: 1,
      role: 2,
      election_id: 3,
      status: 4,
    });
    expect(numbers(ErrorSchema)).toEqual({ canonical_code: 1, message: 2, space: 3, code: 4, details: 5 });
    expect(numbers(StatusSchema)).toEqual({ code: 1, message: 2, details: 3 });
    expect(numbers(P4DataSchema)).toMatchObject({ bitstring: 1, struct: 5, header: 6, enum_value: 12 });
    expect(numbers(P4InfoSchema)).toMatchObject({
      pkg_info: 1,
      tables: 2,
      actions: 3,
      registers: 11,
      digests: 12,
      externs: 100,
      type_info: 200,
    });
    expect(numbers(PreambleSchema)).toEqual({
      id: 1,
      name: 2,
      alias: 3,
      annotations: 4,
      doc: 5,
      structured_annotations: 6,
      annotation_locations: 7,
    });
    expect(numbers(TableSchema)).toMatchObject({
      const_default_action_id: 4,
      implementation_id: 6,
      direct_resource_ids: 7,
      size: 8,
      is_const_table: 10,
    });
  });

  it("names the service and its methods as every P4Runtime peer expects", () => {
    expect(P4Runtime.typeName).toBe("p4.v1.P4Runtime");
    expect(P4Runtime.methods.map((m) => `${m.name}:${m.methodKind}`)).toEqual([
      "Write:unary",
      "Read:server_streaming",
      "SetForwardingPipelineConfig:unary",
      "GetForwardingPipelineConfig:unary",
      "StreamChannel:bidi_streaming",
      "Capabilities:unary",
    ]);
  });
});
