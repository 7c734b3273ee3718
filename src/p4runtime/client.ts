// A P4Runtime client for one device: keeps the StreamChannel open, takes part
// in primary arbitration, re-opens the stream with exponential backoff after
// it breaks, and wraps the unary and streaming RPCs in promises with typed
// errors. It speaks plain P4Runtime v1, so it drives our embedded switch and
// simple_switch_grpc alike.
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { fromUint128, toUint128 } from "./bytes.js";
import { type ChannelSecurity, explainConnectFailure } from "./connect-errors.js";
import { Code } from "./gen/google/rpc/code_pb.js";
import type { P4Info } from "./gen/p4/config/v1/p4info_pb.js";
import {
  CapabilitiesRequestSchema,
  type DigestList,
  DigestListAckSchema,
  type Entity,
  type ForwardingPipelineConfig,
  ForwardingPipelineConfigSchema,
  GetForwardingPipelineConfigRequest_ResponseType,
  GetForwardingPipelineConfigRequestSchema,
  type IdleTimeoutNotification,
  MasterArbitrationUpdateSchema,
  type PacketIn,
  type PacketMetadata,
  PacketOutSchema,
  ReadRequestSchema,
  SetForwardingPipelineConfigRequest_Action,
  SetForwardingPipelineConfigRequestSchema,
  type StreamError,
  type StreamMessageRequest,
  StreamMessageRequestSchema,
  type StreamMessageResponse,
  type Update,
  WriteRequest_Atomicity,
  WriteRequestSchema,
} from "./gen/p4/v1/p4runtime_pb.js";
import { callUnary, P4RuntimeStub } from "./grpc.js";
import { P4RuntimeRpcError, P4RuntimeWriteError, toRpcError, toWriteError } from "./status.js";

/** Outcome of arbitration as last reported by the server. */
export interface ArbitrationState {
  /** True if this client is the primary for its device (and role). */
  primary: boolean;
  /** Our election id. */
  electionId: bigint;
  /** The highest election id the server has seen (the primary's, if there is one). */
  highestElectionId: bigint;
  /** google.rpc.Code of the server's status: OK for primary, else e.g. ALREADY_EXISTS or NOT_FOUND. */
  code: number;
  message: string;
}

export interface ReconnectOptions {
  /** First retry delay (ms); doubles (by `multiplier`) per failed attempt up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

export interface TlsOptions {
  /** PEM file of the CA that signed the server certificate (system roots if absent). */
  rootCertPath?: string;
  /** Client certificate chain and key, for mutual TLS. */
  certChainPath?: string;
  privateKeyPath?: string;
}

