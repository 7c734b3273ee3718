// The embedded switch's P4Runtime gRPC server: any P4Runtime client (p4runtime-shell, ONOS, our
// controller) drives it as it would simple_switch_grpc. Arbitration follows the specification
// via Arbitrator; everything else is delegated to the Device of the request's device_id.
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { ArbitrationError, Arbitrator } from "../../p4runtime/arbitration.js";
import { fromUint128 } from "../../p4runtime/bytes.js";
import { Code } from "../../p4runtime/gen/google/rpc/code_pb.js";
import {
  CapabilitiesResponseSchema,
  ForwardingPipelineConfigSchema,
  GetForwardingPipelineConfigResponseSchema,
  ReadResponseSchema,
  GetForwardingPipelineConfigRequest_ResponseType as ResponseType,
  SetForwardingPipelineConfigRequest_Action,
  SetForwardingPipelineConfigResponseSchema,
  type StreamError,
  type StreamMessageRequest,
  type StreamMessageResponse,
  StreamMessageResponseSchema,
  type Uint128,
  Update_Type,
  WriteRequest_Atomicity,
  WriteResponseSchema,
} from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import { type P4RuntimeServer, P4RuntimeService } from "../../p4runtime/grpc.js";
import { rpcFailureStatus, serverError, writeFailureStatus } from "../../p4runtime/status.js";
import type { Device } from "./device.js";
import { asP4rtError, P4rtError } from "./errors.js";
import { type Logger, silentLogger } from "./log.js";
import { type ServerTls, serverCredentials } from "./tls.js";

/** The P4Runtime API version this server implements (Capabilities). */
export const P4RUNTIME_API_VERSION = "1.4.1";

/** Entities per ReadResponse message. */
const READ_CHUNK = 1000;

type Stream = grpc.ServerDuplexStream<StreamMessageRequest, StreamMessageResponse>;

export interface SwitchServerOptions {
  log?: Logger;
  /** Serve over TLS (mutual TLS when it has a client CA); plaintext without it. */
  tls?: ServerTls;
}

function election(id: Uint128 | undefined): string {
  return id === undefined ? "none" : fromUint128(id).toString();
}

export class P4RuntimeSwitchServer {
  private readonly devices = new Map<bigint, Device>();
  private readonly arbitrator = new Arbitrator<Stream>({ isKnownDevice: (d) => this.devices.has(d) });
  private readonly streams = new Map<Stream, { deviceId: bigint | undefined; peer: string }>();
  private readonly grpcServer: grpc.Server;
  private readonly log: Logger;
  private readonly tls: ServerTls | undefined;

  constructor(opts: SwitchServerOptions = {}) {
    this.log = opts.log ?? silentLogger;
    this.tls = opts.tls;
    this.grpcServer = new grpc.Server({
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      "grpc.max_send_message_length": 64 * 1024 * 1024,
    });
    this.grpcServer.addService(P4RuntimeService, this.handlers());
  }

  /** Serves `device`; its PacketIns and digests go to its primary controller. */
  addDevice(device: Device): void {
    if (this.devices.has(device.deviceId)) throw new Error(`device ${device.deviceId} is already served`);
    this.devices.set(device.deviceId, device);
    device.hooks.packetIn = (packet) => this.toPrimary(device.deviceId, { case: "packet", value: packet });
    device.hooks.digest = (digest) => this.toPrimary(device.deviceId, { case: "digest", value: digest });
  }

  device(id: bigint): Device | undefined {
    return this.devices.get(id);
  }

