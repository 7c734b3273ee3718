// One switch as the controller sees it: a P4Runtime session (primary by election id), the
// pipeline check and push, reading its contents back in the friendly form the desired state
// uses, writing a diff in dependency order, and Paxos control packets over PacketOut/PacketIn.
import { EventEmitter } from "node:events";
import { create } from "@bufbuild/protobuf";
import { P4RuntimeClient } from "../../src/p4runtime/client.js";
import {
  cloneSessionEntity,
  multicastGroupEntity,
  multicastWildcard,
  replicaPort,
  tableWildcard,
  update,
} from "../../src/p4runtime/entities.js";
import { Code } from "../../src/p4runtime/gen/google/rpc/code_pb.js";
import {
  EntitySchema,
  GetForwardingPipelineConfigRequest_ResponseType,
  type Replica as P4Replica,
  SetForwardingPipelineConfigRequest_Action,
  type Update,
  Update_Type,
} from "../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { P4InfoIndex } from "../../src/p4runtime/p4info-index.js";
import { P4RuntimeRpcError, P4RuntimeWriteError } from "../../src/p4runtime/status.js";
import type { PaxosMessage } from "../../src/wire/message.js";
import type { SwitchConfig } from "../config/types.js";
import type { SwitchContents, SwitchDiff } from "../desired/diff.js";
import type { CloneSession, FriendlyEntry, MulticastGroup } from "../desired/types.js";
import { type ControlSource, controlPacket, paxosFromPacketIn } from "./packets.js";
import type { Pipeline } from "./pipeline.js";

export const DEFAULT_ELECTION_ID = 1;

/** One update the switch refused. */
export interface UpdateFailure {
  what: string;
  code: string;
  message: string;
}

export interface WriteOutcome {
  /** Updates sent. */
  written: number;
  failures: UpdateFailure[];
}

export type SwitchLinkEvents = {
  /** Stream up and primary (again). */
  up: [];
  /** Stream broke. */
  down: [Error];
  paxos: [PaxosMessage];
};

const grpcCodeName = (c: number): string => Code[c] ?? String(c);

export class SwitchLink extends EventEmitter<SwitchLinkEvents> {
  readonly client: P4RuntimeClient;
  idx: P4InfoIndex | null = null;
  /** Messages from PacketIn that were not Paxos (counted, ignored). */
  ignoredPacketIns = 0;

  constructor(
    readonly config: SwitchConfig,
    opts: { electionId?: number; reconnect?: boolean; rpcTimeoutMs?: number; baseDir?: string } = {},
  ) {
    super();
    const tls = config.tls;
    this.client = new P4RuntimeClient({
      address: config.address,
      deviceId: config.deviceId,
      electionId: config.electionId ?? opts.electionId ?? DEFAULT_ELECTION_ID,
      tls: tls ? { rootCertPath: tls.ca, certChainPath: tls.cert, privateKeyPath: tls.key } : undefined,
      reconnect: opts.reconnect === false ? false : { initialDelayMs: 50, maxDelayMs: 500, multiplier: 2 },
      rpcTimeoutMs: opts.rpcTimeoutMs ?? 5000,
    });
    this.client.on("disconnected", (e) => this.emit("down", e));
    this.client.on("arbitration", (a) => {
      if (a.primary) this.emit("up");
    });
    this.client.on("packetIn", (p) => {
      const msg = paxosFromPacketIn(p.payload);
      if (msg) this.emit("paxos", msg);
      else this.ignoredPacketIns++;
    });
  }

