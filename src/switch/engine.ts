// The v1model software switch: parser → verify checksums → ingress → traffic manager (clone I2E,
// digest, resubmit, multicast, unicast/drop) → egress → clone E2E / drop → update checksums →
// deparser → (recirculate). Mirrors simple_switch's order of operations, but runs synchronously:
// `process()` returns every packet one input produces, in a deterministic order.

import { fitValue, toBig } from "./bits.js";
import { ControlError, LoadError, PacketError } from "./errors.js";
import type { Bmv2Json } from "./json.js";
import { type CloneSession, type Replica, ReplicationEngine } from "./pre.js";
import { MAX_PARSER_STEPS } from "./program/parser.js";
import { type ControlNode, Program } from "./program/program.js";
import { PacketState } from "./program/runtime.js";
import type { ValueSet } from "./program/vset.js";
import type { CounterValue, MeterConfig } from "./stateful.js";
import type { FieldMatch } from "./tables/match.js";
import type { Entry, EntrySpec, Table } from "./tables/table.js";

/** standard_metadata.instance_type values used by simple_switch. */
export const InstanceType = {
  NORMAL: 0,
  INGRESS_CLONE: 1,
  EGRESS_CLONE: 2,
  COALESCED: 3,
  RECIRC: 4,
  REPLICATION: 5,
  RESUBMIT: 6,
} as const;

export const DROP_PORT = 511;

export interface SwitchOptions {
  /** Microsecond clock for timestamps and meters (default: process.hrtime since start). */
  clock?: () => number;
  /** Seed for random() / modify_field_rng_uniform (default 1). */
  seed?: number;
  /** Packets sent to this port go to `onPacketIn` instead of the output list. */
  cpuPort?: number;
  /** Resubmit/recirculate rounds per input packet before the packet is dropped. */
  maxRecirculations?: number;
}

export interface OutputPacket {
  port: number;
  data: Uint8Array;
}

export interface Digest {
  listId: number;
  name: string;
  fields: Array<{ name: string; value: bigint }>;
}

export interface SwitchStats {
  received: number;
  transmitted: number;
  dropped: number;
  parserErrors: number;
  checksumErrors: number;
  /** Packets dropped because processing hit an error (assert, bad index, runaway recirculation). */
  packetErrors: number;
  digests: number;
  packetIns: number;
}

export interface TableEntryView {
  handle: number;
  match: FieldMatch[];
  priority: number;
  action: string;
  params: bigint[];
  packets: number;
  bytes: number;
}

interface Task {
  stage: "ingress" | "egress";
  state: PacketState;
  port: number;
  depth: number;
  /** For ingress tasks: the bytes as received. */
  data?: Uint8Array;
}

/** Deterministic 32-bit PRNG (mulberry32). */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const defaultClock = (): (() => number) => {
  const start = process.hrtime.bigint();
  return () => Number((process.hrtime.bigint() - start) / 1000n);
};

export class V1Switch {
  program: Program;
  readonly pre = new ReplicationEngine();
  readonly stats: SwitchStats = {
    received: 0,
    transmitted: 0,
    dropped: 0,
    parserErrors: 0,
    checksumErrors: 0,
    packetErrors: 0,
    digests: 0,
    packetIns: 0,
  };
  onDigest: ((d: Digest) => void) | undefined;
  onPacketIn: ((data: Uint8Array) => void) | undefined;
  /** Called with each packet-processing error (for logs); the packet is dropped either way. */
  onError: ((e: PacketError) => void) | undefined;
  cpuPort: number | undefined;
  private readonly clock: () => number;
  private readonly maxRecirc: number;
  private readonly rng: () => number;

  constructor(json: Bmv2Json, opts: SwitchOptions = {}) {
    this.clock = opts.clock ?? defaultClock();
    this.rng = seededRng(opts.seed ?? 1);
    this.cpuPort = opts.cpuPort;
    this.maxRecirc = opts.maxRecirculations ?? 16;
    this.program = this.compile(json);
  }

  private compile(json: Bmv2Json): Program {
    let p: Program;
    try {
      p = new Program(json);
    } catch (e) {
      if (e instanceof LoadError) throw e;
      throw new LoadError(`malformed BMv2 JSON: ${(e as Error).message}`);
    }
    p.env.now = this.clock;
    p.env.rng = this.rng;
    return p;
  }

