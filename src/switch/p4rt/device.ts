// One P4Runtime device: its committed pipeline (which forwards packets), a saved but not yet
// committed one (VERIFY_AND_SAVE), Write/Read on the pipeline controllers address, PacketOut,
// and the hooks through which PacketIn and digests leave for the primary controller.
import { Code } from "../../p4runtime/gen/google/rpc/code_pb.js";
import {
  type DigestList,
  type Entity,
  type ForwardingPipelineConfig,
  type PacketIn,
  type PacketOut,
  SetForwardingPipelineConfigRequest_Action as PipelineAction,
  type Update,
  WriteRequest_Atomicity,
} from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import type { UpdateStatus } from "../../p4runtime/status.js";
import type { OutputPacket } from "../engine.js";
import { DigestDispatcher } from "./digests.js";
import { asP4rtError, failedPrecondition, invalidArgument, P4rtError, unimplemented } from "./errors.js";
import { packetInOf, packetOutFrame } from "./packet-io.js";
import { buildPipeline, type EngineOptions, type Pipeline } from "./pipeline.js";
import { readEntity } from "./read.js";
import { migrateState } from "./reconcile.js";
import { PipelineState } from "./state.js";
import { applyUpdate, type Undo } from "./write.js";

export interface DeviceOptions extends EngineOptions {
  deviceId: bigint;
}

export interface DeviceStats {
  /** Frames that arrived while no pipeline was committed. */
  noPipelineDrops: number;
  packetOuts: number;
  packetIns: number;
  /** PacketIns with no primary controller to go to. */
  packetInDrops: number;
  /** Frames whose processing threw an unexpected error (dropped). */
  engineFaults: number;
}

export interface DeviceHooks {
  /** Transmits the engine's output packets (set by whatever attaches ports). */
  transmit: (outs: OutputPacket[]) => void;
  /** Delivers to the primary controller; false when there is none. */
  packetIn: (p: PacketIn) => boolean;
  digest: (d: DigestList) => boolean;
  /** A packet-processing error (the engine dropped the packet). */
  packetError: (message: string) => void;
}

export class Device {
  readonly deviceId: bigint;
  readonly stats: DeviceStats = {
    noPipelineDrops: 0,
    packetOuts: 0,
    packetIns: 0,
    packetInDrops: 0,
    engineFaults: 0,
  };
  readonly hooks: DeviceHooks = {
    transmit: () => {},
    packetIn: () => false,
    digest: () => false,
    packetError: () => {},
  };
  readonly digests = new DigestDispatcher((d) => this.hooks.digest(d));
  private active: PipelineState | undefined;
  private saved: PipelineState | undefined;

  constructor(private readonly opts: DeviceOptions) {
    this.deviceId = opts.deviceId;
  }

  get cpuPort(): number | undefined {
    return this.opts.cpuPort;
  }

  /** The committed pipeline, if any. */
  get pipeline(): Pipeline | undefined {
    return this.active?.pipeline;
  }

  /** The pipeline Write and Read address: the saved one after VERIFY_AND_SAVE, else the committed one. */
  private target(): PipelineState {
    const s = this.saved ?? this.active;
    if (!s) throw failedPrecondition("no forwarding pipeline config has been set");
    return s;
  }

  setPipeline(action: PipelineAction, config: ForwardingPipelineConfig | undefined): void {
    switch (action) {
      case PipelineAction.VERIFY:
        buildPipeline(config, this.opts);
        return;
      case PipelineAction.VERIFY_AND_SAVE:
        this.saved = new PipelineState(buildPipeline(config, this.opts));
        return;
      case PipelineAction.VERIFY_AND_COMMIT:
        this.commit(new PipelineState(buildPipeline(config, this.opts)));
        return;
      case PipelineAction.COMMIT: {
        // Clients that always fill in `config` send an empty device config; a real one is an error.
        if (config && config.p4DeviceConfig.length > 0) {
          throw invalidArgument("COMMIT takes no config; it commits the one saved by VERIFY_AND_SAVE");
        }
        if (!this.saved) throw failedPrecondition("no saved config to commit (use VERIFY_AND_SAVE first)");
        // Writes since the save went to the saved pipeline, so its state is the replay.
        this.commit(this.saved);
        return;
      }
      case PipelineAction.RECONCILE_AND_COMMIT: {
        const next = new PipelineState(buildPipeline(config, this.opts));
        if (this.active) migrateState(this.active, next);
        this.commit(next);
        return;
      }
      default:
        throw invalidArgument(`unknown SetForwardingPipelineConfig action ${action}`);
    }
  }