export interface P4RuntimeClientOptions {
  /** "host:port" of the P4Runtime server, e.g. "127.0.0.1:9559". */
  address: string;
  deviceId: bigint | number;
  electionId: bigint | number;
  /** Role name; unset means the default role with full pipeline access. */
  role?: string;
  tls?: TlsOptions;
  /** Explicit channel credentials (overrides `tls`). */
  credentials?: grpc.ChannelCredentials;
  /** Backoff for re-opening a broken stream; `false` disables reconnection. */
  reconnect?: Partial<ReconnectOptions> | false;
  /** Updates per WriteRequest when a batch is split (CONTINUE_ON_ERROR only). Default 500. */
  maxBatchSize?: number;
  /** Acknowledge each DigestList as it arrives (default true). */
  autoAckDigests?: boolean;
  /** Deadline of unary and read RPCs, ms (default 10 000). */
  rpcTimeoutMs?: number;
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

export type P4RuntimeClientEvents = {
  arbitration: [ArbitrationState];
  packetIn: [PacketIn];
  digest: [DigestList];
  idleTimeout: [IdleTimeoutNotification];
  streamError: [StreamError];
  /** The stream broke after having been up; reconnection follows unless disabled. */
  disconnected: [Error];
  /**
   * The server refused the session for good (unknown device, election id in
   * use, role mismatch, not authorised); no reconnection follows.
   */
  failed: [P4RuntimeRpcError];
  /** A reconnection attempt is scheduled. */
  reconnecting: [{ attempt: number; delayMs: number }];
};

/** The stream is not open, so nothing can be sent on it. */
export class NotConnectedError extends Error {
  override readonly name = "NotConnectedError";
}

export interface WriteOptions {
  atomicity?: WriteRequest_Atomicity;
  /** Overrides the client's maxBatchSize for this call. */
  batchSize?: number;
}

interface Waiter {
  resolve: (s: ArbitrationState) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

// Stream endings that retrying cannot fix: the specification's arbitration
// refusals and authentication failures.
const FATAL_STREAM_CODES = new Set<number>([
  grpc.status.NOT_FOUND,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
]);

const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 100, maxDelayMs: 5_000, multiplier: 2 };

function securityOf(opts: P4RuntimeClientOptions): ChannelSecurity {
  if (opts.credentials) return opts.credentials._isSecure() ? "tls" : "plaintext";
  if (!opts.tls) return "plaintext";
  return opts.tls.certChainPath ? "mutual-tls" : "tls";
}

function credentialsFor(opts: P4RuntimeClientOptions): grpc.ChannelCredentials {
  if (opts.credentials) return opts.credentials;
  const tls = opts.tls;
  if (!tls) return grpc.credentials.createInsecure();
  const read = (p: string | undefined, what: string) => {
    if (!p) return null;
    try {
      return readFileSync(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why =
        err.code === "ENOENT" ? "no such file" : err.code === "EACCES" ? "permission denied" : err.message;
      throw new Error(`TLS ${what} ${p}: cannot read (${why})`);
    }
  };
  return grpc.credentials.createSsl(
    read(tls.rootCertPath, "CA certificate"),
    read(tls.privateKeyPath, "client key"),
    read(tls.certChainPath, "client certificate"),
  );
}

export class P4RuntimeClient extends EventEmitter<P4RuntimeClientEvents> {
  readonly address: string;
  readonly deviceId: bigint;
  private electionIdValue: bigint;
  private readonly role: string | undefined;
  private readonly stub: InstanceType<typeof P4RuntimeStub>;
  private readonly reconnectOpts: ReconnectOptions | undefined;
  private readonly maxBatchSize: number;
  private readonly autoAckDigests: boolean;
  private readonly rpcTimeoutMs: number;
  private readonly security: ChannelSecurity;
  /** Why the stream last failed to open or broke; reported if arbitration does not come in time. */
  private lastStreamError: P4RuntimeRpcError | undefined;
  private stream: grpc.ClientDuplexStream<StreamMessageRequest, StreamMessageResponse> | undefined;
  private state: ArbitrationState | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private waiters: Waiter[] = [];

  constructor(opts: P4RuntimeClientOptions) {
    super();
    this.address = opts.address;
    this.deviceId = BigInt(opts.deviceId);
    this.electionIdValue = BigInt(opts.electionId);
    toUint128(this.electionIdValue); // validates the range up front
    this.role = opts.role;
    this.reconnectOpts = opts.reconnect === false ? undefined : { ...DEFAULT_RECONNECT, ...opts.reconnect };
    this.maxBatchSize = opts.maxBatchSize ?? 500;
    this.autoAckDigests = opts.autoAckDigests ?? true;
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? 10_000;
    this.security = securityOf(opts);
    const backoff = this.reconnectOpts ?? DEFAULT_RECONNECT;
    this.stub = new P4RuntimeStub(opts.address, credentialsFor(opts), {
      // Keep grpc-js' own channel backoff in step with ours, so a restarted
      // server is reached as soon as our next attempt runs.
      "grpc.initial_reconnect_backoff_ms": backoff.initialDelayMs,
      "grpc.max_reconnect_backoff_ms": backoff.maxDelayMs,
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      "grpc.max_send_message_length": 64 * 1024 * 1024,
      ...opts.channelOptions,
    });
  }

  get electionId(): bigint {
    return this.electionIdValue;
  }

  /** Last arbitration outcome, or undefined while the stream is down. */
  get arbitration(): ArbitrationState | undefined {
    return this.state;
  }

  get isPrimary(): boolean {
    return this.state?.primary === true;
  }

  get connected(): boolean {
    return this.stream !== undefined && this.state !== undefined;
  }

  /**
   * Opens the stream and resolves with the first arbitration outcome (primary
   * or backup). While the server is unreachable, retries with backoff until
   * `timeoutMs`, then rejects.
   */
  connect(timeoutMs = 10_000): Promise<ArbitrationState> {
    if (this.closed) return Promise.reject(new NotConnectedError("client is closed"));
    if (this.connected) return Promise.resolve(this.state!);
    const p = this.nextArbitration(timeoutMs);
    if (!this.stream && !this.retryTimer) this.openStream();
    return p;
  }

  /** Resolves with the next arbitration update (e.g. after a reconnect). */
  nextArbitration(timeoutMs = 10_000): Promise<ArbitrationState> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          const why = this.lastStreamError ? `: ${this.lastStreamError.message}` : "";
          reject(
            new P4RuntimeRpcError(
              grpc.status.DEADLINE_EXCEEDED,
              `no arbitration from ${this.address} within ${timeoutMs} ms${why}`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Changes our election id and re-runs arbitration on the open stream. */
  setElectionId(id: bigint | number): void {
    const v = BigInt(id);
    toUint128(v);
    this.electionIdValue = v;
    if (this.stream) this.send(this.arbitrationRequest());
  }

  /** Stops reconnecting, ends the stream and closes the channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    this.state = undefined;
    stream?.cancel();
    this.stub.close();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new NotConnectedError("client closed"));
    }
  }

  // --- stream ----------------------------------------------------------------

  private arbitrationRequest(): StreamMessageRequest {
    return create(StreamMessageRequestSchema, {
      update: {
        case: "arbitration",
        value: create(MasterArbitrationUpdateSchema, {
          deviceId: this.deviceId,
          electionId: toUint128(this.electionIdValue),
          role: this.role === undefined ? undefined : { name: this.role },
        }),
      },
    });
  }

  private openStream(): void {
    this.retryTimer = undefined;
    const stream = this.stub.streamChannel();
    this.stream = stream;
    stream.on("data", (msg: StreamMessageResponse) => this.onMessage(stream, msg));
    stream.on("error", (err: Error) => this.onStreamEnd(stream, err));
    stream.on("end", () => this.onStreamEnd(stream, new Error("stream closed by server")));
    stream.write(this.arbitrationRequest());
  }

  private onMessage(stream: unknown, msg: StreamMessageResponse): void {
    if (stream !== this.stream) return;
    const u = msg.update;
    switch (u.case) {
      case "arbitration": {
        const code = u.value.status?.code ?? Code.OK;
        const state: ArbitrationState = {
          primary: code === Code.OK,
          electionId: this.electionIdValue,
          highestElectionId: fromUint128(u.value.electionId),
          code,
          message: u.value.status?.message ?? "",
        };
        this.state = state;
        this.attempt = 0;
        this.lastStreamError = undefined;
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.resolve(state);
        }
        this.emit("arbitration", state);
        break;
      }
      case "packet":
        this.emit("packetIn", u.value);
        break;
      case "digest":
        if (this.autoAckDigests) this.ackDigest(u.value.digestId, u.value.listId);
        this.emit("digest", u.value);
        break;
      case "idleTimeoutNotification":
        this.emit("idleTimeout", u.value);
        break;
      case "error":
        this.emit("streamError", u.value);
        break;
      default:
        // `other` (architecture-specific) and unknown messages are ignored.
        break;
    }
  }

  private onStreamEnd(stream: unknown, err: Error): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    const wasUp = this.state !== undefined;
    this.state = undefined;
    if (this.closed) return;
    (stream as grpc.ClientDuplexStream<unknown, unknown>).cancel();
    if (wasUp) this.emit("disconnected", err);
    const rpcErr = this.rpcError(err);
    this.lastStreamError = rpcErr;
    if (FATAL_STREAM_CODES.has(rpcErr.code)) {
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(rpcErr);
      }
      this.emit("failed", rpcErr);
      return;
    }
    if (this.reconnectOpts) {
      this.scheduleReconnect(this.reconnectOpts);
    } else {
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(rpcErr);
      }
    }
  }

  private scheduleReconnect(r: ReconnectOptions): void {
    const base = Math.min(r.maxDelayMs, r.initialDelayMs * r.multiplier ** this.attempt);
    // Up to 20% jitter so that many controllers do not retry in lockstep.
    const delayMs = Math.round(base * (0.8 + 0.2 * Math.random()));
    this.attempt++;
    this.emit("reconnecting", { attempt: this.attempt, delayMs });
    this.retryTimer = setTimeout(() => {
      if (!this.closed) this.openStream();
    }, delayMs);
  }

  private send(msg: StreamMessageRequest): void {
    if (!this.stream) throw new NotConnectedError(`stream to ${this.address} is not open`);
    this.stream.write(msg);
  }

  /** Sends a packet to the switch's CPU port path (PacketOut); metadata per the packet_out header. */
  packetOut(payload: Uint8Array, metadata: PacketMetadata[] = []): void {
    this.send(
      create(StreamMessageRequestSchema, {
        update: { case: "packet", value: create(PacketOutSchema, { payload, metadata }) },
      }),
    );
  }

  /** Acknowledges a DigestList (done automatically unless autoAckDigests is false). */
  ackDigest(digestId: number, listId: bigint): void {
    this.send(
      create(StreamMessageRequestSchema, {
        update: { case: "digestAck", value: create(DigestListAckSchema, { digestId, listId }) },
      }),
    );
  }

  // --- RPCs ------------------------------------------------------------------

  /** A call's failure as P4RuntimeRpcError, a channel that never came up explained (e.g. TLS). */
  private rpcError(e: unknown): P4RuntimeRpcError {
    const r = toRpcError(e);
    if (r.code !== grpc.status.UNAVAILABLE) return r;
    const message = explainConnectFailure(r.message, this.security);
    return message === r.message ? r : new P4RuntimeRpcError(r.code, message, r.status);
  }

  private writeError(e: unknown, batch: readonly Update[], offset: number): P4RuntimeWriteError {
    const w = toWriteError(e, batch, offset);
    if (w.code !== grpc.status.UNAVAILABLE || w.failures.length > 0) return w;
    const message = explainConnectFailure(w.message, this.security);
    return message === w.message ? w : new P4RuntimeWriteError(w.code, message, w.failures, w.status);
  }

  private callOptions(): Partial<grpc.CallOptions> {
    return { deadline: Date.now() + this.rpcTimeoutMs };
  }

  /** Installs a pipeline (P4Info plus target config such as BMv2 JSON). */
  async setPipeline(
    p4info: P4Info,
    deviceConfig: Uint8Array,
    action: SetForwardingPipelineConfigRequest_Action = SetForwardingPipelineConfigRequest_Action.VERIFY_AND_COMMIT,
    cookie?: bigint,
  ): Promise<void> {
    const req = create(SetForwardingPipelineConfigRequestSchema, {
      deviceId: this.deviceId,
      electionId: toUint128(this.electionIdValue),
      role: this.role ?? "",
      action,
      config: create(ForwardingPipelineConfigSchema, {
        p4info,
        p4DeviceConfig: deviceConfig,
        cookie: cookie === undefined ? undefined : { cookie },
      }),
    });
    try {
      await callUnary(this.stub.setForwardingPipelineConfig, this.stub, req, this.callOptions());
    } catch (e) {
      throw this.rpcError(e);
    }
  }

  /** The installed pipeline (fields as selected by `responseType`). */
  async getPipeline(
    responseType = GetForwardingPipelineConfigRequest_ResponseType.ALL,
  ): Promise<ForwardingPipelineConfig> {
    const req = create(GetForwardingPipelineConfigRequestSchema, { deviceId: this.deviceId, responseType });
    try {
      const res = await callUnary(this.stub.getForwardingPipelineConfig, this.stub, req, this.callOptions());
      return res.config ?? create(ForwardingPipelineConfigSchema);
    } catch (e) {
      throw this.rpcError(e);
    }
  }

  /** The server's P4Runtime API version string. */
  async capabilities(): Promise<string> {
    try {
      const res = await callUnary(
        this.stub.capabilities,
        this.stub,
        create(CapabilitiesRequestSchema),
        this.callOptions(),
      );
      return res.p4runtimeApiVersion;
    } catch (e) {
      throw this.rpcError(e);
    }
  }

  /**
   * Applies updates. With CONTINUE_ON_ERROR (the default) a large list is sent
   * in batches of maxBatchSize and every batch is attempted; the other
   * atomicity modes send one request so the batch stays atomic. Rejects with
   * P4RuntimeWriteError listing the failed updates by their index in `updates`.
   */
  async write(updates: readonly Update[], opts: WriteOptions = {}): Promise<void> {
    const atomicity = opts.atomicity ?? WriteRequest_Atomicity.CONTINUE_ON_ERROR;
    const size =
      atomicity === WriteRequest_Atomicity.CONTINUE_ON_ERROR
        ? Math.max(1, opts.batchSize ?? this.maxBatchSize)
        : Math.max(1, updates.length);
    const failures: P4RuntimeWriteError[] = [];
    for (let offset = 0; offset < updates.length; offset += size) {
      const batch = updates.slice(offset, offset + size);
      const req = create(WriteRequestSchema, {
        deviceId: this.deviceId,
        electionId: toUint128(this.electionIdValue),
        role: this.role ?? "",
        updates: batch,
        atomicity,
      });
      try {
        await callUnary(this.stub.write, this.stub, req, this.callOptions());
      } catch (e) {
        const err = this.writeError(e, batch, offset);
        // Without per-update details the whole batch was refused (e.g. not
        // primary); later batches would be refused the same way.
        if (err.failures.length === 0) throw err;
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      const all = failures.flatMap((f) => f.failures);
      throw new P4RuntimeWriteError(
        failures[0]!.code,
        `${all.length} of ${updates.length} updates failed: ${failures.map((f) => f.message).join(" | ")}`,
        all,
        failures[0]!.status,
      );
    }
  }

  /** Reads entities (wildcards as the specification defines them), yielding them as responses arrive. */
  async *readStream(entities: readonly Entity[]): AsyncGenerator<Entity> {
    const call = this.stub.read(
      create(ReadRequestSchema, { deviceId: this.deviceId, entities: [...entities], role: this.role ?? "" }),
      new grpc.Metadata(),
      this.callOptions(),
    );
    try {
      for await (const res of call) {
        yield* (res as { entities: Entity[] }).entities;
      }
    } catch (e) {
      throw this.rpcError(e);
    } finally {
      call.cancel();
    }
  }

  /** Reads entities and collects the whole answer. */
  async read(entities: readonly Entity[]): Promise<Entity[]> {
    const out: Entity[] = [];
    for await (const e of this.readStream(entities)) out.push(e);
    return out;
  }
}
