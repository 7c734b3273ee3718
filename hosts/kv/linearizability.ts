// A linearizability checker for KV histories: the Wing & Gong search with Lowe's memoisation
// (as in Knossos/Porcupine), written for this project. Linearizability is compositional
// (Herlihy & Wing), so each key is checked on its own, which keeps the search small.
//
// An operation that got no answer (timeout, lost connection) may have taken effect at any
// moment after it was invoked, or never: it has no return event and any output is accepted.

export type KvOp =
  | { kind: "put"; value: string }
  | { kind: "get" }
  | { kind: "del" }
  | { kind: "cas"; expected: string | null; value: string };

export type KvOutput =
  | { kind: "put" }
  | { kind: "get"; value: string | null }
  | { kind: "del"; deleted: boolean }
  | { kind: "cas"; ok: boolean };

export interface HistoryOp {
  /** Unique per history. */
  id: number;
  /** Client that issued it (for reports only). */
  process?: number;
  key: string;
  op: KvOp;
  /** Time of invocation (any monotonic unit). */
  invoke: number;
  /** Time the answer arrived; null if none did (outcome unknown). */
  complete: number | null;
  /** The answer; null exactly when `complete` is null. */
  output: KvOutput | null;
}

export type CheckResult =
  | { ok: true; keys: number; steps: number }
  | { ok: false; key: string; ops: HistoryOp[]; reason: string }
  /** The search budget ran out before an answer (not a verdict). */
  | { ok: "unknown"; key: string; reason: string };

export interface CheckOptions {
  /** Value of every key before the history (default: absent). */
  initial?: ReadonlyMap<string, string | null>;
  /** Search steps per key before giving up (default 2,000,000). */
  maxSteps?: number;
}

type State = string | null;

export class HistoryError extends Error {
  override readonly name = "HistoryError";
}

/** One step of the model: the next state, or null if `output` is impossible from `state`. */
export function stepModel(state: State, op: KvOp, output: KvOutput | null): { state: State } | null {
  if (output !== null && output.kind !== op.kind) return null;
  switch (op.kind) {
    case "put":
      return { state: op.value };
    case "get":
      return output === null || (output.kind === "get" && output.value === state) ? { state } : null;
    case "del":
      return output === null || (output.kind === "del" && output.deleted === (state !== null))
        ? { state: null }
        : null;
    case "cas": {
      const match = op.expected === null ? state === null : state === op.expected;
      if (output !== null && output.kind === "cas" && output.ok !== match) return null;
      return { state: match ? op.value : state };
    }
  }
}

interface Entry {
  op: HistoryOp;
  index: number;
  call: boolean;
  /** For a call: its return entry (null for an operation without answer). */
  ret: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

function validate(history: readonly HistoryOp[]): void {
  const ids = new Set<number>();
  for (const h of history) {
    if (ids.has(h.id)) throw new HistoryError(`duplicate operation id ${h.id}`);
    ids.add(h.id);
    if ((h.complete === null) !== (h.output === null)) {
      throw new HistoryError(`operation ${h.id}: complete and output must both be set or both be null`);
    }
    if (h.complete !== null && h.complete < h.invoke)
      throw new HistoryError(`operation ${h.id} completes before it starts`);
  }
}

/** Checks one key's operations. */
export function checkKey(
  ops: readonly HistoryOp[],
  initial: State,
  maxSteps = 2_000_000,
): { ok: true; steps: number } | { ok: false; steps: number } | { ok: "unknown"; steps: number } {
  const n = ops.length;
  // Events sorted by time; at equal times calls come first (the operations then overlap).
  const events: { time: number; call: boolean; index: number }[] = [];
  ops.forEach((op, index) => {
    events.push({ time: op.invoke, call: true, index });
    if (op.complete !== null) events.push({ time: op.complete, call: false, index });
  });
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? 0 : a.call ? -1 : 1));
  const head: Entry = { op: ops[0]!, index: -1, call: false, ret: null, prev: null, next: null };
  const calls: Entry[] = new Array(n);
  let tail = head;
  for (const ev of events) {
    const e: Entry = {
      op: ops[ev.index]!,
      index: ev.index,
      call: ev.call,
      ret: null,
      prev: tail,
      next: null,
    };
    tail.next = e;
    tail = e;
    if (ev.call) calls[ev.index] = e;
    else calls[ev.index]!.ret = e;
  }
  const lift = (e: Entry): void => {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
    if (e.ret) {
      e.ret.prev!.next = e.ret.next;
      if (e.ret.next) e.ret.next.prev = e.ret.prev;
    }
  };
  const unlift = (e: Entry): void => {
    if (e.ret) {
      e.ret.prev!.next = e.ret;
      if (e.ret.next) e.ret.next.prev = e.ret;
    }
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  };
  const words = new Uint32Array(Math.ceil(n / 32));
  const cache = new Set<string>();
  const stack: { entry: Entry; state: State }[] = [];
  let state = initial;
  let remaining = ops.filter((o) => o.complete !== null).length;
  let entry = head.next;
  let steps = 0;
  while (remaining > 0) {
    if (++steps > maxSteps) return { ok: "unknown", steps };
    if (entry === null) return { ok: false, steps }; // unreachable while returns remain; defensive
    if (entry.call) {
      const next = stepModel(state, entry.op.op, entry.op.output);
      if (next !== null) {
        words[entry.index >> 5]! |= 1 << (entry.index & 31);
        const key = `${words.join(",")}|${next.state === null ? "∅" : `=${next.state}`}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry, state });
          state = next.state;
          lift(entry);
          if (entry.ret) remaining--;
          entry = head.next;
          continue;
        }
        words[entry.index >> 5]! &= ~(1 << (entry.index & 31));
      }
      entry = entry.next;
      continue;
    }
    // A return whose call is not linearized yet: undo the last choice.
    const top = stack.pop();
    if (!top) return { ok: false, steps };
    state = top.state;
    words[top.entry.index >> 5]! &= ~(1 << (top.entry.index & 31));
    unlift(top.entry);
    if (top.entry.ret) remaining++;
    entry = top.entry.next;
  }
  return { ok: true, steps };
}

/** Checks a whole KV history, key by key. */
export function checkLinearizable(history: readonly HistoryOp[], options: CheckOptions = {}): CheckResult {
  validate(history);
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    let list = byKey.get(h.key);
    if (!list) {
      list = [];
      byKey.set(h.key, list);
    }
    list.push(h);
  }
  let steps = 0;
  for (const [key, ops] of byKey) {
    const r = checkKey(ops, options.initial?.get(key) ?? null, options.maxSteps);
    steps += r.steps;
    if (r.ok === "unknown")
      return { ok: "unknown", key, reason: `search budget exhausted after ${r.steps} steps` };
    if (!r.ok) {
      return {
        ok: false,
        key,
        ops: [...ops].sort((a, b) => a.invoke - b.invoke),
        reason: `no order of the ${ops.length} operations on '${key}' explains every answer`,
      };
    }
  }
  return { ok: true, keys: byKey.size, steps };
}

/** One line per operation, for failure reports. */
export function formatHistory(ops: readonly HistoryOp[]): string {
  return ops
    .map((h) => {
      const op =
        h.op.kind === "put"
          ? `put(${h.op.value})`
          : h.op.kind === "cas"
            ? `cas(${h.op.expected}→${h.op.value})`
            : `${h.op.kind}()`;
      const out = h.output === null ? "?" : JSON.stringify(h.output);
      return `#${h.id} p${h.process ?? "-"} [${h.invoke}, ${h.complete ?? "∞"}] ${op} → ${out}`;
    })
    .join("\n");
}