  private commit(next: PipelineState): void {
    const engine = next.pipeline.engine;
    engine.onPacketIn = (frame) => this.onPacketIn(next, frame);
    engine.onDigest = (d) => this.digests.onDigest(next, d);
    engine.onError = (e) => this.hooks.packetError(e.message);
    if (this.active && this.active !== next) {
      const old = this.active.pipeline.engine;
      old.onPacketIn = undefined;
      old.onDigest = undefined;
      old.onError = undefined;
    }
    this.digests.reset();
    this.active = next;
    this.saved = undefined;
  }

  private onPacketIn(s: PipelineState, frame: Uint8Array): void {
    const pin = packetInOf(s.pipeline.map, frame);
    if (this.hooks.packetIn(pin)) this.stats.packetIns += 1;
    else this.stats.packetInDrops += 1;
  }

  /**
   * Applies a Write batch; returns one status per update (all OK on success). With
   * ROLLBACK_ON_ERROR or DATAPLANE_ATOMIC a failure undoes the updates already applied; since
   * the batch runs in one turn of the event loop, no packet sees an intermediate state either.
   */
  write(updates: readonly Update[], atomicity: WriteRequest_Atomicity): Partial<UpdateStatus>[] {
    const s = this.target();
    if (
      atomicity !== WriteRequest_Atomicity.CONTINUE_ON_ERROR &&
      atomicity !== WriteRequest_Atomicity.ROLLBACK_ON_ERROR &&
      atomicity !== WriteRequest_Atomicity.DATAPLANE_ATOMIC
    ) {
      throw unimplemented(`atomicity ${atomicity} is not supported`);
    }
    const atomic = atomicity !== WriteRequest_Atomicity.CONTINUE_ON_ERROR;
    const results: Partial<UpdateStatus>[] = [];
    const undo: Undo[] = [];
    for (const u of updates) {
      try {
        undo.push(applyUpdate(s, u));
        results.push({ canonicalCode: Code.OK });
      } catch (e) {
        const err = asP4rtError(e);
        results.push({ canonicalCode: err.code, message: err.message });
        if (atomic) {
          for (const f of undo.reverse()) f();
          // The applied updates were undone; the rest were never tried.
          return updates.map((_, i) =>
            i === results.length - 1
              ? results[i]!
              : { canonicalCode: Code.ABORTED, message: "not applied: the batch was rolled back" },
          );
        }
      }
    }
    return results;
  }

  /** Every entity matching the requested ones, in request order. */
  read(entities: readonly Entity[]): Entity[] {
    const s = this.target();
    return entities.flatMap((e) => readEntity(s, e));
  }

  /** A frame arriving on data-plane port `port`: the outputs of the committed pipeline, if any. */
  process(port: number, frame: Uint8Array): OutputPacket[] {
    const s = this.active;
    if (!s) {
      this.stats.noPipelineDrops += 1;
      return [];
    }
    try {
      return s.pipeline.engine.process(port, frame);
    } catch (e) {
      // The engine drops packets with PacketError itself; anything else is an engine fault,
      // which must not take the switch down.
      this.stats.engineFaults += 1;
      this.hooks.packetError(`engine fault on port ${port}: ${(e as Error).message}`);
      return [];
    }
  }

  /** As `process`, with the outputs going to hooks.transmit. */
  receive(port: number, frame: Uint8Array): void {
    this.hooks.transmit(this.process(port, frame));
  }

  /** Injects a PacketOut (with its packet_out header) into ingress on the CPU port. */
  packetOut(po: PacketOut): void {
    const s = this.active;
    if (!s) throw failedPrecondition("no forwarding pipeline config has been set");
    if (this.opts.cpuPort === undefined) throw failedPrecondition("the switch has no CPU port");
    const frame = packetOutFrame(s.pipeline.map, po);
    this.stats.packetOuts += 1;
    this.hooks.transmit(s.pipeline.engine.packetOut(frame));
  }

  /**
   * A DigestListAck from the primary. An unknown digest id is an error; an unknown list id is
   * not (lists sent without an ack timeout are not tracked, and acks may repeat).
   */
  ackDigest(digestId: number, listId: bigint): void {
    const s = this.active;
    if (!s?.pipeline.map.digests.has(digestId)) {
      throw new P4rtError(Code.NOT_FOUND, `digest ack for unknown digest id ${digestId}`);
    }
    this.digests.ack(digestId, listId);
  }

  close(): void {
    this.digests.reset();
  }
}
