// The embedded switch's P4Runtime server over a real TCP socket on 127.0.0.1, driven by our
// P4RuntimeClient: pipeline push (a program compiled at test time by the embedded compiler),
// every entity kind, packet I/O through in-process ports, digests, and the error codes.
import { spawn, spawnSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { clone, create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bmv2JsonText, compileP4 } from "../../src/p4c/compile.js";
import { toP4InfoMessage } from "../../src/p4c/p4info-out.js";
import { type ArbitrationState, P4RuntimeClient } from "../../src/p4runtime/client.js";
import {
  cloneSessionEntity,
  counterEntity,
  digestEntity,
  multicastGroupEntity,
  registerEntity,
  tableWildcard,
  update,
} from "../../src/p4runtime/entities.js";
import { Code } from "../../src/p4runtime/gen/google/rpc/code_pb.js";
import { type P4Info, P4InfoSchema, TableSchema } from "../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";
import {
  SetForwardingPipelineConfigRequest_Action as Action,
  type DigestList,
  EntitySchema,
  GetForwardingPipelineConfigRequest_ResponseType,
  type PacketIn,
  type StreamError,
  StreamMessageRequestSchema,
  type StreamMessageResponse,
  TableEntrySchema,
  Update_Type,
  WriteRequest_Atomicity,
} from "../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { P4RuntimeStub } from "../../src/p4runtime/grpc.js";
import { P4InfoIndex } from "../../src/p4runtime/p4info-index.js";
import { P4RuntimeRpcError, P4RuntimeWriteError } from "../../src/p4runtime/status.js";
import { Device } from "../../src/switch/p4rt/device.js";
import { P4RuntimeSwitchServer } from "../../src/switch/p4rt/server.js";
import { createLink } from "../../src/switch/ports/inproc.js";
import { readPcap } from "../../src/switch/ports/pcap.js";
import type { Port } from "../../src/switch/ports/port.js";
import { SwitchRuntime } from "../../src/switch/ports/runtime.js";

const PROGRAM = fileURLToPath(new URL("../unit/switch/p4rt/fixtures/p4rt_switch.p4", import.meta.url));
const DEVICE = 1n;
const CPU_PORT = 64;

const { json, p4info: compiled } = compileP4({ file: PROGRAM });
const P4INFO: P4Info = toP4InfoMessage(compiled);
const JSON_BYTES = new TextEncoder().encode(bmv2JsonText(json));
const idx = new P4InfoIndex(P4INFO);

// Frames: Ethernet only (the program parses nothing else).
const MAC = {
  h1: "00:00:00:00:00:01",
  h2: "00:00:00:00:00:02",
  h3: "00:00:00:00:00:03",
  cpu: "00:00:00:00:00:0c",
};
function frame(dst: string, src: string, etherType = 0x0800, payload = "hello"): Uint8Array {
  const mac = (m: string) => m.split(":").map((x) => Number.parseInt(x, 16));
  return Uint8Array.from([
    ...mac(dst),
    ...mac(src),
    etherType >> 8,
    etherType & 0xff,
    ...new TextEncoder().encode(payload),
  ]);
}

/** A host on the far end of an in-process link, collecting what the switch sends it. */
class Host {
  readonly got: Uint8Array[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly end: Port) {
    end.onReceive((f) => {
      this.got.push(f);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  send(f: Uint8Array): void {
    this.end.send(f);
  }
  async next(ms = 2000): Promise<Uint8Array> {
    const deadline = Date.now() + ms;
    while (this.got.length === 0) {
      if (Date.now() > deadline) throw new Error("no frame arrived");
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 20);
      });
    }
    return this.got.shift()!;
  }
  /** Lets queued microtasks and I/O run, then returns (and clears) what arrived. */
  async drain(ms = 50): Promise<Uint8Array[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.got.splice(0);
  }
}

function next<T>(
  c: P4RuntimeClient,
  event: "packetIn" | "digest" | "streamError" | "arbitration",
  ms = 3000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), ms);
    c.once(event, (v: unknown) => {
      clearTimeout(timer);
      resolve(v as T);
    });
  });
}

let server: P4RuntimeSwitchServer;
let device: Device;
let address: string;
const hosts: Host[] = [];
const clients: P4RuntimeClient[] = [];

function client(electionId: bigint, extra: Partial<ConstructorParameters<typeof P4RuntimeClient>[0]> = {}) {
  const c = new P4RuntimeClient({
    address,
    deviceId: DEVICE,
    electionId,
    reconnect: false,
    rpcTimeoutMs: 5000,
    ...extra,
  });
  clients.push(c);
  return c;
}

