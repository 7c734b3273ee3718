// P4RuntimeClient against a real grpc-js server on 127.0.0.1. The server is a
// minimal in-test P4Runtime implementation (arbitration, a table store,
// streaming Read, packet echo, digests), just enough to exercise the client.
import { create, equals, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { ArbitrationError, Arbitrator } from "../../../src/p4runtime/arbitration.js";
import { type ArbitrationState, P4RuntimeClient } from "../../../src/p4runtime/client.js";
import { Code } from "../../../src/p4runtime/gen/google/rpc/code_pb.js";
import {
  type DigestListAck,
  EntitySchema,
  type ForwardingPipelineConfig,
  type MasterArbitrationUpdate,
  type PacketIn,
  ReadResponseSchema,
  type StreamMessageRequest,
  type StreamMessageResponse,
  StreamMessageResponseSchema,
  type TableEntry,
  TableEntrySchema,
  type Uint128,
  type Update,
  Update_Type,
  UpdateSchema,
} from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { type P4RuntimeServer, P4RuntimeService } from "../../../src/p4runtime/grpc.js";
import { P4InfoIndex } from "../../../src/p4runtime/p4info-index.js";
import {
  P4RuntimeWriteError,
  rpcFailureStatus,
  serverError,
  writeFailureStatus,
} from "../../../src/p4runtime/status.js";
import { sampleP4Info } from "./fixture.js";

const DEVICE = 1n;

type Call = grpc.ServerDuplexStream<StreamMessageRequest, StreamMessageResponse>;

class MiniSwitch {
  server = new grpc.Server();
  port = 0;
  arbitration = new Arbitrator<Call>({ isKnownDevice: (d) => d === DEVICE });
  entries = new Map<string, TableEntry>();
  acks: DigestListAck[] = [];
  pipeline: ForwardingPipelineConfig | undefined;
  private nextListId = 1n;

  async start(port = 0): Promise<number> {
    this.server.addService(P4RuntimeService, this.impl);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return this.port;
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private send(notices: { to: Call; update: MasterArbitrationUpdate }[]): void {
    for (const n of notices) {
      n.to.write(create(StreamMessageResponseSchema, { update: { case: "arbitration", value: n.update } }));
    }
  }

  private checkPrimary(req: {
    deviceId: bigint;
    role: string;
    electionId?: Uint128;
  }): grpc.ServerErrorResponse | null {
    try {
      this.arbitration.checkPrimary(req.deviceId, req.role, req.electionId);
      return null;
    } catch (e) {
      if (e instanceof ArbitrationError) return serverError(e.code, e.message);
      throw e;
    }
  }

  private key(e: TableEntry): string {
    const k = create(TableEntrySchema, { tableId: e.tableId, match: e.match, priority: e.priority });
    return Buffer.from(toBinary(TableEntrySchema, k)).toString("hex");
  }

  private apply(u: Update): { canonicalCode: Code; message: string } {
    const e = u.entity?.entity;
    if (e?.case !== "tableEntry") return { canonicalCode: Code.UNIMPLEMENTED, message: "tables only" };
    const k = this.key(e.value);
    switch (u.type) {
      case Update_Type.INSERT:
        if (this.entries.has(k)) return { canonicalCode: Code.ALREADY_EXISTS, message: "entry exists" };
        this.entries.set(k, e.value);
        return { canonicalCode: Code.OK, message: "" };
      case Update_Type.DELETE:
        if (!this.entries.delete(k)) return { canonicalCode: Code.NOT_FOUND, message: "no such entry" };
        return { canonicalCode: Code.OK, message: "" };
      default:
        return { canonicalCode: Code.INVALID_ARGUMENT, message: "bad update type" };
    }
  }

  impl: P4RuntimeServer = {
    write: (call, cb) => {
      const denied = this.checkPrimary(call.request);
      if (denied) {
        cb(denied);
        return;
      }
      const results = call.request.updates.map((u) => this.apply(u));
      if (results.every((r) => r.canonicalCode === Code.OK)) cb(null, { $typeName: "p4.v1.WriteResponse" });
      else cb(writeFailureStatus(results));
    },
    read: (call) => {
      // One entity per response, to exercise the streaming side of Read.
      for (const e of this.entries.values()) {
        call.write(create(ReadResponseSchema, { entities: [{ entity: { case: "tableEntry", value: e } }] }));
      }
      call.end();
    },
    setForwardingPipelineConfig: (call, cb) => {
      const denied = this.checkPrimary(call.request);
      if (denied) {
        cb(denied);
        return;
      }
      this.pipeline = call.request.config;
      cb(null, { $typeName: "p4.v1.SetForwardingPipelineConfigResponse" });
    },
    getForwardingPipelineConfig: (_call, cb) => {
      if (!this.pipeline) cb(rpcFailureStatus(grpc.status.FAILED_PRECONDITION, "no pipeline"));
      else cb(null, { $typeName: "p4.v1.GetForwardingPipelineConfigResponse", config: this.pipeline });
    },
    capabilities: (_call, cb) =>
      cb(null, { $typeName: "p4.v1.CapabilitiesResponse", p4runtimeApiVersion: "1.4.1" }),
    streamChannel: (call) => {
      let gone = false;
      const drop = () => {
        if (gone) return;
        gone = true;
        this.send(this.arbitration.disconnect(call));
      };
      call.on("end", () => {
        drop();
        call.end();
      });
      call.on("error", drop);
      call.on("cancelled", drop);
      call.on("data", (msg: StreamMessageRequest) => {
        const u = msg.update;
        if (u.case === "arbitration") {
          try {
            this.send(this.arbitration.update(call, u.value));
          } catch (e) {
            if (!(e instanceof ArbitrationError)) throw e;
            call.emit("error", serverError(e.code, e.message));
          }
        } else if (u.case === "packet") {
          if (!this.arbitration.isPrimary(call)) {
            call.write(
              create(StreamMessageResponseSchema, {
                update: {
                  case: "error",
                  value: {
                    canonicalCode: Code.PERMISSION_DENIED,
                    message: "not primary",
                    details: { case: "packetOut", value: { packetOut: u.value } },
                  },
                },
              }),
            );
            return;
          }
          const payload = u.value.payload;
          if (payload[0] === 0x44 /* "D" */) {
            call.write(
              create(StreamMessageResponseSchema, {
                update: {
                  case: "digest",
                  value: {
                    digestId: 0x17000001,
                    listId: this.nextListId++,
                    data: [{ data: { case: "bitstring", value: payload.slice(1) } }],
                  },
                },
              }),
            );
          } else {
            call.write(
              create(StreamMessageResponseSchema, {
                update: { case: "packet", value: { payload, metadata: u.value.metadata } },
              }),
            );
          }
        } else if (u.case === "digestAck") {
          this.acks.push(u.value);
        }
      });
    },
  };
}

const index = new P4InfoIndex(sampleP4Info());
const route = (net: string, port: number): Update =>
  index.tableUpdate(Update_Type.INSERT, {
    table: "MyIngress.ipv4_lpm",
    match: { "hdr.ipv4.dstAddr": net },
    action: "MyIngress.forward",
    params: { dstAddr: "00:00:00:00:00:01", port },
  });

function next<T>(
  emitter: P4RuntimeClient,
  event: "packetIn" | "arbitration" | "disconnected" | "streamError" | "digest" | "failed",
  pred: (v: T) => boolean = () => true,
  ms = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), ms);
    const on = (v: T) => {
      if (!pred(v)) return;
      clearTimeout(timer);
      emitter.off(event, on as never);
      resolve(v);
    };
    emitter.on(event, on as never);
  });
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