  /** Replaces the pipeline (P4Runtime SetForwardingPipelineConfig): all table and extern state is reset. */
  loadPipeline(json: Bmv2Json): void {
    this.program = this.compile(json);
  }

  // ---------------------------------------------------------------- data plane

  /** Processes one packet arriving on `port`; returns the packets to transmit. */
  process(port: number, data: Uint8Array): OutputPacket[] {
    this.stats.received += 1;
    const out: OutputPacket[] = [];
    const queue: Task[] = [this.ingressTask(data, port, InstanceType.NORMAL, 0)];
    for (let i = 0; i < queue.length; i++) {
      const t = queue[i]!;
      try {
        if (t.stage === "ingress") this.ingress(t, queue);
        else this.egress(t, queue, out);
      } catch (e) {
        // A packet never takes the switch down: anything thrown while processing it drops it.
        const err =
          e instanceof PacketError ? e : new PacketError(`internal error: ${(e as Error)?.message ?? e}`);
        this.stats.packetErrors += 1;
        this.stats.dropped += 1;
        this.onError?.(err);
      }
    }
    queue.length = 0;
    return out;
  }

  /** Packet-out from the controller: enters ingress with ingress_port = the CPU port. */
  packetOut(data: Uint8Array): OutputPacket[] {
    if (this.cpuPort === undefined) throw new ControlError("no CPU port configured");
    return this.process(this.cpuPort, data);
  }

  private ingressTask(
    data: Uint8Array,
    port: number,
    instance: number,
    depth: number,
    from?: PacketState,
    fieldList = 0,
  ): Task {
    const p = this.program;
    const P = new PacketState(p.layout, data, p.stackCount);
    if (from && fieldList !== 0) this.copyFieldList(from, P, fieldList);
    const I = p.intrinsics;
    // Like simple_switch, a resubmitted or recirculated packet starts with reset metadata:
    // ingress_port is 0 unless its field list preserved it.
    if (I.ingressPort && from === undefined) P.F[I.ingressPort.slot] = port;
    if (I.instanceType) P.F[I.instanceType.slot] = instance;
    if (I.packetLength) P.F[I.packetLength.slot] = fitValue(data.length, I.packetLength.width);
    if (I.ingressTs) P.F[I.ingressTs.slot] = fitValue(Math.floor(this.clock()), I.ingressTs.width);
    return { stage: "ingress", state: P, port, depth, data };
  }

  private copyFieldList(from: PacketState, to: PacketState, id: number): void {
    const slots = this.program.env.fieldLists.get(id);
    if (slots) for (const s of slots) to.F[s] = from.F[s]!;
  }

  private parse(P: PacketState): void {
    const parser = this.program.parser;
    let s = parser.init;
    let steps = 0;
    while (s >= 0) {
      if (++steps > MAX_PARSER_STEPS) {
        P.parserError = this.program.layout.errorCode("ParserTimeout");
        break;
      }
      s = parser.states[s]!(P);
    }
  }

  private runControl(start: ControlNode | null | undefined, P: PacketState): void {
    let n = start ?? null;
    while (n !== null && !P.exit) n = n.run(P);
    P.exit = false;
  }

  private verifyChecksums(P: PacketState): void {
    const env = this.program.env;
    for (const c of this.program.checksums) {
      if (!c.verify || !c.cond(P)) continue;
      const v = fitValue(env.calcs[c.calc]!(P), c.width);
      const cur = P.F[c.slot]!;
      if (typeof v === "number" ? v !== cur : toBig(v) !== toBig(cur)) P.checksumError = true;
    }
  }

  private updateChecksums(P: PacketState): void {
    const env = this.program.env;
    for (const c of this.program.checksums) {
      if (!c.update || !c.cond(P)) continue;
      P.F[c.slot] = fitValue(env.calcs[c.calc]!(P), c.width);
    }
  }

  private get(P: PacketState, slot: { slot: number } | undefined): number {
    return slot ? Number(P.F[slot.slot]!) : 0;
  }

