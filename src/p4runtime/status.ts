// P4Runtime error reporting over gRPC. A failed Write ends with status UNKNOWN
// and a `grpc-status-details-bin` trailer holding a google.rpc.Status whose
// details are one p4.v1.Error per update, in update order (canonical_code OK
// for the updates that succeeded). A batch-level failure (not primary, bad
// device id) carries no per-update details. Both sides live here: servers
// build the trailer, clients take it apart.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Any, anyIs, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { Code } from "./gen/google/rpc/code_pb.js";
import { type Status, StatusSchema } from "./gen/google/rpc/status_pb.js";
import { ErrorSchema, type Error as P4Error, type Update } from "./gen/p4/v1/p4runtime_pb.js";

export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** Status of one update of a Write batch. */
export interface UpdateStatus {
  /** google.rpc.Code (numerically equal to grpc-js `status`). */
  canonicalCode: Code;
  message: string;
  /** Target-specific error space and code, if the server gave them. */
  space: string;
  code: number;
}

/** A gRPC call failure with its code and, when present, the decoded google.rpc.Status. */
export class P4RuntimeRpcError extends Error {
  override readonly name: string = "P4RuntimeRpcError";
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly status?: Status,
  ) {
    super(message);
  }
}

/** A Write that failed; `failures` lists the updates that failed, by their index in the request. */
export class P4RuntimeWriteError extends P4RuntimeRpcError {
  override readonly name = "P4RuntimeWriteError";
  constructor(
    code: grpc.status,
    message: string,
    readonly failures: Array<UpdateStatus & { index: number; update: Update | undefined }>,
    status?: Status,
  ) {
    super(code, message, status);
  }
}

/** The google.rpc.Status in a grpc-js error's trailers, if any (undecodable trailers are ignored). */
export function statusFromServiceError(err: Partial<grpc.ServiceError>): Status | undefined {
  const raw = err.metadata?.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined || typeof raw === "string") return undefined;
  try {
    return fromBinary(StatusSchema, raw);
  } catch {
    return undefined;
  }
}

/** The p4.v1.Error messages packed in a status' details, in order; other detail types are skipped. */
export function p4ErrorsOf(status: Status): P4Error[] {
  const out: P4Error[] = [];
  for (const any of status.details) {
    if (!anyIs(any, ErrorSchema)) continue;
    try {
      const e = anyUnpack(any, ErrorSchema);
      if (e) out.push(e);
    } catch {
      // A corrupt detail is skipped; the overall status still reports the failure.
    }
  }
  return out;
}

function isServiceError(e: unknown): e is grpc.ServiceError {
  return typeof e === "object" && e !== null && "code" in e && "metadata" in e;
}

/** Wraps any failure of a P4Runtime call into a P4RuntimeRpcError. */
export function toRpcError(e: unknown): P4RuntimeRpcError {
  if (e instanceof P4RuntimeRpcError) return e;
  if (isServiceError(e)) {
    return new P4RuntimeRpcError(e.code, e.details || e.message, statusFromServiceError(e));
  }
  return new P4RuntimeRpcError(grpc.status.UNKNOWN, e instanceof Error ? e.message : String(e));
}

/** Turns the failure of one Write batch into a P4RuntimeWriteError; `offset` is the batch's first index. */
export function toWriteError(e: unknown, updates: readonly Update[], offset = 0): P4RuntimeWriteError {
  const rpc = toRpcError(e);
  const failures: P4RuntimeWriteError["failures"] = [];
  const errors = rpc.status ? p4ErrorsOf(rpc.status) : [];
  errors.forEach((err, i) => {
    if (err.canonicalCode === Code.OK) return;
    failures.push({
      index: offset + i,
      update: updates[i],
      canonicalCode: err.canonicalCode,
      message: err.message,
      space: err.space,
      code: err.code,
    });
  });
  const summary =
    failures.length > 0
      ? `${failures.length} of ${updates.length} updates failed: ` +
        failures
          .slice(0, 3)
          .map((f) => `#${f.index} ${Code[f.canonicalCode] ?? f.canonicalCode}: ${f.message}`)
          .join("; ") +
        (failures.length > 3 ? "; ..." : "")
      : rpc.message;
  return new P4RuntimeWriteError(rpc.code, summary, failures, rpc.status);
}

// --- server side ---------------------------------------------------------------

/** One p4.v1.Error packed as an Any. */
export function packP4Error(s: Partial<UpdateStatus>): Any {
  return anyPack(
    ErrorSchema,
    create(ErrorSchema, {
      canonicalCode: s.canonicalCode ?? Code.OK,
      message: s.message ?? "",
      space: s.space ?? "",
      code: s.code ?? 0,
    }),
  );
}

/**
 * The grpc-js status object a server returns for a Write in which some updates
 * failed: code UNKNOWN, with every update's status (OK included) in the trailer.
 */
export function writeFailureStatus(results: readonly Partial<UpdateStatus>[]): Partial<grpc.StatusObject> {
  const failed = results.filter((r) => (r.canonicalCode ?? Code.OK) !== Code.OK).length;
  const message = `${failed} of ${results.length} updates failed`;
  return rpcFailureStatus(grpc.status.UNKNOWN, message, results.map(packP4Error));
}

/** A grpc-js status object with a google.rpc.Status trailer (details optional). */
export function rpcFailureStatus(
  code: grpc.status,
  message: string,
  details: Any[] = [],
): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  const status = create(StatusSchema, { code, message, details });
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(toBinary(StatusSchema, status)));
  return { code, details: message, metadata };
}

/**
 * A grpc-js server error (an Error with code and details), e.g. to end a
 * StreamChannel with `call.emit("error", serverError(code, msg))`.
 */
export function serverError(code: grpc.status, message: string): grpc.ServerErrorResponse {
  return Object.assign(new Error(message), { code, details: message });
}
