// What a device remembers beside the engine for one pipeline: the parts of P4Runtime entities
// the engine does not model (entry metadata, replica port encoding, clone class of service)
// and the digest configuration. It is replaced together with the pipeline.
import type { ReplicaPortField } from "../../p4runtime/entities.js";
import { ControlError } from "../errors.js";
import { invalidArgument } from "./errors.js";
import type { Pipeline } from "./pipeline.js";

export interface EntryExtras {
  metadata: Uint8Array;
  controllerMetadata: bigint;
  idleTimeoutNs: bigint;
}

export interface DigestConfig {
  maxTimeoutNs: bigint;
  maxListSize: number;
  ackTimeoutNs: bigint;
}

export class PipelineState {
  /** table name → entry handle → extras. */
  readonly extras = new Map<string, Map<number, EntryExtras>>();
  /** "mc:<id>" / "cs:<id>" → how the controller wrote replica ports (echoed on Read). */
  readonly replicaField = new Map<string, ReplicaPortField>();
  readonly cloneClassOfService = new Map<number, number>();
  readonly digestConfig = new Map<number, DigestConfig>();

  constructor(readonly pipeline: Pipeline) {}

  tableExtras(table: string): Map<number, EntryExtras> {
    let m = this.extras.get(table);
    if (!m) {
      m = new Map();
      this.extras.set(table, m);
    }
    return m;
  }
}

/** Runs an engine control-plane call; the engine's ControlError (bad value, bad id) is INVALID_ARGUMENT. */
export function engineCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ControlError) throw invalidArgument(e.message);
    throw e;
  }
}