  private ingress(t: Task, queue: Task[]): void {
    const p = this.program;
    const I = p.intrinsics;
    const P = t.state;
    // The JSON assigns error codes; NoError need not be 0 (older p4c used 1).
    const noError = p.noError;
    P.parserError = noError;
    this.parse(P);
    if (P.parserError !== noError) this.stats.parserErrors += 1;
    if (I.parserError) P.F[I.parserError.slot] = fitValue(P.parserError, I.parserError.width);
    this.verifyChecksums(P);
    if (P.checksumError) this.stats.checksumErrors += 1;
    if (I.checksumError) P.F[I.checksumError.slot] = P.checksumError ? 1 : 0;
    this.runControl(p.pipelines.get("ingress"), P);

    const egressSpec = this.get(P, I.egressSpec);
    const mgid = this.get(P, I.mcastGrp);

    if (P.cloneSession >= 0) {
      const session = this.pre.session(P.cloneSession);
      if (session) {
        const c = this.ingressTask(t.data!, t.port, InstanceType.INGRESS_CLONE, t.depth).state;
        c.parserError = p.noError;
        this.parse(c);
        this.resetMetadata(c);
        if (I.ingressPort) c.F[I.ingressPort.slot] = t.port;
        if (P.cloneFieldList !== 0) this.copyFieldList(P, c, P.cloneFieldList);
        if (I.instanceType) c.F[I.instanceType.slot] = InstanceType.INGRESS_CLONE;
        if (I.packetLength) c.F[I.packetLength.slot] = fitValue(t.data!.length, I.packetLength.width);
        c.truncateTo = session.truncateLength ?? 0;
        this.enqueueSession(c, session, t.depth, queue);
      }
    }
    if (P.learnList >= 0) this.digest(P);
    if (P.resubmitFieldList >= 0) {
      if (t.depth + 1 > this.maxRecirc) throw new PacketError("too many resubmissions");
      queue.push(
        this.ingressTask(t.data!, t.port, InstanceType.RESUBMIT, t.depth + 1, P, P.resubmitFieldList),
      );
      return;
    }
    if (mgid !== 0) {
      if (I.instanceType) P.F[I.instanceType.slot] = InstanceType.REPLICATION;
      this.multicast(P, mgid, t.depth, queue, true);
      return;
    }
    if (egressSpec === DROP_PORT) {
      this.stats.dropped += 1;
      return;
    }
    if (I.instanceType) P.F[I.instanceType.slot] = InstanceType.NORMAL;
    this.enqueue(P, egressSpec, t.depth, queue);
  }

  private enqueue(P: PacketState, port: number, depth: number, queue: Task[]): void {
    // Truncation requested in ingress (or by a clone session) applies when the copy leaves.
    const truncate = P.truncateTo;
    P.clearRequests();
    P.truncateTo = truncate;
    queue.push({ stage: "egress", state: P, port, depth });
  }

  /** Replicates P to a group; with `consume`, P itself becomes the last replica (saves a copy). */
  private multicast(P: PacketState, mgid: number, depth: number, queue: Task[], consume = false): void {
    const replicas = this.pre.group(mgid);
    if (!replicas || replicas.length === 0) {
      this.stats.dropped += 1;
      return;
    }
    const rid = this.program.intrinsics.egressRid;
    for (let i = 0; i < replicas.length; i++) {
      const r = replicas[i]!;
      const c = consume && i === replicas.length - 1 ? P : this.copyState(P);
      if (rid) c.F[rid.slot] = r.rid;
      this.enqueue(c, r.port, depth, queue);
    }
  }

  private enqueueSession(c: PacketState, s: CloneSession, depth: number, queue: Task[]): void {
    const rid = this.program.intrinsics.egressRid;
    const n = s.replicas.length;
    if (s.mcastGroup !== undefined && s.mcastGroup !== 0)
      this.multicast(c, s.mcastGroup, depth, queue, n === 0);
    for (let i = 0; i < n; i++) {
      const r = s.replicas[i]!;
      const copy = i === n - 1 ? c : this.copyState(c);
      if (rid) copy.F[rid.slot] = r.rid;
      this.enqueue(copy, r.port, depth, queue);
    }
  }

  private copyState(P: PacketState): PacketState {
    return new PacketState(this.program.layout, P.buf, 0, P);
  }

  private resetMetadata(P: PacketState): void {
    const t = this.program.layout.template;
    for (const s of this.program.metadataSlots) P.F[s] = t[s]!;
  }

  private digest(P: PacketState): void {
    const ll = this.program.learnLists.get(P.learnList);
    if (!ll) return;
    this.stats.digests += 1;
    this.onDigest?.({
      listId: ll.id,
      name: ll.name,
      // Digest values are the fields' bits (a signed field's two's complement).
      fields: ll.fields.map((f) => ({ name: f.name, value: BigInt.asUintN(f.width, toBig(P.F[f.slot]!)) })),
    });
  }