  get name(): string {
    return this.config.name;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  get primary(): boolean {
    return this.client.isPrimary;
  }

  /** Opens the stream; resolves once arbitration answered (primary or not). */
  async connect(timeoutMs: number): Promise<boolean> {
    const a = await this.client.connect(timeoutMs);
    return a.primary;
  }

  close(): void {
    this.client.close();
  }

  /** The installed pipeline's cookie; null when the switch has none. */
  async pipelineCookie(): Promise<bigint | null> {
    try {
      const cfg = await this.client.getPipeline(GetForwardingPipelineConfigRequest_ResponseType.COOKIE_ONLY);
      return cfg.cookie?.cookie ?? 0n;
    } catch (e) {
      if (e instanceof P4RuntimeRpcError && (e.code as number) === Code.FAILED_PRECONDITION) return null;
      throw e;
    }
  }

  /** Installs `p` unless the switch already runs it. Returns whether it pushed. */
  async ensurePipeline(p: Pipeline): Promise<boolean> {
    this.idx = new P4InfoIndex(p.p4info);
    const cookie = await this.pipelineCookie();
    if (cookie === p.cookie) return false;
    await this.client.setPipeline(
      p.p4info,
      p.deviceConfig,
      SetForwardingPipelineConfigRequest_Action.VERIFY_AND_COMMIT,
      p.cookie,
    );
    return true;
  }

  private index(): P4InfoIndex {
    if (!this.idx) throw new Error(`${this.name}: no pipeline known yet`);
    return this.idx;
  }

  /** Reads tables, default actions of `defaultTables`, multicast groups and clone sessions. */
  async readContents(defaultTables: readonly string[]): Promise<SwitchContents> {
    const idx = this.index();
    const tableEntries: FriendlyEntry[] = [];
    for (const e of await this.client.read([tableWildcard(0)])) {
      if (e.entity.case !== "tableEntry" || e.entity.value.isDefaultAction) continue;
      tableEntries.push(friendly(idx.renderTableEntry(e.entity.value)));
    }
    const defaultActions: FriendlyEntry[] = [];
    if (defaultTables.length > 0) {
      const reqs = defaultTables.map((t) =>
        create(EntitySchema, {
          entity: {
            case: "tableEntry",
            value: { tableId: idx.table(t).preamble!.id, isDefaultAction: true },
          },
        }),
      );
      for (const e of await this.client.read(reqs)) {
        if (e.entity.case !== "tableEntry") continue;
        const f = friendly(idx.renderTableEntry(e.entity.value));
        // A default entry without action reads as the program's default action: NoAction.
        if (f.action === "") f.action = "NoAction";
        defaultActions.push({ ...f, isDefault: true, match: {} });
      }
    }
    const multicastGroups: MulticastGroup[] = [];
    const cloneSessions: CloneSession[] = [];
    for (const e of await this.client.read([multicastWildcard(), cloneSessionEntity(0, [])])) {
      if (e.entity.case !== "packetReplicationEngineEntry") continue;
      const t = e.entity.value.type;
      const replicas = (rs: readonly P4Replica[]) =>
        rs.map((r) => ({ port: replicaPort(r) ?? -1, rid: r.instance }));
      if (t.case === "multicastGroupEntry")
        multicastGroups.push({ id: t.value.multicastGroupId, replicas: replicas(t.value.replicas) });
      else if (t.case === "cloneSessionEntry")
        cloneSessions.push({ id: t.value.sessionId, replicas: replicas(t.value.replicas) });
    }
    return { tableEntries, defaultActions, multicastGroups, cloneSessions };
  }

  /** The updates that apply `diff`, in the order docs/deployment.md ("Diff") prescribes. */
  diffUpdates(diff: SwitchDiff): { updates: Update[]; labels: string[] } {
    const idx = this.index();
    const updates: Update[] = [];
    const labels: string[] = [];
    const add = (u: Update, label: string) => {
      updates.push(u);
      labels.push(label);
    };
    const mg = (t: Update_Type, g: MulticastGroup, verb: string) =>
      add(
        update(
          t,
          multicastGroupEntity(
            g.id,
            g.replicas.map((r) => ({ port: r.port, instance: r.rid })),
          ),
        ),
        `${verb} multicast group ${g.id}`,
      );
    const cs = (t: Update_Type, c: CloneSession, verb: string) =>
      add(
        update(
          t,
          cloneSessionEntity(
            c.id,
            c.replicas.map((r) => ({ port: r.port, instance: r.rid })),
          ),
        ),
        `${verb} clone session ${c.id}`,
      );
    const te = (t: Update_Type, e: FriendlyEntry, verb: string) =>
      add(idx.tableUpdate(t, toSpec(e)), `${verb} ${describe(e)}`);
    for (const g of diff.multicastGroups.inserts) mg(Update_Type.INSERT, g, "insert");
    for (const g of diff.multicastGroups.modifies) mg(Update_Type.MODIFY, g, "modify");
    for (const c of diff.cloneSessions.inserts) cs(Update_Type.INSERT, c, "insert");
    for (const c of diff.cloneSessions.modifies) cs(Update_Type.MODIFY, c, "modify");
    for (const e of diff.defaultActions) te(Update_Type.MODIFY, e, "set default");
    for (const e of diff.tableEntries.inserts) te(Update_Type.INSERT, e, "insert");
    for (const e of diff.tableEntries.modifies) te(Update_Type.MODIFY, e, "modify");
    for (const e of diff.tableEntries.deletes) te(Update_Type.DELETE, e, "delete");
    for (const c of diff.cloneSessions.deletes) cs(Update_Type.DELETE, c, "delete");
    for (const g of diff.multicastGroups.deletes) mg(Update_Type.DELETE, g, "delete");
    return { updates, labels };
  }

  /**
   * Writes a diff. Multicast groups go first and their deletes last, so the four phases are
   * separate requests: a table entry never refers to a group that is not there yet.
   */
  async writeDiff(diff: SwitchDiff): Promise<WriteOutcome> {
    const { updates, labels } = this.diffUpdates(diff);
    const failures: UpdateFailure[] = [];
    if (updates.length === 0) return { written: 0, failures };
    try {
      await this.client.write(updates);
    } catch (e) {
      if (e instanceof P4RuntimeWriteError && e.failures.length > 0) {
        for (const f of e.failures)
          failures.push({
            what: labels[f.index] ?? `update ${f.index}`,
            code: grpcCodeName(f.canonicalCode),
            message: f.message,
          });
      } else throw e;
    }
    return { written: updates.length, failures };
  }

  /** Sends a Paxos control message into the switch's pipeline (PacketOut, process = 1). */
  sendPaxos(
    source: ControlSource,
    msg: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] },
    to?: { mac: string; ip: string; udpPort?: number },
  ): boolean {
    if (!this.idx || !this.client.isPrimary) return false;
    const dst = to ?? { mac: this.config.mac ?? "02:00:00:00:00:01", ip: this.config.ip ?? "192.0.2.1" };
    const p = controlPacket(this.idx, dst, source, msg, to?.udpPort);
    try {
      this.client.packetOut(p.payload, p.metadata);
      return true;
    } catch {
      return false;
    }
  }
}

