// A failed P4Runtime operation with its canonical code: thrown by the translation and entity
// modules, turned into a per-update p4.v1.Error (Write) or a gRPC status (other RPCs).
import { Code } from "../../p4runtime/gen/google/rpc/code_pb.js";

export class P4rtError extends Error {
  override readonly name = "P4rtError";
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

export const invalidArgument = (m: string): P4rtError => new P4rtError(Code.INVALID_ARGUMENT, m);
export const notFound = (m: string): P4rtError => new P4rtError(Code.NOT_FOUND, m);
export const alreadyExists = (m: string): P4rtError => new P4rtError(Code.ALREADY_EXISTS, m);
export const permissionDenied = (m: string): P4rtError => new P4rtError(Code.PERMISSION_DENIED, m);
export const failedPrecondition = (m: string): P4rtError => new P4rtError(Code.FAILED_PRECONDITION, m);
export const unimplemented = (m: string): P4rtError => new P4rtError(Code.UNIMPLEMENTED, m);
export const outOfRange = (m: string): P4rtError => new P4rtError(Code.OUT_OF_RANGE, m);
export const resourceExhausted = (m: string): P4rtError => new P4rtError(Code.RESOURCE_EXHAUSTED, m);

/** The P4rtError for any thrown value; unexpected errors become INTERNAL with their message. */
export function asP4rtError(e: unknown): P4rtError {
  if (e instanceof P4rtError) return e;
  return new P4rtError(Code.INTERNAL, e instanceof Error ? e.message : String(e));
}