async function setup(): Promise<MiniSwitch> {
  const sw = new MiniSwitch();
  await sw.start();
  cleanup.push(() => sw.stop());
  return sw;
}

function client(
  sw: MiniSwitch,
  electionId: bigint,
  extra: Partial<ConstructorParameters<typeof P4RuntimeClient>[0]> = {},
): P4RuntimeClient {
  const c = new P4RuntimeClient({
    address: `127.0.0.1:${sw.port}`,
    deviceId: DEVICE,
    electionId,
    reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    rpcTimeoutMs: 5_000,
    ...extra,
  });
  cleanup.push(() => c.close());
  return c;
}

describe("P4RuntimeClient", () => {
  it("arbitrates: the higher election id is primary, the other backup, and a takeover is reported to both", async () => {
    const sw = await setup();
    const a = client(sw, 10n);
    const b = client(sw, 5n);
    const sa = await a.connect();
    expect(sa).toMatchObject({ primary: true, code: Code.OK, electionId: 10n, highestElectionId: 10n });
    const sb = await b.connect();
    expect(sb).toMatchObject({ primary: false, code: Code.ALREADY_EXISTS, highestElectionId: 10n });
    expect(a.isPrimary).toBe(true);
    expect(b.isPrimary).toBe(false);

    const aLost = next<ArbitrationState>(a, "arbitration", (s) => !s.primary);
    const bWon = next<ArbitrationState>(b, "arbitration", (s) => s.primary);
    b.setElectionId(20n);
    expect((await bWon).highestElectionId).toBe(20n);
    expect((await aLost).highestElectionId).toBe(20n);
    expect(a.isPrimary).toBe(false);

    // The backup's writes are refused as a whole.
    const err = await a.write([route("10.0.0.0/8", 1)]).catch((e) => e);
    expect(err).toBeInstanceOf(P4RuntimeWriteError);
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(err.failures).toEqual([]);

    // When the primary leaves, nobody is primary until a controller arbitrates
    // with an election id at least as high as the highest seen (20).
    const orphaned = next<ArbitrationState>(a, "arbitration", (s) => s.code === Code.NOT_FOUND);
    b.close();
    expect(await orphaned).toMatchObject({ primary: false, highestElectionId: 20n });
    const promoted = next<ArbitrationState>(a, "arbitration", (s) => s.primary);
    a.setElectionId(21n);
    expect((await promoted).highestElectionId).toBe(21n);
    await a.write([route("10.0.0.0/8", 1)]);
  });

  it("fails for good when the server refuses the session (election id in use, unknown device)", async () => {
    const sw = await setup();
    await client(sw, 3n).connect();
    const dup = client(sw, 3n);
    const failed = next<{ code: number }>(dup, "failed");
    await expect(dup.connect()).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect((await failed).code).toBe(grpc.status.INVALID_ARGUMENT);
    const stranger = client(sw, 4n, { deviceId: 99 });
    await expect(stranger.connect()).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("surfaces per-update errors from a Write, with indices across batches", async () => {
    const sw = await setup();
    const c = client(sw, 1n);
    await c.connect();
    const err = await c
      .write([route("10.0.0.0/8", 1), route("10.0.0.0/8", 2), route("10.1.0.0/16", 3)])
      .catch((e) => e);
    expect(err).toBeInstanceOf(P4RuntimeWriteError);
    expect(err.code).toBe(grpc.status.UNKNOWN);
    expect(err.failures).toHaveLength(1);
    expect(err.failures[0]).toMatchObject({
      index: 1,
      canonicalCode: Code.ALREADY_EXISTS,
      message: "entry exists",
    });
    expect(sw.entries.size).toBe(2);

    // Batches of 2: the failing update (#3, a duplicate of #0) sits in the second batch.
    const updates = [
      route("20.0.0.0/8", 1),
      route("21.0.0.0/8", 1),
      route("22.0.0.0/8", 1),
      route("20.0.0.0/8", 9),
      route("23.0.0.0/8", 1),
    ];
    const err2 = await c.write(updates, { batchSize: 2 }).catch((e) => e);
    expect(err2.failures.map((f: { index: number }) => f.index)).toEqual([3]);
    expect(err2.failures[0].update).toBe(updates[3]);
    expect(sw.entries.size).toBe(6);

    const del = create(UpdateSchema, { ...route("99.0.0.0/8", 1), type: Update_Type.DELETE });
    const err3 = await c.write([del]).catch((e) => e);
    expect(err3.failures[0]).toMatchObject({ index: 0, canonicalCode: Code.NOT_FOUND });
  });

  it("reads a streamed answer and gets back what it wrote", async () => {
    const sw = await setup();
    const c = client(sw, 1n);
    await c.connect();
    const updates = [route("10.0.0.0/8", 1), route("10.1.0.0/16", 2), route("10.2.0.0/16", 3)];
    await c.write(updates);
    const got = await c.read([create(EntitySchema, { entity: { case: "tableEntry", value: {} } })]);
    expect(got).toHaveLength(3);
    for (const u of updates) {
      expect(got.some((e) => equals(EntitySchema, e, u.entity!))).toBe(true);
    }
    const shown = got
      .map((e) => (e.entity.case === "tableEntry" ? index.formatTableEntry(e.entity.value) : ""))
      .sort();
    expect(shown[0]).toBe(
      "MyIngress.ipv4_lpm hdr.ipv4.dstAddr=10.0.0.0/8 -> MyIngress.forward(dstAddr=00:00:00:00:00:01, port=1)",
    );
  });

  it("sends PacketOut and receives PacketIn on the stream; a backup's PacketOut yields a StreamError", async () => {
    const sw = await setup();
    const a = client(sw, 2n);
    const b = client(sw, 1n);
    await a.connect();
    await b.connect();
    const payload = new Uint8Array([1, 2, 3, 4, 5]);
    const pin = next<PacketIn>(a, "packetIn");
    a.packetOut(payload, index.buildPacketMetadata({ egress_port: 7 }));
    const got = await pin;
    expect(got.payload).toEqual(payload);
    expect(got.metadata[0]).toMatchObject({ metadataId: 1, value: new Uint8Array([7]) });

    const serr = next<{ canonicalCode: number; details: { case: string } }>(b, "streamError");
    b.packetOut(payload);
    const e = await serr;
    expect(e.canonicalCode).toBe(Code.PERMISSION_DENIED);
    expect(e.details.case).toBe("packetOut");
  });

  it("acknowledges digests automatically", async () => {
    const sw = await setup();
    const c = client(sw, 1n);
    await c.connect();
    const d = next<{ listId: bigint; digestId: number }>(c, "digest");
    c.packetOut(new Uint8Array([0x44, 9]));
    const list = await d;
    expect(list.digestId).toBe(0x17000001);
    await expect.poll(() => sw.acks.length).toBe(1);
    expect(sw.acks[0]).toMatchObject({ digestId: 0x17000001, listId: list.listId });
  });

  it("sets and gets the pipeline and reads the API version", async () => {
    const sw = await setup();
    const c = client(sw, 1n);
    await c.connect();
    await expect(c.getPipeline()).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    const info = sampleP4Info();
    const blob = new TextEncoder().encode('{"program": "paxos"}');
    await c.setPipeline(info, blob, undefined, 42n);
    const cfg = await c.getPipeline();
    expect(cfg.p4DeviceConfig).toEqual(blob);
    expect(cfg.cookie?.cookie).toBe(42n);
    expect(new P4InfoIndex(cfg.p4info!).table("ipv4_lpm").preamble?.name).toBe("MyIngress.ipv4_lpm");
    expect(await c.capabilities()).toBe("1.4.1");
  });

  it("reconnects with backoff after the server restarts and becomes primary again", async () => {
    const sw = await setup();
    const port = sw.port;
    const c = client(sw, 7n);
    await c.connect();
    const down = next<Error>(c, "disconnected");
    sw.stop();
    await down;
    expect(c.isPrimary).toBe(false);
    expect(() => c.packetOut(new Uint8Array([1]))).toThrow(/not open/);

    const retries: number[] = [];
    c.on("reconnecting", (r) => retries.push(r.delayMs));
    await new Promise((r) => setTimeout(r, 300));
    const sw2 = new MiniSwitch();
    await sw2.start(port);
    cleanup.push(() => sw2.stop());
    const back = await c.nextArbitration(5_000);
    expect(back.primary).toBe(true);
    expect(retries.length).toBeGreaterThan(0);
    expect(Math.max(...retries)).toBeLessThanOrEqual(400);
    await c.write([route("10.0.0.0/8", 1)]);
    expect(sw2.entries.size).toBe(1);
  });

  it("connect() gives up after its timeout when nothing listens", async () => {
    const sw = await setup();
    const port = sw.port;
    sw.stop();
    const c = new P4RuntimeClient({
      address: `127.0.0.1:${port}`,
      deviceId: 1,
      electionId: 1,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    cleanup.push(() => c.close());
    await expect(c.connect(300)).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });
});
