// Server-side client arbitration, as the P4Runtime specification defines it
// ("Client Arbitration and Controller Replication"), independent of gRPC: a
// P4Runtime server feeds it each stream's MasterArbitrationUpdate and each
// stream's end, and sends the notifications it returns. The primary for a
// (device_id, role) is the controller with the highest election id the server
// has ever seen for it; when the primary leaves, nobody is primary until a
// controller arbitrates with an election id at least that high.
import { create } from "@bufbuild/protobuf";
import type { Any } from "@bufbuild/protobuf/wkt";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { fromUint128, toUint128 } from "./bytes.js";
import { Code } from "./gen/google/rpc/code_pb.js";
import {
  type MasterArbitrationUpdate,
  MasterArbitrationUpdateSchema,
  type Uint128,
} from "./gen/p4/v1/p4runtime_pb.js";

/** The stream must be ended with this gRPC status (the specification's arbitration errors). */
export class ArbitrationError extends Error {
  override readonly name = "ArbitrationError";
  constructor(
    readonly code: GrpcStatus,
    message: string,
  ) {
    super(message);
  }
}

/** An arbitration update to send on the stream identified by `to`. */
export interface ArbitrationNotice<H> {
  to: H;
  update: MasterArbitrationUpdate;
}

interface Controller {
  deviceId: bigint;
  role: string;
  electionId: bigint | undefined;
}

interface Group<H> {
  deviceId: bigint;
  role: string;
  live: Set<H>;
  primary: H | undefined;
  /** Highest election id ever accepted as primary; undefined until the first primary. */
  highest: bigint | undefined;
  roleConfig: Any | undefined;
}

export interface ArbitratorOptions {
  /** Devices this server serves; arbitration for any other device_id fails with NOT_FOUND. */
  isKnownDevice: (deviceId: bigint) => boolean;
}

/** Arbitration state of one P4Runtime server; `H` is whatever identifies a stream. */
export class Arbitrator<H> {
  private readonly controllers = new Map<H, Controller>();
  private readonly groups = new Map<string, Group<H>>();

  constructor(private readonly opts: ArbitratorOptions) {}

  private group(deviceId: bigint, role: string): Group<H> {
    const key = `${deviceId}/${role}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { deviceId, role, live: new Set(), primary: undefined, highest: undefined, roleConfig: undefined };
      this.groups.set(key, g);
    }
    return g;
  }

  private electionInUse(g: Group<H>, id: bigint | undefined, except: H): boolean {
    if (id === undefined) return false;
    for (const h of g.live) {
      if (h !== except && this.controllers.get(h)?.electionId === id) return true;
    }
    return false;
  }

  /**
   * Handles a MasterArbitrationUpdate from stream `h`. Returns the
   * notifications to send (possibly to other streams); throws
   * ArbitrationError when the stream must be terminated instead.
   */
  update(h: H, msg: MasterArbitrationUpdate): ArbitrationNotice<H>[] {
    const role = msg.role?.name ?? "";
    const electionId = msg.electionId === undefined ? undefined : fromUint128(msg.electionId);
    const known = this.controllers.get(h);
    if (!known) {
      if (!this.opts.isKnownDevice(msg.deviceId)) {
        throw new ArbitrationError(GrpcStatus.NOT_FOUND, `unknown device ${msg.deviceId}`);
      }
      const g = this.group(msg.deviceId, role);
      if (this.electionInUse(g, electionId, h)) {
        throw new ArbitrationError(GrpcStatus.INVALID_ARGUMENT, `election id ${electionId} is in use`);
      }
      this.controllers.set(h, { deviceId: msg.deviceId, role, electionId });
      g.live.add(h);
    } else {
      if (known.deviceId !== msg.deviceId) {
        throw new ArbitrationError(GrpcStatus.FAILED_PRECONDITION, "device id differs from the stream's");
      }
      if (known.role !== role) {
        throw new ArbitrationError(GrpcStatus.FAILED_PRECONDITION, "role differs from the stream's");
      }
      const g = this.group(known.deviceId, role);
      if (this.electionInUse(g, electionId, h)) {
        throw new ArbitrationError(GrpcStatus.INVALID_ARGUMENT, `election id ${electionId} is in use`);
      }
      known.electionId = electionId;
    }

    const g = this.group(msg.deviceId, role);
    const wasPrimary = g.primary === h;
    if (electionId !== undefined && (g.highest === undefined || electionId >= g.highest)) {
      g.primary = h;
      g.highest = electionId;
      g.roleConfig = msg.role?.config;
      // Everyone learns of the (possibly unchanged) primary; the primary last.
      return [...[...g.live].filter((x) => x !== h), h].map((to) => this.notice(g, to));
    }
    if (wasPrimary) {
      g.primary = undefined;
      return [...g.live].map((to) => this.notice(g, to));
    }
    return [this.notice(g, h)];
  }

  /** Forgets stream `h`; if it was a primary, every other controller of its group is told. */
  disconnect(h: H): ArbitrationNotice<H>[] {
    const c = this.controllers.get(h);
    if (!c) return [];
    this.controllers.delete(h);
    const g = this.group(c.deviceId, c.role);
    g.live.delete(h);
    if (g.primary !== h) return [];
    g.primary = undefined;
    return [...g.live].map((to) => this.notice(g, to));
  }

  /** True if stream `h` is currently the primary of its group. */
  isPrimary(h: H): boolean {
    const c = this.controllers.get(h);
    return c !== undefined && this.group(c.deviceId, c.role).primary === h;
  }

  /** The primary stream for (deviceId, role), if any (for PacketIn and digest delivery). */
  primaryOf(deviceId: bigint, role = ""): H | undefined {
    return this.groups.get(`${deviceId}/${role}`)?.primary;
  }

  /**
   * Checks that a Write or SetForwardingPipelineConfig comes from the primary:
   * the (device_id, role, election_id) must be the primary's. Throws
   * ArbitrationError(PERMISSION_DENIED) otherwise, NOT_FOUND for an unknown device.
   */
  checkPrimary(deviceId: bigint, role: string, electionId: Uint128 | undefined): void {
    if (!this.opts.isKnownDevice(deviceId)) {
      throw new ArbitrationError(GrpcStatus.NOT_FOUND, `unknown device ${deviceId}`);
    }
    const g = this.groups.get(`${deviceId}/${role}`);
    const p = g?.primary === undefined ? undefined : this.controllers.get(g.primary);
    if (!p || electionId === undefined || p.electionId !== fromUint128(electionId)) {
      throw new ArbitrationError(GrpcStatus.PERMISSION_DENIED, "not the primary controller");
    }
  }

  private notice(g: Group<H>, to: H): ArbitrationNotice<H> {
    const isPrimary = g.primary === to;
    const code = isPrimary ? Code.OK : g.primary !== undefined ? Code.ALREADY_EXISTS : Code.NOT_FOUND;
    const message = isPrimary
      ? "primary"
      : g.primary !== undefined
        ? "backup: a primary is connected"
        : "backup: no primary";
    return {
      to,
      update: create(MasterArbitrationUpdateSchema, {
        deviceId: g.deviceId,
        role:
          g.role === "" && g.roleConfig === undefined ? undefined : { name: g.role, config: g.roleConfig },
        electionId: g.highest === undefined ? undefined : toUint128(g.highest),
        status: { code, message },
      }),
    };
  }
}