  private egress(t: Task, queue: Task[], out: OutputPacket[]): void {
    const p = this.program;
    const I = p.intrinsics;
    const P = t.state;
    if (I.egressTs) P.F[I.egressTs.slot] = fitValue(Math.floor(this.clock()), I.egressTs.width);
    if (I.egressPort) P.F[I.egressPort.slot] = fitValue(t.port, I.egressPort.width);
    if (I.egressSpec) P.F[I.egressSpec.slot] = fitValue(DROP_PORT + 1, I.egressSpec.width);
    if (I.packetLength) P.F[I.packetLength.slot] = fitValue(P.len, I.packetLength.width);
    const truncate = P.truncateTo;
    P.clearRequests();
    this.runControl(p.pipelines.get("egress"), P);

    if (P.cloneSession >= 0) {
      const session = this.pre.session(P.cloneSession);
      if (session) {
        const c = this.copyState(P);
        this.resetMetadata(c);
        if (P.cloneFieldList !== 0) this.copyFieldList(P, c, P.cloneFieldList);
        if (I.instanceType) c.F[I.instanceType.slot] = InstanceType.EGRESS_CLONE;
        c.truncateTo = session.truncateLength ?? 0;
        this.enqueueSession(c, session, t.depth, queue);
      }
    }
    if (this.get(P, I.egressSpec) === DROP_PORT) {
      this.stats.dropped += 1;
      return;
    }
    this.updateChecksums(P);
    let bytes = this.deparse(P);
    const cut = P.truncateTo || truncate;
    if (cut > 0 && cut < bytes.length) bytes = bytes.slice(0, cut);
    if (P.recirculateFieldList >= 0) {
      if (t.depth + 1 > this.maxRecirc) throw new PacketError("too many recirculations");
      queue.push(
        this.ingressTask(bytes, t.port, InstanceType.RECIRC, t.depth + 1, P, P.recirculateFieldList),
      );
      return;
    }
    if (this.cpuPort !== undefined && t.port === this.cpuPort && this.onPacketIn) {
      this.stats.packetIns += 1;
      this.onPacketIn(bytes);
      return;
    }
    this.stats.transmitted += 1;
    out.push({ port: t.port, data: bytes });
  }

  /** Emits valid headers in deparser order, then the unparsed payload. */
  private deparse(P: PacketState): Uint8Array {
    const p = this.program;
    const env = p.env;
    const order = p.deparseOrder;
    let size = 0;
    for (let i = 0; i < order.length; i++) {
      const h = order[i]!;
      if (P.V[h] === 1) size += env.headerBytes[h]!;
    }
    const payload = P.buf.length - P.off;
    const outBuf = new Uint8Array(size + Math.max(0, payload));
    let off = 0;
    for (let i = 0; i < order.length; i++) {
      const h = order[i]!;
      if (P.V[h] !== 1) continue;
      env.emit[h]!(outBuf, off, P.F, env.bases[h]!);
      off += env.headerBytes[h]!;
    }
    if (payload > 0) outBuf.set(P.buf.subarray(P.off), off);
    return outBuf;
  }

  // ---------------------------------------------------------------- control plane: tables

  tableNames(): string[] {
    return [...this.program.tables.keys()];
  }

  /** Finds a table by its full name, or by a unique suffix (".name"). */
  table(name: string): Table {
    const tables = this.program.tables;
    const t = tables.get(name);
    if (t) return t;
    const c = [...tables.values()].filter((x) => x.name.endsWith(`.${name}`));
    if (c.length === 1) return c[0]!;
    if (c.length > 1)
      throw new ControlError(`table name '${name}' is ambiguous: ${c.map((x) => x.name).join(", ")}`);
    throw new ControlError(`unknown table '${name}'`);
  }

  insertEntry(table: string, spec: EntrySpec): number {
    return this.table(table).insert(spec);
  }

  modifyEntry(table: string, handle: number, action: string, params: bigint[] = []): void {
    this.table(table).modify(handle, action, params);
  }

  deleteEntry(table: string, handle: number): void {
    this.table(table).delete(handle);
  }