  /** Binds `address` ("127.0.0.1:9559", port 0 for any); resolves with the bound port. */
  listen(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.grpcServer.bindAsync(address, serverCredentials(this.tls), (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
  }

  /** Ends every stream and stops the server (forcefully after `graceMs`). */
  async close(graceMs = 1000): Promise<void> {
    for (const s of [...this.streams.keys()]) {
      this.dropStream(s);
      try {
        s.end();
      } catch {
        // already closed by the peer
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpcServer.forceShutdown();
        resolve();
      }, graceMs);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const d of this.devices.values()) d.close();
  }

  private send(to: Stream, update: StreamMessageResponse["update"]): boolean {
    if (!this.streams.has(to)) return false;
    try {
      to.write(create(StreamMessageResponseSchema, { update }));
      return true;
    } catch {
      return false;
    }
  }

  private toPrimary(deviceId: bigint, update: StreamMessageResponse["update"]): boolean {
    const p = this.arbitrator.primaryOf(deviceId, "");
    return p !== undefined && this.send(p, update);
  }

  private streamError(to: Stream, code: Code, message: string, details: StreamError["details"]): void {
    this.log.debug(`StreamChannel error to ${this.streams.get(to)?.peer}: ${Code[code]} ${message}`);
    this.send(to, {
      case: "error",
      value: { $typeName: "p4.v1.StreamError", canonicalCode: code, message, space: "", code: 0, details },
    });
  }

  private dropStream(s: Stream): void {
    const info = this.streams.get(s);
    if (!info) return;
    const notices = this.arbitrator.disconnect(s);
    this.streams.delete(s);
    if (info.deviceId !== undefined) this.log.info(`controller ${info.peer} left device ${info.deviceId}`);
    for (const n of notices) this.send(n.to, { case: "arbitration", value: n.update });
  }

  /** Device and primary checks shared by Write and SetForwardingPipelineConfig. */
  private authorize(req: { deviceId: bigint; role: string; electionId?: Uint128 }): Device {
    const dev = this.devices.get(req.deviceId);
    if (!dev) throw new P4rtError(Code.NOT_FOUND, `unknown device ${req.deviceId}`);
    try {
      this.arbitrator.checkPrimary(req.deviceId, req.role, req.electionId);
    } catch (e) {
      if (e instanceof ArbitrationError) throw new P4rtError(e.code as number as Code, e.message);
      throw e;
    }
    return dev;
  }

  private fail(rpc: string, e: unknown): Partial<grpc.StatusObject> {
    const err = asP4rtError(e);
    this.log.debug(`${rpc} failed: ${Code[err.code]} ${err.message}`);
    if (err.code === Code.INTERNAL) this.log.error(`${rpc}: ${err.message}`);
    return rpcFailureStatus(err.code as number as grpc.status, err.message);
  }

  private handlers(): P4RuntimeServer {
    return {
      write: (call, cb) => {
        const r = call.request;
        const kinds = r.updates.map((u) => `${Update_Type[u.type]}:${u.entity?.entity.case ?? "?"}`);
        this.log.debug(
          `Write device=${r.deviceId} election=${election(r.electionId)} atomicity=${WriteRequest_Atomicity[r.atomicity]} ` +
            `updates=${r.updates.length} [${kinds.slice(0, 8).join(" ")}${kinds.length > 8 ? " ..." : ""}]`,
        );
        let results: ReturnType<Device["write"]>;
        try {
          results = this.authorize(r).write(r.updates, r.atomicity);
        } catch (e) {
          cb(this.fail("Write", e));
          return;
        }
        const failed = results.filter((x) => (x.canonicalCode ?? Code.OK) !== Code.OK);
        if (failed.length === 0) {
          cb(null, create(WriteResponseSchema));
          return;
        }
        this.log.debug(
          `Write: ${failed.length} of ${results.length} failed, first: ${Code[failed[0]!.canonicalCode!]} ${failed[0]!.message}`,
        );
        cb(writeFailureStatus(results));
      },

      read: (call) => {
        const r = call.request;
        this.log.debug(
          `Read device=${r.deviceId} entities=${r.entities.length} [${r.entities.map((e) => e.entity.case).join(" ")}]`,
        );
        try {
          const dev = this.devices.get(r.deviceId);
          if (!dev) throw new P4rtError(Code.NOT_FOUND, `unknown device ${r.deviceId}`);
          const all = dev.read(r.entities);
          for (let i = 0; i < all.length; i += READ_CHUNK) {
            call.write(create(ReadResponseSchema, { entities: all.slice(i, i + READ_CHUNK) }));
          }
          call.end();
        } catch (e) {
          const err = asP4rtError(e);
          this.log.debug(`Read failed: ${Code[err.code]} ${err.message}`);
          call.emit("error", serverError(err.code as number as grpc.status, err.message));
        }
      },

      setForwardingPipelineConfig: (call, cb) => {
        const r = call.request;
        const action = SetForwardingPipelineConfigRequest_Action[r.action] ?? String(r.action);
        this.log.debug(
          `SetForwardingPipelineConfig device=${r.deviceId} election=${election(r.electionId)} action=${action} ` +
            `device_config=${r.config?.p4DeviceConfig.length ?? 0}B`,
        );
        try {
          const dev = this.authorize(r);
          dev.setPipeline(r.action, r.config);
          const p = dev.pipeline;
          this.log.info(
            `device ${r.deviceId}: ${action} done` +
              (p ? `; running ${p.map.tables.size} tables, cookie ${p.cookie ?? "none"}` : ""),
          );
          cb(null, create(SetForwardingPipelineConfigResponseSchema));
        } catch (e) {
          const err = asP4rtError(e);
          this.log.info(`device ${r.deviceId}: ${action} refused: ${Code[err.code]} ${err.message}`);
          cb(this.fail("SetForwardingPipelineConfig", e));
        }
      },

      getForwardingPipelineConfig: (call, cb) => {
        const r = call.request;
        this.log.debug(
          `GetForwardingPipelineConfig device=${r.deviceId} type=${ResponseType[r.responseType]}`,
        );
        try {
          const dev = this.devices.get(r.deviceId);
          if (!dev) throw new P4rtError(Code.NOT_FOUND, `unknown device ${r.deviceId}`);
          const p = dev.pipeline;
          if (!p) throw new P4rtError(Code.FAILED_PRECONDITION, "no forwarding pipeline config has been set");
          const t = r.responseType;
          const config = create(ForwardingPipelineConfigSchema, {
            cookie: p.cookie === undefined ? undefined : { cookie: p.cookie },
            p4info: t === ResponseType.ALL || t === ResponseType.P4INFO_AND_COOKIE ? p.p4info : undefined,
            p4DeviceConfig:
              t === ResponseType.ALL || t === ResponseType.DEVICE_CONFIG_AND_COOKIE
                ? p.deviceConfig
                : undefined,
          });
          cb(null, create(GetForwardingPipelineConfigResponseSchema, { config }));
        } catch (e) {
          cb(this.fail("GetForwardingPipelineConfig", e));
        }
      },

      capabilities: (_call, cb) => {
        this.log.debug("Capabilities");
        cb(null, create(CapabilitiesResponseSchema, { p4runtimeApiVersion: P4RUNTIME_API_VERSION }));
      },

      streamChannel: (call) => this.openStream(call),
    };
  }

  private openStream(call: Stream): void {
    const peer = call.getPeer();
    this.streams.set(call, { deviceId: undefined, peer });
    this.log.debug(`StreamChannel opened by ${peer}`);
    const drop = () => this.dropStream(call);
    call.on("end", () => {
      drop();
      try {
        call.end();
      } catch {
        // the peer is gone
      }
    });
    call.on("error", drop);
    call.on("cancelled", drop);
    call.on("data", (msg: StreamMessageRequest) => this.onStreamMessage(call, msg));
  }

  private onStreamMessage(call: Stream, msg: StreamMessageRequest): void {
    const info = this.streams.get(call);
    if (!info) return;
    const u = msg.update;
    switch (u.case) {
      case "arbitration": {
        const a = u.value;
        this.log.debug(
          `StreamChannel arbitration from ${info.peer}: device=${a.deviceId} election=${election(a.electionId)} role="${a.role?.name ?? ""}"`,
        );
        try {
          const wasPrimary = this.arbitrator.isPrimary(call);
          const notices = this.arbitrator.update(call, a);
          info.deviceId = a.deviceId;
          for (const n of notices) this.send(n.to, { case: "arbitration", value: n.update });
          const isPrimary = this.arbitrator.isPrimary(call);
          // A primary re-sending its arbitration changes nothing worth an info line.
          if (!(wasPrimary && isPrimary)) {
            this.log.info(
              `controller ${info.peer} is ${isPrimary ? "primary" : "backup"} for device ${a.deviceId} (election id ${election(a.electionId)})`,
            );
          }
        } catch (e) {
          const code = e instanceof ArbitrationError ? e.code : grpc.status.INTERNAL;
          const message = (e as Error).message;
          this.log.info(`arbitration from ${info.peer} refused: ${message}`);
          this.dropStream(call);
          call.emit("error", serverError(code, message));
        }
        return;
      }
      case "packet": {
        const details: StreamError["details"] = {
          case: "packetOut",
          value: { $typeName: "p4.v1.PacketOutError", packetOut: u.value },
        };
        if (!this.arbitrator.isPrimary(call)) {
          this.streamError(
            call,
            Code.PERMISSION_DENIED,
            "PacketOut from a controller that is not the primary",
            details,
          );
          return;
        }
        const dev = this.devices.get(info.deviceId!);
        this.log.debug(
          `PacketOut from ${info.peer}: ${u.value.payload.length}B, ${u.value.metadata.length} metadata`,
        );
        try {
          dev!.packetOut(u.value);
        } catch (e) {
          const err = asP4rtError(e);
          this.streamError(call, err.code, err.message, details);
        }
        return;
      }
      case "digestAck": {
        const details: StreamError["details"] = {
          case: "digestListAck",
          value: { $typeName: "p4.v1.DigestListAckError", digestListAck: u.value },
        };
        if (!this.arbitrator.isPrimary(call)) {
          this.streamError(
            call,
            Code.PERMISSION_DENIED,
            "DigestListAck from a controller that is not the primary",
            details,
          );
          return;
        }
        try {
          this.devices.get(info.deviceId!)!.ackDigest(u.value.digestId, u.value.listId);
        } catch (e) {
          const err = asP4rtError(e);
          this.streamError(call, err.code, err.message, details);
        }
        return;
      }
      case "other":
        this.streamError(call, Code.UNIMPLEMENTED, `unsupported stream message ${u.value.typeUrl}`, {
          case: "other",
          value: { $typeName: "p4.v1.StreamOtherError", other: u.value },
        });
        return;
      default:
        this.streamError(call, Code.INVALID_ARGUMENT, "empty stream message", {
          case: "other",
          value: { $typeName: "p4.v1.StreamOtherError" },
        });
    }
  }
}
