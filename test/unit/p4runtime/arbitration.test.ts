import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ArbitrationError, type ArbitrationNotice, Arbitrator } from "../../../src/p4runtime/arbitration.js";
import { fromUint128, toUint128 } from "../../../src/p4runtime/bytes.js";
import { Code } from "../../../src/p4runtime/gen/google/rpc/code_pb.js";
import { MasterArbitrationUpdateSchema } from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";

const arb = (electionId?: bigint, opts: { device?: bigint; role?: string } = {}) =>
  create(MasterArbitrationUpdateSchema, {
    deviceId: opts.device ?? 1n,
    electionId: electionId === undefined ? undefined : toUint128(electionId),
    role: opts.role === undefined ? undefined : { name: opts.role },
  });

const summary = (ns: ArbitrationNotice<string>[]) =>
  ns.map(
    (n) =>
      `${n.to}:${Code[n.update.status!.code]}:${n.update.electionId ? fromUint128(n.update.electionId) : "-"}`,
  );

function errorCode(f: () => unknown): status | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ArbitrationError) return e.code;
    throw e;
  }
  return undefined;
}

describe("Arbitrator", () => {
  it("makes the highest election id primary and tells everyone on changes", () => {
    const a = new Arbitrator<string>({ isKnownDevice: (d) => d === 1n });
    expect(summary(a.update("A", arb(10n)))).toEqual(["A:OK:10"]);
    // A lower id joins as backup; only it is told.
    expect(summary(a.update("B", arb(5n)))).toEqual(["B:ALREADY_EXISTS:10"]);
    // A higher id takes over: the others first, then the new primary.
    expect(summary(a.update("C", arb(20n)))).toEqual([
      "A:ALREADY_EXISTS:20",
      "B:ALREADY_EXISTS:20",
      "C:OK:20",
    ]);
    expect(a.isPrimary("C")).toBe(true);
    expect(a.primaryOf(1n)).toBe("C");
    // A backup leaving changes nothing.
    expect(a.disconnect("B")).toEqual([]);
    // The primary leaving leaves no primary; the highest id seen stays 20.
    expect(summary(a.disconnect("C"))).toEqual(["A:NOT_FOUND:20"]);
    expect(a.primaryOf(1n)).toBeUndefined();
    expect(summary(a.update("A", arb(15n)))).toEqual(["A:NOT_FOUND:20"]);
    expect(summary(a.update("A", arb(20n)))).toEqual(["A:OK:20"]);
  });

  it("handles a primary downgrading itself and controllers without an election id", () => {
    const a = new Arbitrator<string>({ isKnownDevice: () => true });
    expect(summary(a.update("R", arb()))).toEqual(["R:NOT_FOUND:-"]);
    a.update("A", arb(7n));
    expect(a.isPrimary("R")).toBe(false);
    // Lowering its own id below the highest seen makes A a backup; all are told.
    expect(summary(a.update("A", arb(3n)))).toEqual(["R:NOT_FOUND:7", "A:NOT_FOUND:7"]);
  });

  it("keeps roles apart", () => {
    const a = new Arbitrator<string>({ isKnownDevice: () => true });
    a.update("A", arb(5n, { role: "paxos" }));
    expect(summary(a.update("B", arb(5n)))).toEqual(["B:OK:5"]);
    expect(a.primaryOf(1n, "paxos")).toBe("A");
    expect(a.primaryOf(1n)).toBe("B");
    expect(() => a.checkPrimary(1n, "paxos", toUint128(5n))).not.toThrow();
    expect(errorCode(() => a.checkPrimary(1n, "other", toUint128(5n)))).toBe(status.PERMISSION_DENIED);
  });

  it("refuses what the specification refuses", () => {
    const a = new Arbitrator<string>({ isKnownDevice: (d) => d === 1n });
    expect(errorCode(() => a.update("X", arb(1n, { device: 2n })))).toBe(status.NOT_FOUND);
    a.update("A", arb(4n));
    expect(errorCode(() => a.update("B", arb(4n)))).toBe(status.INVALID_ARGUMENT);
    a.update("B", arb(2n));
    expect(errorCode(() => a.update("B", arb(4n)))).toBe(status.INVALID_ARGUMENT);
    expect(errorCode(() => a.update("B", arb(2n, { device: 3n })))).toBe(status.FAILED_PRECONDITION);
    expect(errorCode(() => a.update("B", arb(2n, { role: "r" })))).toBe(status.FAILED_PRECONDITION);
    expect(errorCode(() => a.checkPrimary(1n, "", toUint128(2n)))).toBe(status.PERMISSION_DENIED);
    expect(errorCode(() => a.checkPrimary(1n, "", undefined))).toBe(status.PERMISSION_DENIED);
    expect(errorCode(() => a.checkPrimary(9n, "", toUint128(4n)))).toBe(status.NOT_FOUND);
    expect(() => a.checkPrimary(1n, "", toUint128(4n))).not.toThrow();
  });
});