/** renderTableEntry's form → the desired-state form (params always present). */
function friendly(spec: ReturnType<P4InfoIndex["renderTableEntry"]>): FriendlyEntry {
  const e: FriendlyEntry = {
    table: String(spec.table),
    match: (spec.match ?? {}) as FriendlyEntry["match"],
    action: spec.action === undefined ? "" : String(spec.action),
    params: (spec.params ?? {}) as FriendlyEntry["params"],
  };
  if (spec.priority) e.priority = spec.priority;
  return e;
}

function toSpec(e: FriendlyEntry) {
  return {
    table: e.table,
    match: e.isDefault ? undefined : (e.match as Record<string, never>),
    action: e.action,
    params: e.params as Record<string, never>,
    priority: e.priority,
    isDefault: e.isDefault,
  };
}

export function describe(e: FriendlyEntry): string {
  const m = Object.entries(e.match)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === "object" && v !== null && "lpm" in v ? `${v.lpm[0]}/${v.lpm[1]}` : typeof v === "object" && v !== null && "exact" in v ? String(v.exact) : String(v)}`,
    )
    .join(",");
  const p = Object.entries(e.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",");
  return `${e.table}${m ? ` ${m}` : e.isDefault ? " default" : ""} -> ${e.action}(${p})`;
}
