// gRPC glue: a @grpc/grpc-js service definition built from the protobuf-es
// descriptor of p4.v1.P4Runtime, so the embedded switch (server) and the
// controller (client) share one definition and one wire encoding. Paths are
// `/p4.v1.P4Runtime/<Method>`, as every P4Runtime implementation expects.
import { type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  type CapabilitiesRequest,
  type CapabilitiesResponse,
  type GetForwardingPipelineConfigRequest,
  type GetForwardingPipelineConfigResponse,
  P4Runtime,
  type ReadRequest,
  type ReadResponse,
  type SetForwardingPipelineConfigRequest,
  type SetForwardingPipelineConfigResponse,
  type StreamMessageRequest,
  type StreamMessageResponse,
  type WriteRequest,
  type WriteResponse,
} from "./gen/p4/v1/p4runtime_pb.js";

// Decode from a plain Uint8Array view: bytes fields are sub-views of the input,
// and Buffer sub-views would make them Buffers rather than Uint8Arrays.
function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * A grpc-js ServiceDefinition for any protobuf-es service. Method keys are the
 * descriptor's local names (`write`, `streamChannel`); `originalName` adds the
 * proto names (`Write`) so either spelling works on client and server.
 */
export function grpcServiceDefinition(service: DescService): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    const { input, output, methodKind } = method;
    def[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: methodKind === "client_streaming" || methodKind === "bidi_streaming",
      responseStream: methodKind === "server_streaming" || methodKind === "bidi_streaming",
      requestSerialize: (msg) => Buffer.from(toBinary(input, msg as never)),
      requestDeserialize: (buf: Buffer) => fromBinary(input, plain(buf)),
      responseSerialize: (msg) => Buffer.from(toBinary(output, msg as never)),
      responseDeserialize: (buf: Buffer) => fromBinary(output, plain(buf)),
      originalName: method.name,
    };
  }
  return def;
}

/** The p4.v1.P4Runtime service definition for `server.addService`. */
export const P4RuntimeService: grpc.ServiceDefinition = grpcServiceDefinition(P4Runtime);

/** What a P4Runtime server implements (pass to `server.addService(P4RuntimeService, impl)`). */
export interface P4RuntimeServer extends grpc.UntypedServiceImplementation {
  write: grpc.handleUnaryCall<WriteRequest, WriteResponse>;
  read: grpc.handleServerStreamingCall<ReadRequest, ReadResponse>;
  setForwardingPipelineConfig: grpc.handleUnaryCall<
    SetForwardingPipelineConfigRequest,
    SetForwardingPipelineConfigResponse
  >;
  getForwardingPipelineConfig: grpc.handleUnaryCall<
    GetForwardingPipelineConfigRequest,
    GetForwardingPipelineConfigResponse
  >;
  streamChannel: grpc.handleBidiStreamingCall<StreamMessageRequest, StreamMessageResponse>;
  capabilities: grpc.handleUnaryCall<CapabilitiesRequest, CapabilitiesResponse>;
}

type UnaryMethod<Req, Res> = {
  (req: Req, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall;
  (req: Req, metadata: grpc.Metadata, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall;
  (
    req: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: grpc.requestCallback<Res>,
  ): grpc.ClientUnaryCall;
};

/** The raw gRPC stub; P4RuntimeClient (client.ts) is the friendly layer on top. */
export interface P4RuntimeStub extends grpc.Client {
  write: UnaryMethod<WriteRequest, WriteResponse>;
  read(
    req: ReadRequest,
    metadata?: grpc.Metadata,
    options?: Partial<grpc.CallOptions>,
  ): grpc.ClientReadableStream<ReadResponse>;
  setForwardingPipelineConfig: UnaryMethod<
    SetForwardingPipelineConfigRequest,
    SetForwardingPipelineConfigResponse
  >;
  getForwardingPipelineConfig: UnaryMethod<
    GetForwardingPipelineConfigRequest,
    GetForwardingPipelineConfigResponse
  >;
  streamChannel(
    metadata?: grpc.Metadata,
    options?: Partial<grpc.CallOptions>,
  ): grpc.ClientDuplexStream<StreamMessageRequest, StreamMessageResponse>;
  capabilities: UnaryMethod<CapabilitiesRequest, CapabilitiesResponse>;
}

export type P4RuntimeStubConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => P4RuntimeStub;

/** Constructor of the raw stub: `new P4RuntimeStub("127.0.0.1:9559", grpc.credentials.createInsecure())`. */
export const P4RuntimeStub = grpc.makeGenericClientConstructor(
  P4RuntimeService,
  "P4Runtime",
) as unknown as P4RuntimeStubConstructor;

/** Promise wrapper for a unary stub call. */
export function callUnary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  stub: grpc.Client,
  req: Req,
  options: Partial<grpc.CallOptions> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(stub, req, new grpc.Metadata(), options, (err, res) => {
      if (err) reject(err);
      else if (res === undefined) reject(new Error("empty response"));
      else resolve(res);
    });
  });
}