let primary: P4RuntimeClient;
let backup: P4RuntimeClient;

beforeAll(async () => {
  server = new P4RuntimeSwitchServer();
  device = new Device({ deviceId: DEVICE, cpuPort: CPU_PORT });
  server.addDevice(device);
  const ports = new SwitchRuntime(device, { cpuPort: CPU_PORT });
  device.hooks.transmit = (outs) => ports.transmit(outs);
  for (const n of [1, 2, 3]) {
    const [sw, host] = createLink(`sw:${n}`, `host:${n}`);
    ports.attach(n, sw);
    hosts[n] = new Host(host);
  }
  address = `127.0.0.1:${await server.listen("127.0.0.1:0")}`;
  primary = client(10n);
  backup = client(5n);
  expect((await primary.connect()).primary).toBe(true);
  const b = await backup.connect();
  expect(b).toMatchObject({ primary: false, code: Code.ALREADY_EXISTS, highestElectionId: 10n });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
});

async function writeError(c: P4RuntimeClient, updates: Parameters<P4RuntimeClient["write"]>[0], opts = {}) {
  const e = await c.write(updates, opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(P4RuntimeWriteError);
  return e as P4RuntimeWriteError;
}

const dmac = (dst: string, action: string, params: Record<string, number> = {}, type = Update_Type.INSERT) =>
  idx.tableUpdate(type, { table: "MyIngress.dmac", match: { "hdr.ethernet.dstAddr": dst }, action, params });

describe("P4Runtime server: before a pipeline", () => {
  it("answers FAILED_PRECONDITION to Write, Read and GetForwardingPipelineConfig, and reports its version", async () => {
    expect(await primary.capabilities()).toMatch(/^1\.\d+\.\d+/);
    const w = await writeError(
      primary,
      [multicastGroupEntity(1, [{ port: 1 }])].map((e) => update(Update_Type.INSERT, e)),
    );
    expect(w.code).toBe(grpc.status.FAILED_PRECONDITION);
    await expect(primary.read([tableWildcard()])).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
    await expect(primary.getPipeline()).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    // Frames are dropped and counted.
    hosts[1]!.send(frame(MAC.h2, MAC.h1));
    expect(await hosts[2]!.drain()).toEqual([]);
    expect(device.stats.noPipelineDrops).toBe(1);
  });
});

describe("P4Runtime server: pipeline config", () => {
  it("refuses a pipeline from the backup and bad configs, with the reason", async () => {
    await expect(backup.setPipeline(P4INFO, JSON_BYTES)).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    const bad = await primary
      .setPipeline(P4INFO, new TextEncoder().encode("{ not json"), Action.VERIFY)
      .catch((e) => e);
    expect(bad).toBeInstanceOf(P4RuntimeRpcError);
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.message).toMatch(/not BMv2 JSON/);
    // A P4Info naming a table the JSON lacks.
    const extra = create(P4InfoSchema, {
      ...P4INFO,
      tables: [
        ...P4INFO.tables,
        create(TableSchema, { preamble: { id: 0x02000999, name: "MyIngress.ghost", alias: "ghost" } }),
      ],
    });
    const mismatch = await primary.setPipeline(extra, JSON_BYTES, Action.VERIFY).catch((e) => e);
    expect(mismatch.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(mismatch.message).toMatch(/MyIngress\.ghost is not in the device config/);
    // A width that disagrees.
    const narrow = clone(P4InfoSchema, P4INFO);
    narrow.actions = P4INFO.actions.map((a) =>
      a.preamble?.name === "MyIngress.forward" ? { ...a, params: [{ ...a.params[0]!, bitwidth: 8 }] } : a,
    );
    const widthErr = await primary.setPipeline(narrow, JSON_BYTES, Action.VERIFY).catch((e) => e);
    expect(widthErr.message).toMatch(/forward parameter port: P4Info width 8, device config 9/);
    // VERIFY alone leaves the device without a pipeline.
    await primary.setPipeline(P4INFO, JSON_BYTES, Action.VERIFY);
    await expect(primary.getPipeline()).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    // COMMIT needs a saved config.
    const noSaved = await primary.setPipeline(P4INFO, new Uint8Array(0), Action.COMMIT).catch((e) => e);
    expect(noSaved.code).not.toBe(grpc.status.OK);
  });

  it("commits a pipeline and returns it by response type", async () => {
    await primary.setPipeline(P4INFO, JSON_BYTES, Action.VERIFY_AND_COMMIT, 42n);
    const all = await primary.getPipeline();
    expect(all.cookie?.cookie).toBe(42n);
    expect(all.p4info?.tables.map((t) => t.preamble?.name)).toEqual(
      P4INFO.tables.map((t) => t.preamble?.name),
    );
    expect(new TextDecoder().decode(all.p4DeviceConfig)).toBe(new TextDecoder().decode(JSON_BYTES));
    const cookie = await primary.getPipeline(GetForwardingPipelineConfigRequest_ResponseType.COOKIE_ONLY);
    expect(cookie.cookie?.cookie).toBe(42n);
    expect(cookie.p4info).toBeUndefined();
    expect(cookie.p4DeviceConfig.length).toBe(0);
    const info = await primary.getPipeline(GetForwardingPipelineConfigRequest_ResponseType.P4INFO_AND_COOKIE);
    expect(info.p4info).toBeDefined();
    expect(info.p4DeviceConfig.length).toBe(0);
    const dev = await backup.getPipeline(
      GetForwardingPipelineConfigRequest_ResponseType.DEVICE_CONFIG_AND_COOKIE,
    );
    expect(dev.p4info).toBeUndefined();
    expect(dev.p4DeviceConfig.length).toBe(JSON_BYTES.length);
  });
});

describe("P4Runtime server: tables", () => {
  it("inserts, reads, modifies and deletes entries, and the data plane follows", async () => {
    await primary.write([dmac(MAC.h2, "MyIngress.forward", { port: 2 })]);
    const read = await primary.read([tableWildcard(idx.table("MyIngress.dmac").preamble!.id)]);
    expect(read).toHaveLength(1);
    const te = read[0]!.entity.value as import("../../src/p4runtime/gen/p4/v1/p4runtime_pb.js").TableEntry;
    expect(idx.formatTableEntry(te)).toBe(
      "MyIngress.dmac hdr.ethernet.dstAddr=00:00:00:00:00:02 -> MyIngress.forward(port=2)",
    );
    // Canonical bytestrings: port 2 is one byte, the MAC six (its top byte is 0, so five).
    const action = te.action?.type.value as { params: Array<{ value: Uint8Array }> };
    expect([...action.params[0]!.value]).toEqual([2]);
    expect(te.match[0]!.fieldMatchType.value).toMatchObject({
      value: Uint8Array.from([0, 0, 0, 0, 2]).slice(4),
    });

    hosts[1]!.send(frame(MAC.h2, MAC.h1));
    expect((await hosts[2]!.next()).length).toBe(19);

    await primary.write([dmac(MAC.h2, "MyIngress.forward", { port: 3 }, Update_Type.MODIFY)]);
    hosts[1]!.send(frame(MAC.h2, MAC.h1));
    expect(await hosts[3]!.next()).toEqual(frame(MAC.h2, MAC.h1));
    expect(await hosts[2]!.drain()).toEqual([]);

    await primary.write([dmac(MAC.h2, "MyIngress.forward", { port: 3 }, Update_Type.DELETE)]);
    expect(await primary.read([tableWildcard(idx.table("MyIngress.dmac").preamble!.id)])).toEqual([]);
    hosts[1]!.send(frame(MAC.h2, MAC.h1));
    expect([...(await hosts[2]!.drain()), ...(await hosts[3]!.drain())]).toEqual([]);
  });

  it("sets, reads and resets the default action", async () => {
    const tableId = idx.table("MyIngress.dmac").preamble!.id;
    const readDefault = async () => {
      const r = await primary.read([
        create(EntitySchema, { entity: { case: "tableEntry", value: { tableId, isDefaultAction: true } } }),
      ]);
      expect(r).toHaveLength(1);
      return idx.formatTableEntry(r[0]!.entity.value as never);
    };
    expect(await readDefault()).toBe("MyIngress.dmac default -> MyIngress.drop()");
    await primary.write([
      idx.tableUpdate(Update_Type.MODIFY, {
        table: "MyIngress.dmac",
        isDefault: true,
        action: "MyIngress.forward",
        params: { port: 2 },
      }),
    ]);
    expect(await readDefault()).toBe("MyIngress.dmac default -> MyIngress.forward(port=2)");
    hosts[1]!.send(frame("00:00:00:00:00:99", MAC.h1));
    expect((await hosts[2]!.next()).length).toBe(19);
    // A default entry can only be modified.
    const ins = await writeError(primary, [
      idx.tableUpdate(Update_Type.INSERT, {
        table: "MyIngress.dmac",
        isDefault: true,
        action: "MyIngress.drop",
      }),
    ]);
    expect(ins.failures[0]!.canonicalCode).toBe(Code.INVALID_ARGUMENT);
    // MODIFY without an action restores the program's default.
    await primary.write([
      update(
        Update_Type.MODIFY,
        create(EntitySchema, { entity: { case: "tableEntry", value: { tableId, isDefaultAction: true } } }),
      ),
    ]);
    expect(await readDefault()).toBe("MyIngress.dmac default -> MyIngress.drop()");
  });

  it("reports per-update errors with their codes: ALREADY_EXISTS, NOT_FOUND, INVALID_ARGUMENT", async () => {
    const aclId = idx.table("MyIngress.acl").preamble!.id;
    const tooWide = dmac("00:00:00:00:00:44", "MyIngress.forward", { port: 1 });
    // port is bit<9>: 0x0200 does not fit.
    (
      tooWide.entity!.entity.value as {
        action: { type: { value: { params: Array<{ value: Uint8Array }> } } };
      }
    ).action.type.value.params[0]!.value = Uint8Array.from([0x02, 0x00]);
    const padded = dmac(MAC.h3, "MyIngress.forward", { port: 1 });
    // A padded (non-canonical) value that fits is accepted.
    (padded.entity!.entity.value as { action: { type: { value: { params: Array<{ value: Uint8Array }> } } } })
      .action.type.value.params[0]!.value = Uint8Array.from([0x00, 0x01]);
    const noPriority = update(
      Update_Type.INSERT,
      create(EntitySchema, {
        entity: {
          case: "tableEntry",
          value: idx.buildTableEntry({
            table: "MyIngress.acl",
            match: { "hdr.ethernet.etherType": { ternary: [0x86dd, 0xffff] } },
            action: "MyIngress.drop",
            priority: 1,
          }),
        },
      }),
    );
    (noPriority.entity!.entity.value as { priority: number }).priority = 0;
    const dontCare = update(
      Update_Type.INSERT,
      create(EntitySchema, {
        entity: {
          case: "tableEntry",
          value: create(TableEntrySchema, {
            tableId: aclId,
            priority: 3,
            match: [
              {
                fieldId: 1,
                fieldMatchType: {
                  case: "ternary",
                  value: { value: Uint8Array.of(0), mask: Uint8Array.of(0) },
                },
              },
            ],
            action: {
              type: { case: "action", value: { actionId: idx.action("MyIngress.drop").preamble!.id } },
            },
          }),
        },
      }),
    );
    const unknownTable = update(
      Update_Type.INSERT,
      create(EntitySchema, { entity: { case: "tableEntry", value: { tableId: 0x02abcdef } } }),
    );
    const err = await writeError(primary, [
      padded,
      dmac(MAC.h3, "MyIngress.forward", { port: 1 }), // duplicate of the one before
      dmac("00:00:00:00:00:77", "MyIngress.drop", {}, Update_Type.DELETE), // not there
      tooWide,
      noPriority,
      dontCare,
      unknownTable,
    ]);
    expect(err.code).toBe(grpc.status.UNKNOWN);
    expect(err.failures.map((f) => [f.index, Code[f.canonicalCode]])).toEqual([
      [1, "ALREADY_EXISTS"],
      [2, "NOT_FOUND"],
      [3, "INVALID_ARGUMENT"],
      [4, "INVALID_ARGUMENT"],
      [5, "INVALID_ARGUMENT"],
      [6, "NOT_FOUND"],
    ]);
    expect(err.failures[2]!.message).toMatch(/does not fit in bit<9>/);
    expect(err.failures[3]!.message).toMatch(/priority > 0/);
    // The padded insert went in, and reads back canonical.
    const r = await primary.read([tableWildcard(idx.table("MyIngress.dmac").preamble!.id)]);
    expect(r.map((e) => idx.formatTableEntry(e.entity.value as never))).toEqual([
      "MyIngress.dmac hdr.ethernet.dstAddr=00:00:00:00:00:03 -> MyIngress.forward(port=1)",
    ]);
    await primary.write([dmac(MAC.h3, "MyIngress.drop", {}, Update_Type.DELETE)]);
  });

  it("refuses writes from the backup as a whole (PERMISSION_DENIED) and unknown devices (NOT_FOUND)", async () => {
    const denied = await writeError(backup, [dmac(MAC.h1, "MyIngress.drop")]);
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.failures).toEqual([]);
    const stranger = client(99n, { deviceId: 7 });
    const e = await writeError(stranger, [dmac(MAC.h1, "MyIngress.drop")]);
    expect(e.code).toBe(grpc.status.NOT_FOUND);
    await expect(stranger.read([tableWildcard()])).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(stranger.connect(2000)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("rolls a ROLLBACK_ON_ERROR batch back when one update fails", async () => {
    const err = await writeError(
      primary,
      [dmac(MAC.h1, "MyIngress.forward", { port: 1 }), dmac(MAC.h1, "MyIngress.forward", { port: 1 })],
      { atomicity: WriteRequest_Atomicity.ROLLBACK_ON_ERROR },
    );
    expect(err.failures.map((f) => Code[f.canonicalCode])).toEqual(["ABORTED", "ALREADY_EXISTS"]);
    expect(await primary.read([tableWildcard(idx.table("MyIngress.dmac").preamble!.id)])).toEqual([]);
  });
});

describe("P4Runtime server: replication, externs, packet I/O, digests", () => {
  it("multicasts to a group's replicas and reads the group back", async () => {
    await primary.write([
      update(Update_Type.INSERT, multicastGroupEntity(7, [{ port: 2 }, { port: 3, instance: 1 }])),
      dmac("ff:ff:ff:ff:ff:ff", "MyIngress.flood", { group: 7 }),
    ]);
    const dup = await writeError(primary, [
      update(Update_Type.INSERT, multicastGroupEntity(7, [{ port: 1 }])),
    ]);
    expect(dup.failures[0]!.canonicalCode).toBe(Code.ALREADY_EXISTS);
    const missing = await writeError(primary, [update(Update_Type.DELETE, multicastGroupEntity(8, []))]);
    expect(missing.failures[0]!.canonicalCode).toBe(Code.NOT_FOUND);
    const groups = await primary.read([multicastGroupEntity(0, [])]);
    expect(groups).toEqual([multicastGroupEntity(7, [{ port: 2 }, { port: 3, instance: 1 }])]);
    hosts[1]!.send(frame("ff:ff:ff:ff:ff:ff", MAC.h1));
    expect((await hosts[2]!.next()).length).toBe(19);
    expect((await hosts[3]!.next()).length).toBe(19);
  });

  it("clones through a clone session; the acl entry's direct counter and the indexed counter count", async () => {
    await primary.write([
      update(Update_Type.INSERT, cloneSessionEntity(5, [{ port: 3 }], { packetLengthBytes: 14 })),
      dmac(MAC.h2, "MyIngress.forward", { port: 2 }),
      idx.tableUpdate(Update_Type.INSERT, {
        table: "MyIngress.acl",
        match: {
          "hdr.ethernet.etherType": { ternary: [0x0800, 0xffff] },
          "standard_metadata.ingress_port": { range: [1, 1] },
        },
        action: "MyIngress.mirror",
        params: { session: 5 },
        priority: 10,
      }),
    ]);
    expect(await primary.read([cloneSessionEntity(0, [])])).toEqual([
      cloneSessionEntity(5, [{ port: 3 }], { packetLengthBytes: 14 }),
    ]);
    const before = await primary.read([counterEntity(idx.counter("MyIngress.port_packets").preamble!.id, 1)]);
    const pkts = (before[0]!.entity.value as { data: { packetCount: bigint } }).data.packetCount;

    hosts[1]!.send(frame(MAC.h2, MAC.h1));
    expect((await hosts[2]!.next()).length).toBe(19);
    expect((await hosts[3]!.next()).length).toBe(14); // truncated clone

    const acl = await primary.read([
      create(EntitySchema, {
        entity: {
          case: "tableEntry",
          value: { tableId: idx.table("MyIngress.acl").preamble!.id, counterData: {} },
        },
      }),
    ]);
    expect(acl).toHaveLength(1);
    expect(
      (acl[0]!.entity.value as { counterData: { packetCount: bigint; byteCount: bigint } }).counterData,
    ).toMatchObject({
      packetCount: 1n,
      byteCount: 19n,
    });
    const direct = await primary.read([
      create(EntitySchema, { entity: { case: "directCounterEntry", value: { tableEntry: { tableId: 0 } } } }),
    ]);
    expect((direct[0]!.entity.value as { data: { packetCount: bigint } }).data.packetCount).toBe(1n);
    const after = await primary.read([counterEntity(idx.counter("MyIngress.port_packets").preamble!.id, 1)]);
    expect((after[0]!.entity.value as { data: { packetCount: bigint } }).data.packetCount).toBe(pkts + 1n);
    // Counters are MODIFY-only.
    const ins = await writeError(primary, [
      update(Update_Type.INSERT, counterEntity(idx.counter("MyIngress.port_packets").preamble!.id, 1)),
    ]);
    expect(ins.failures[0]!.canonicalCode).toBe(Code.INVALID_ARGUMENT);
  });

  it("writes and reads register cells, one or all, and sees the data plane's writes", async () => {
    const reg = idx.register("MyIngress.last_type");
    const regId = reg.preamble!.id;
    await primary.write([
      update(
        Update_Type.MODIFY,
        registerEntity(regId, 3, {
          $typeName: "p4.v1.P4Data",
          data: { case: "bitstring", value: Uint8Array.of(0x12, 0x34) },
        }),
      ),
    ]);
    const one = await primary.read([registerEntity(regId, 3)]);
    expect(one).toHaveLength(1);
    expect((one[0]!.entity.value as { data: { data: { value: Uint8Array } } }).data.data.value).toEqual(
      Uint8Array.of(0x12, 0x34),
    );
    hosts[2]!.send(frame(MAC.h1, MAC.h2, 0x88b5));
    await hosts[1]!.drain();
    const all = await primary.read([registerEntity(regId)]);
    expect(all).toHaveLength(16);
    const cell = (i: number) =>
      (all[i]!.entity.value as { data: { data: { value: Uint8Array } } }).data.data.value;
    expect(cell(2)).toEqual(Uint8Array.of(0x88, 0xb5));
    expect(cell(0)).toEqual(Uint8Array.of(0));
    const oob = await writeError(primary, [
      update(
        Update_Type.MODIFY,
        registerEntity(regId, 16, {
          $typeName: "p4.v1.P4Data",
          data: { case: "bitstring", value: Uint8Array.of(1) },
        }),
      ),
    ]);
    expect(oob.failures[0]!.canonicalCode).toBe(Code.OUT_OF_RANGE);
    const unknown = await writeError(primary, [
      update(
        Update_Type.MODIFY,
        registerEntity(0x05000001, 0, {
          $typeName: "p4.v1.P4Data",
          data: { case: "bitstring", value: Uint8Array.of(1) },
        }),
      ),
    ]);
    expect(unknown.failures[0]!.canonicalCode).toBe(Code.NOT_FOUND);
  });

  it("sends a PacketOut out of the port its packet_out header names; the backup gets a StreamError", async () => {
    const payload = frame(MAC.h3, MAC.cpu, 0x1234, "from-controller");
    primary.packetOut(payload, idx.buildPacketMetadata({ egress_port: 3 }));
    expect(await hosts[3]!.next()).toEqual(payload);
    const err = next<StreamError>(backup, "streamError");
    backup.packetOut(payload, idx.buildPacketMetadata({ egress_port: 3 }));
    expect((await err).canonicalCode).toBe(Code.PERMISSION_DENIED);
    expect((await err).details.case).toBe("packetOut");
    expect(await hosts[3]!.drain()).toEqual([]);
  });

  it("turns a frame the pipeline sends to the CPU port into a PacketIn for the primary only", async () => {
    await primary.write([dmac(MAC.cpu, "MyIngress.to_cpu")]);
    const got = next<PacketIn>(primary, "packetIn");
    let backupGot = false;
    backup.once("packetIn", () => {
      backupGot = true;
    });
    const f = frame(MAC.cpu, MAC.h2, 0x0801, "to the controller");
    hosts[2]!.send(f);
    const pin = await got;
    expect(pin.payload).toEqual(f);
    expect(idx.decodePacketMetadata(pin.metadata)).toEqual({ ingress_port: 2n, _pad: 0n });
    await new Promise((r) => setTimeout(r, 50));
    expect(backupGot).toBe(false);
  });

  it("delivers digests once configured, as DigestLists the client acks", async () => {
    const digestId = idx.digest("learn_t").preamble!.id;
    await primary.write([
      idx.tableUpdate(Update_Type.MODIFY, {
        table: "MyIngress.smac",
        isDefault: true,
        action: "MyIngress.learn",
      }),
    ]);
    // Not configured yet: nothing is sent.
    hosts[1]!.send(frame(MAC.h2, "00:00:00:00:00:aa"));
    await hosts[2]!.drain();
    expect(device.digests.stats.unconfigured).toBeGreaterThan(0);
    await primary.write([
      update(Update_Type.INSERT, digestEntity(digestId, { maxListSize: 1, ackTimeoutNs: 1_000_000_000n })),
    ]);
    expect(await primary.read([digestEntity(0)])).toEqual([
      digestEntity(digestId, { maxListSize: 1, ackTimeoutNs: 1_000_000_000n }),
    ]);
    const list = next<DigestList>(primary, "digest");
    hosts[1]!.send(frame(MAC.h2, "00:00:00:00:00:bb"));
    const d = await list;
    expect(d.digestId).toBe(digestId);
    expect(d.data).toHaveLength(1);
    expect(idx.decodeDigest("learn_t", d.data[0]!)).toEqual({ srcAddr: 0xbbn, port: 1n });
    const dupe = await writeError(primary, [
      update(Update_Type.INSERT, digestEntity(digestId, { maxListSize: 1 })),
    ]);
    expect(dupe.failures[0]!.canonicalCode).toBe(Code.ALREADY_EXISTS);
  });
});

describe("P4Runtime server: arbitration and reconfiguration", () => {
  it("lets the backup take over with a higher election id; the old primary becomes a backup", async () => {
    const lost = next<ArbitrationState>(primary, "arbitration");
    const won = next<ArbitrationState>(backup, "arbitration");
    backup.setElectionId(20n);
    expect((await won).primary).toBe(true);
    expect((await lost).primary).toBe(false);
    const denied = await writeError(primary, [dmac(MAC.h1, "MyIngress.drop")]);
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    [primary, backup] = [backup, primary];
  });

  it("keeps the forwarding state across RECONCILE_AND_COMMIT and replays writes after VERIFY_AND_SAVE on COMMIT", async () => {
    const dmacId = idx.table("MyIngress.dmac").preamble!.id;
    await Promise.all([1, 2, 3].map((n) => hosts[n]!.drain()));
    const before = (await primary.read([tableWildcard(dmacId)])).length;
    expect(before).toBeGreaterThan(0);
    await primary.setPipeline(P4INFO, JSON_BYTES, Action.RECONCILE_AND_COMMIT, 43n);
    expect(await primary.read([tableWildcard(dmacId)])).toHaveLength(before);
    expect(await primary.read([multicastGroupEntity(0, [])])).toHaveLength(1);

    await primary.setPipeline(P4INFO, JSON_BYTES, Action.VERIFY_AND_SAVE, 44n);
    // Writes now address the saved pipeline (empty), while the old one keeps forwarding.
    expect(await primary.read([tableWildcard(dmacId)])).toEqual([]);
    await primary.write([dmac(MAC.h1, "MyIngress.forward", { port: 1 })]);
    hosts[1]!.send(frame(MAC.h2, MAC.h1));
    expect((await hosts[2]!.next()).length).toBe(19); // old pipeline still forwards
    expect((await primary.getPipeline()).cookie?.cookie).toBe(43n);
    await primary.setPipeline(P4INFO, new Uint8Array(0), Action.COMMIT);
    expect((await primary.getPipeline()).cookie?.cookie).toBe(44n);
    expect(
      (await primary.read([tableWildcard(dmacId)])).map((e) => idx.formatTableEntry(e.entity.value as never)),
    ).toEqual(["MyIngress.dmac hdr.ethernet.dstAddr=00:00:00:00:00:01 -> MyIngress.forward(port=1)"]);
    hosts[1]!.send(frame(MAC.h2, MAC.h1));
    expect(await hosts[2]!.drain()).toEqual([]); // the committed pipeline drops it (no entry)
    hosts[3]!.send(frame(MAC.h1, MAC.h3));
    expect((await hosts[1]!.next()).length).toBe(19);
  });
});

describe("P4Runtime server: malformed stream messages", () => {
  it("answers each with a StreamError instead of ending the stream", async () => {
    const stub = new P4RuntimeStub(address, grpc.credentials.createInsecure());
    const stream = stub.streamChannel();
    const errors: StreamError[] = [];
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 3000;
      while (errors.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    stream.on("data", (m: StreamMessageResponse) => {
      if (m.update.case === "error") errors.push(m.update.value);
    });
    stream.on("error", () => {});
    try {
      // Before arbitration: not the primary.
      stream.write(
        create(StreamMessageRequestSchema, {
          update: { case: "packet", value: { payload: Uint8Array.of(1) } },
        }),
      );
      stream.write(create(StreamMessageRequestSchema, {}));
      stream.write(
        create(StreamMessageRequestSchema, {
          update: { case: "other", value: { typeUrl: "type.googleapis.com/x.Y", value: Uint8Array.of() } },
        }),
      );
      await waitFor(3);
      expect(errors.map((e) => [Code[e.canonicalCode], e.details.case])).toEqual([
        ["PERMISSION_DENIED", "packetOut"],
        ["INVALID_ARGUMENT", "other"],
        ["UNIMPLEMENTED", "other"],
      ]);
    } finally {
      stream.cancel();
      stub.close();
    }
    // An ack for a digest the pipeline does not have, from the primary.
    const got = next<StreamError>(primary, "streamError");
    primary.ackDigest(12345, 1n);
    expect(await got).toMatchObject({ canonicalCode: Code.NOT_FOUND, details: { case: "digestListAck" } });
  });
});

// --- the real `paxosctl switch` process ------------------------------------------------------

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "paxosctl");

/** Rebuilds dist/ when it is older than the sources this test exercises (make test builds first). */
function ensureBuilt(): void {
  const built = join(ROOT, "dist", "src", "switch", "daemon.js");
  const sources = [
    join(ROOT, "src", "switch", "daemon.ts"),
    join(ROOT, "controller", "cli", "switch.ts"),
    ...readdirSync(join(ROOT, "src", "switch", "p4rt")).map((f) => join(ROOT, "src", "switch", "p4rt", f)),
  ];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  // Emits even if an unrelated module has type errors; the file check below is what matters.
  spawnSync(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: ROOT,
      stdio: "ignore",
    },
  );
  if (!existsSync(built)) throw new Error("dist/ could not be built; run make build");
}

async function udpSocket(): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return s;
}

async function freeUdpPort(): Promise<number> {
  const s = await udpSocket();
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("paxosctl switch (a real process)", () => {
  it("serves P4Runtime, forwards UDP-tunnelled frames, captures them and exits cleanly on SIGTERM", async () => {
    ensureBuilt();
    const h1 = await udpSocket();
    const h2 = await udpSocket();
    const [l1, l2] = [await freeUdpPort(), await freeUdpPort()];
    const pcapDir = mkdtempSync(join(tmpdir(), "p4rt-switch-"));
    const child = spawn(
      process.execPath,
      [
        BIN,
        "switch",
        "--grpc",
        "127.0.0.1:0",
        "--device-id",
        "3",
        "--cpu-port",
        "64",
        "--port",
        `1@udp:${l1}:127.0.0.1:${h1.address().port}`,
        "--port",
        `2@udp:${l2}:127.0.0.1:${h2.address().port}`,
        "--pcap",
        pcapDir,
        "--log-level",
        "debug",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    let c: P4RuntimeClient | undefined;
    try {
      const deadline = Date.now() + 15_000;
      while (!/switch ready: grpc=(\S+)/.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ready line: ${stdout} ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const grpcAddress = /switch ready: grpc=(\S+)/.exec(stdout)![1]!;
      expect(stdout).toContain(`ports=1@udp:${l1}->127.0.0.1:${h1.address().port},2@udp:${l2}->`);

      c = new P4RuntimeClient({ address: grpcAddress, deviceId: 3, electionId: 1, reconnect: false });
      expect((await c.connect()).primary).toBe(true);
      await c.setPipeline(P4INFO, JSON_BYTES);
      await c.write([dmac(MAC.h2, "MyIngress.forward", { port: 2 })]);

      const received = new Promise<Uint8Array>((resolve) =>
        h2.once("message", (m) => resolve(new Uint8Array(m))),
      );
      const f = frame(MAC.h2, MAC.h1, 0x0800, "through a process");
      h1.send(f, l1, "127.0.0.1");
      expect(await received).toEqual(f);
      c.close();
      c = undefined;

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/DEBUG switch\[3\]: Write device=3 .* updates=1/);
      expect(stderr).toMatch(/SIGTERM: shutting down/);
      const p1 = readPcap(readFileSync(join(pcapDir, "port1.pcap")));
      const p2 = readPcap(readFileSync(join(pcapDir, "port2.pcap")));
      expect(p1.records.map((r) => r.data)).toEqual([f]);
      expect(p2.records.map((r) => r.data)).toEqual([f]);
    } finally {
      c?.close();
      if (child.exitCode === null) child.kill("SIGKILL");
      h1.close();
      h2.close();
      rmSync(pcapDir, { recursive: true, force: true });
    }
  });
});