  findEntry(table: string, match: FieldMatch[], priority?: number): number | undefined {
    return this.table(table).find(match, priority)?.handle;
  }

  readEntries(table: string): TableEntryView[] {
    return [...this.table(table).entries.values()].map(view);
  }

  setDefaultAction(table: string, action: string, params: bigint[] = []): void {
    this.table(table).setDefault(action, params);
  }

  getDefaultAction(table: string): { action: string; params: bigint[]; isConst: boolean } {
    const d = this.table(table).default;
    return { action: d.action.name, params: [...d.params], isConst: d.actionConst || d.entryConst };
  }

  resetDefaultAction(table: string): void {
    this.table(table).resetDefault();
  }

  directCounterRead(table: string, handle: number): CounterValue {
    const e = this.table(table).get(handle);
    return { packets: e.packets, bytes: e.bytes };
  }

  directCounterWrite(table: string, handle: number, v: CounterValue): void {
    const e = this.table(table).get(handle);
    e.packets = v.packets;
    e.bytes = v.bytes;
  }

  directMeterSet(table: string, handle: number, cfg: MeterConfig | undefined): void {
    const e = this.table(table).get(handle);
    if (!e.meter) throw new ControlError(`table ${table} has no direct meter`);
    e.meter.configure(cfg, this.clock());
  }

  // ---------------------------------------------------------------- control plane: PRE

  setMulticastGroup(id: number, replicas: Replica[]): void {
    this.pre.setGroup(id, replicas);
  }

  deleteMulticastGroup(id: number): void {
    this.pre.deleteGroup(id);
  }

  setCloneSession(id: number, session: CloneSession): void {
    this.pre.setSession(id, session);
  }

  deleteCloneSession(id: number): void {
    this.pre.deleteSession(id);
  }

  // ---------------------------------------------------------------- control plane: externs

  private named<T>(map: Map<string, T>, name: string, what: string): T {
    const v = map.get(name);
    if (v) return v;
    const c = [...map.keys()].filter((k) => k.endsWith(`.${name}`));
    if (c.length === 1) return map.get(c[0]!)!;
    throw new ControlError(
      c.length > 1 ? `${what} name '${name}' is ambiguous` : `unknown ${what} '${name}'`,
    );
  }

  registerNames(): string[] {
    return [...this.program.registers.keys()];
  }

  registerRead(name: string, index: number): bigint {
    return this.named(this.program.registers, name, "register").get(index);
  }

  registerWrite(name: string, index: number, value: bigint): void {
    this.named(this.program.registers, name, "register").set(index, value);
  }

  registerReset(name: string): void {
    this.named(this.program.registers, name, "register").reset();
  }

  registerSize(name: string): number {
    return this.named(this.program.registers, name, "register").size;
  }

  counterNames(): string[] {
    return [...this.program.counters.keys()];
  }

  counterInfo(name: string): { name: string; size: number; direct: boolean; binding?: string } {
    const c = this.named(this.program.counters, name, "counter");
    return { name: c.name, size: c.size, direct: c.direct, binding: c.binding };
  }

  counterRead(name: string, index: number): CounterValue {
    return this.named(this.program.counters, name, "counter").read(index);
  }

  counterWrite(name: string, index: number, v: CounterValue): void {
    this.named(this.program.counters, name, "counter").write(index, v);
  }

  counterReset(name: string): void {
    const c = this.named(this.program.counters, name, "counter");
    if (c.direct && c.binding) {
      for (const e of this.table(c.binding).entries.values()) {
        e.packets = 0;
        e.bytes = 0;
      }
    } else c.reset();
  }

  meterSet(name: string, index: number, cfg: MeterConfig | undefined): void {
    this.named(this.program.meters, name, "meter").configure(index, cfg, this.clock());
  }

  valueSetNames(): string[] {
    return [...this.program.valueSets.keys()];
  }

  /** A parser value set (`parse_vsets`), to add/remove/list members. */
  valueSet(name: string): ValueSet {
    return this.named(this.program.valueSets, name, "value set");
  }

  meterRead(name: string, index: number): MeterConfig | undefined {
    return this.named(this.program.meters, name, "meter").read(index);
  }
}

function view(e: Entry): TableEntryView {
  return {
    handle: e.handle,
    match: e.match,
    priority: e.priority,
    action: e.action.name,
    params: [...e.params],
    packets: e.packets,
    bytes: e.bytes,
  };
}
