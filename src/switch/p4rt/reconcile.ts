// RECONCILE_AND_COMMIT: carries the forwarding state of the running pipeline over to a new one
// by name — table entries and non-initial default actions, direct counters, registers, counters,
// multicast groups, clone sessions and digest configs. If some state has no place in the new
// pipeline (a table with entries is gone, a key or action changed), the state cannot be
// preserved and the request fails with INVALID_ARGUMENT, leaving the running pipeline as it was.
import { ControlError } from "../errors.js";
import { invalidArgument } from "./errors.js";
import type { TableInfo } from "./mapping.js";
import type { PipelineState } from "./state.js";

function sameKey(a: TableInfo, b: TableInfo): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => f.kind === b.fields[i]!.kind && f.width === b.fields[i]!.width)
  );
}

function guard(what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ControlError) throw invalidArgument(`cannot preserve ${what}: ${e.message}`);
    throw e;
  }
}

export function migrateState(from: PipelineState, to: PipelineState): void {
  const src = from.pipeline;
  const dst = to.pipeline;
  const byName = new Map([...dst.map.tables.values()].map((t) => [t.name, t]));
  for (const old of src.map.tables.values()) {
    const t = byName.get(old.name);
    const entries = [...old.engine.entries.values()];
    const defaultChanged = old.engine.default !== old.engine.initialDefault;
    if (!t) {
      if (entries.length > 0 || defaultChanged)
        throw invalidArgument(`cannot preserve table ${old.name}: it is gone`);
      continue;
    }
    if (t.isConst || old.isConst) continue;
    if (entries.length > 0 && !sameKey(old, t))
      throw invalidArgument(`cannot preserve table ${old.name}: its key changed`);
    const oldExtras = from.extras.get(old.name);
    for (const e of entries) {
      guard(`an entry of table ${old.name}`, () => {
        const h = dst.engine.insertEntry(t.name, {
          match: e.match,
          priority: e.priority,
          action: e.action.name,
          params: e.params,
        });
        dst.engine.directCounterWrite(t.name, h, { packets: e.packets, bytes: e.bytes });
        const x = oldExtras?.get(e.handle);
        if (x) to.tableExtras(t.name).set(h, x);
      });
    }
    if (defaultChanged) {
      const d = old.engine.default;
      guard(`the default action of ${old.name}`, () =>
        dst.engine.setDefaultAction(t.name, d.action.name, d.params),
      );
    }
  }
  for (const [name, reg] of src.engine.program.registers) {
    const n = dst.engine.program.registers.get(name);
    if (!n) continue;
    if (n.size !== reg.size || n.width !== reg.width)
      throw invalidArgument(`cannot preserve register ${name}: its shape changed`);
    for (let i = 0; i < reg.size; i++) n.set(i, reg.get(i));
  }
  for (const [name, c] of src.engine.program.counters) {
    const n = dst.engine.program.counters.get(name);
    if (!n || c.direct || n.direct) continue;
    if (n.size !== c.size) throw invalidArgument(`cannot preserve counter ${name}: its size changed`);
    for (let i = 0; i < c.size; i++) n.write(i, c.read(i));
  }
  for (const g of src.engine.pre.allGroups()) dst.engine.setMulticastGroup(g.id, g.replicas);
  for (const s of src.engine.pre.allSessions()) dst.engine.setCloneSession(s.id, s);
  for (const [k, v] of from.replicaField) to.replicaField.set(k, v);
  for (const [k, v] of from.cloneClassOfService) to.cloneClassOfService.set(k, v);
  const digestByName = new Map([...dst.map.digests.values()].map((d) => [d.name, d]));
  for (const [id, cfg] of from.digestConfig) {
    const d = src.map.digests.get(id);
    const n = d && digestByName.get(d.name);
    if (n) to.digestConfig.set(n.id, cfg);
  }
}
