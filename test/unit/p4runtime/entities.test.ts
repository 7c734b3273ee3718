import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  bitstringData,
  buildReplica,
  cloneSessionEntity,
  counterEntity,
  digestEntity,
  multicastGroupEntity,
  registerEntity,
  replicaPort,
  tableWildcard,
  update,
} from "../../../src/p4runtime/entities.js";
import { ReplicaSchema, Update_Type } from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";

describe("entity builders", () => {
  it("writes replica ports in either encoding and reads both back", () => {
    const legacy = buildReplica({ port: 3, instance: 1 });
    expect(legacy.portKind).toEqual({ case: "egressPort", value: 3 });
    // Field 1 (varint) on the wire: the form older BMv2/PI servers understand.
    expect([...toBinary(ReplicaSchema, legacy)]).toEqual([0x08, 0x03, 0x10, 0x01]);
    const modern = buildReplica({ port: 300 }, "port");
    expect(modern.portKind).toEqual({ case: "port", value: new Uint8Array([0x01, 0x2c]) });
    expect([...toBinary(ReplicaSchema, modern)]).toEqual([0x1a, 0x02, 0x01, 0x2c]);
    expect(replicaPort(legacy)).toBe(3);
    expect(replicaPort(modern)).toBe(300);
    expect(
      replicaPort({ ...modern, portKind: { case: "port", value: new Uint8Array([1, 0, 0, 0, 0]) } }),
    ).toBeUndefined();
    expect(replicaPort({ ...modern, portKind: { case: undefined } })).toBeUndefined();
    expect(() => buildReplica({ port: -1 })).toThrow(RangeError);
  });

  it("builds multicast groups and clone sessions", () => {
    const mg = multicastGroupEntity(7, [{ port: 1 }, { port: 2, instance: 5 }], "port");
    const pre = mg.entity.case === "packetReplicationEngineEntry" ? mg.entity.value.type : undefined;
    expect(pre?.case).toBe("multicastGroupEntry");
    if (pre?.case === "multicastGroupEntry") {
      expect(pre.value.multicastGroupId).toBe(7);
      expect(pre.value.replicas.map((r) => [replicaPort(r), r.instance])).toEqual([
        [1, 0],
        [2, 5],
      ]);
    }
    const cs = cloneSessionEntity(100, [{ port: 255 }], { packetLengthBytes: 128 });
    const cpre = cs.entity.case === "packetReplicationEngineEntry" ? cs.entity.value.type : undefined;
    expect(cpre?.case === "cloneSessionEntry" && cpre.value.packetLengthBytes).toBe(128);
  });

  it("builds registers, counters, digests, wildcards and updates", () => {
    const r = registerEntity(0x16000001, 4, bitstringData(77, 32));
    expect(r.entity.case === "registerEntry" && r.entity.value.index?.index).toBe(4n);
    expect(r.entity.case === "registerEntry" && r.entity.value.data?.data).toEqual({
      case: "bitstring",
      value: new Uint8Array([77]),
    });
    const all = registerEntity(0x16000001);
    expect(all.entity.case === "registerEntry" && all.entity.value.index).toBeUndefined();
    const c = counterEntity(5).entity;
    expect(c.case === "counterEntry" && c.value.counterId).toBe(5);
    expect(c.case === "counterEntry" && c.value.index).toBeUndefined();
    const c2 = counterEntity(5, 9).entity;
    expect(c2.case === "counterEntry" && c2.value.index?.index).toBe(9n);
    expect(digestEntity(9, { maxListSize: 1 }).entity).toMatchObject({
      case: "digestEntry",
      value: { digestId: 9, config: { maxListSize: 1, maxTimeoutNs: 0n } },
    });
    expect(tableWildcard().entity).toMatchObject({ case: "tableEntry", value: { tableId: 0 } });
    expect(update(Update_Type.MODIFY, r)).toMatchObject({ type: Update_Type.MODIFY, entity: r });
    expect(() => bitstringData(1n << 32n, 32)).toThrow(RangeError);
  });
});
