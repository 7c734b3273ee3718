// Runs parsed STF commands against a switch: control-plane commands in order, packets through
// the pipeline, then compares what each port emitted with the `expect` lines for that port
// (in order per port; ports without expectations must stay silent unless given a bare `expect`).

import type { V1Switch } from "../engine.js";
import { ControlError } from "../errors.js";
import type { FieldMatch, KeyField } from "../tables/match.js";
import type { Table } from "../tables/table.js";
import { matchesPattern, renderDiff } from "./diff.js";
import {
  type ExpectPattern,
  parseNumber,
  type StfActionCall,
  type StfCommand,
  StfParseError,
} from "./parse.js";

export interface StfResult {
  ok: boolean;
  failures: string[];
  /** Packets received per port, in order. */
  received: Map<number, Uint8Array[]>;
  packetsSent: number;
  packetsChecked: number;
  /** Packets the switch dropped because processing failed (assert, runaway recirculation...). */
  switchErrors: string[];
}

/** Converts one STF key value into a match for a key field of the given kind and width. */
export function keyMatch(f: KeyField, text: string): FieldMatch {
  const t = text.trim();
  const full = (1n << BigInt(f.width)) - 1n;
  switch (f.kind) {
    case "exact":
      return { kind: "exact", value: parseNumber(t) };
    case "valid":
      return { kind: "valid", value: t === "true" || (t !== "false" && parseNumber(t) !== 0n) };
    case "optional":
      return t === "*" ? { kind: "optional" } : { kind: "optional", value: parseNumber(t) };
    case "range": {
      const m = /^(.+?)(?:->|\.\.)(.+)$/.exec(t);
      if (m) return { kind: "range", low: parseNumber(m[1]!), high: parseNumber(m[2]!) };
      const v = parseNumber(t);
      return { kind: "range", low: v, high: v };
    }
    case "lpm": {
      const slash = t.indexOf("/");
      if (slash >= 0)
        return { kind: "lpm", value: parseNumber(t.slice(0, slash)), prefixLen: Number(t.slice(slash + 1)) };
      if (t.includes("*")) {
        const { value, mask, bits } = wildcard(t);
        const len = bitsSet(mask);
        // Digits written count from the most significant end of the field.
        return { kind: "lpm", value: value << BigInt(f.width - bits), prefixLen: len };
      }
      return { kind: "lpm", value: parseNumber(t), prefixLen: f.width };
    }
    case "ternary": {
      const amp = t.indexOf("&&&");
      if (amp >= 0)
        return { kind: "ternary", value: parseNumber(t.slice(0, amp)), mask: parseNumber(t.slice(amp + 3)) };
      if (t.includes("*")) {
        const { value, mask } = wildcard(t);
        return { kind: "ternary", value, mask };
      }
      return { kind: "ternary", value: parseNumber(t), mask: full };
    }
  }
}

/** "0x0a**" → value 0x0a00, mask 0xff00; also 0b with `*` bits. */
function wildcard(t: string): { value: bigint; mask: bigint; bits: number } {
  const m = /^0([xb])(.+)$/.exec(t);
  if (!m) throw new StfParseError(`wildcards need a 0x or 0b value: '${t}'`);
  const per = m[1] === "x" ? 4 : 1;
  let value = 0n;
  let mask = 0n;
  for (const c of m[2]!) {
    const full = BigInt((1 << per) - 1);
    value <<= BigInt(per);
    mask <<= BigInt(per);
    if (c === "*") continue;
    const d = Number.parseInt(c, per === 4 ? 16 : 2);
    if (Number.isNaN(d)) throw new StfParseError(`bad digit '${c}' in '${t}'`);
    value |= BigInt(d);
    mask |= full;
  }
  return { value, mask, bits: m[2]!.length * per };
}

const bitsSet = (v: bigint): number => v.toString(2).replace(/0/g, "").length;

/** Resolves an STF key name (full JSON name, target "hdr.f", suffix, `$N` for `[N]`). */
export function resolveKey(table: Table, name: string): number {
  const n = name.replace(/\$(\d+)/g, "[$1]");
  const keys = table.keys;
  const pick = (pred: (k: KeyField) => boolean) => keys.findIndex(pred);
  let i = pick((k) => k.name === n || k.target === n);
  if (i < 0) i = pick((k) => k.name === `${n}$` || k.target === `${n}.$valid$` || k.name === `${n}.$valid$`);
  if (i < 0) {
    const c = keys
      .map((k, j) => [k, j] as const)
      .filter(([k]) => k.name.endsWith(`.${n}`) || (k.target ?? "").endsWith(`.${n}`));
    if (c.length > 1) throw new ControlError(`key '${name}' is ambiguous in table ${table.name}`);
    i = c.length === 1 ? c[0]![1] : -1;
  }
  if (i < 0)
    throw new ControlError(
      `table ${table.name} has no key field '${name}' (keys: ${keys.map((k) => k.name).join(", ")})`,
    );
  return i;
}

function actionParams(table: Table, call: StfActionCall): { action: string; params: bigint[] } {
  const a = table.actionByName(call.name);
  for (const arg of call.args)
    if (!a.paramNames.includes(arg.name))
      throw new ControlError(`action ${a.name} has no parameter '${arg.name}'`);
  const params = a.paramNames.map((pn) => {
    const arg = call.args.find((x) => x.name === pn);
    if (!arg) throw new ControlError(`action ${a.name}: missing parameter '${pn}'`);
    return arg.value;
  });
  return { action: a.name, params };
}

const cmp = (a: bigint, op: string, b: bigint): boolean =>
  op === "=="
    ? a === b
    : op === "!="
      ? a !== b
      : op === "<"
        ? a < b
        : op === "<="
          ? a <= b
          : op === ">"
            ? a > b
            : a >= b;

export function runStf(sw: V1Switch, commands: StfCommand[], file = "<stf>"): StfResult {
  const failures: string[] = [];
  const received = new Map<number, Uint8Array[]>();
  const expected = new Map<number, Array<{ pattern: ExpectPattern; line: number }>>();
  const anyPorts = new Set<number>();
  const nodes: Array<{ rid: number; ports: number[] }> = [];
  const groups = new Map<number, number[]>();
  let packetsSent = 0;
  const switchErrors: string[] = [];
  const prevOnError = sw.onError;
  sw.onError = (e) => {
    switchErrors.push(e.message);
    prevOnError?.(e);
  };
  const rebuild = (g: number) =>
    sw.setMulticastGroup(
      g,
      (groups.get(g) ?? []).flatMap((h) => nodes[h]!.ports.map((port) => ({ port, rid: nodes[h]!.rid }))),
    );
  let autoPriority = 1_000_000;
  const named = new Map<string, { table: string; handle: number }>();

  for (const c of commands) {
    const at = `${file}:${c.line}`;
    try {
      switch (c.kind) {
        case "add": {
          const t = sw.table(c.table);
          const match: Array<FieldMatch | undefined> = t.keys.map((k) =>
            k.kind === "optional"
              ? { kind: "optional" }
              : k.kind === "ternary"
                ? { kind: "ternary", value: 0n, mask: 0n }
                : undefined,
          );
          for (const k of c.keys) {
            const i = resolveKey(t, k.field);
            match[i] = keyMatch(t.keys[i]!, k.value);
          }
          match.forEach((m, i) => {
            if (m === undefined) {
              const k = t.keys[i]!;
              if (k.kind === "lpm") match[i] = { kind: "lpm", value: 0n, prefixLen: 0 };
              else if (k.kind === "range")
                match[i] = { kind: "range", low: 0n, high: (1n << BigInt(k.width)) - 1n };
              else throw new ControlError(`missing value for key '${k.name}'`);
            }
          });
          const { action, params } = actionParams(t, c.action);
          // Without an explicit priority, entries added first win (STF files list the most specific first).
          const priority = t.needsPriority ? (c.priority ?? autoPriority--) : undefined;
          const handle = t.insert({ match: match as FieldMatch[], priority, action, params });
          if (c.handleName) named.set(c.handleName, { table: t.name, handle });
          break;
        }
        case "setdefault": {
          const t = sw.table(c.table);
          const { action, params } = actionParams(t, c.action);
          t.setDefault(action, params);
          break;
        }
        case "packet": {
          packetsSent += 1;
          for (const o of sw.process(c.port, c.data)) {
            const l = received.get(o.port) ?? [];
            l.push(o.data);
            received.set(o.port, l);
          }
          break;
        }
        case "expect":
          if (c.pattern === undefined) anyPorts.add(c.port);
          else {
            const l = expected.get(c.port) ?? [];
            l.push({ pattern: c.pattern, line: c.line });
            expected.set(c.port, l);
          }
          break;
        case "wait":
          break;
        case "mirroring_add":
          sw.setCloneSession(c.session, { replicas: [{ port: c.port, rid: 0 }] });
          break;
        case "mirroring_add_mc":
          sw.setCloneSession(c.session, { replicas: [], mcastGroup: c.group });
          break;
        case "mc_mgrp_create":
          groups.set(c.group, []);
          rebuild(c.group);
          break;
        case "mc_node_create":
          nodes.push({ rid: c.rid, ports: c.ports });
          break;
        case "mc_node_associate": {
          const g = groups.get(c.group);
          if (!g) throw new ControlError(`multicast group ${c.group} was not created`);
          if (!nodes[c.handle]) throw new ControlError(`no multicast node with handle ${c.handle}`);
          g.push(c.handle);
          rebuild(c.group);
          break;
        }
        case "check_counter": {
          let v: { packets: number; bytes: number };
          if (typeof c.index === "string") {
            const e = named.get(c.index);
            if (!e) throw new ControlError(`no entry named '${c.index}' (use 'add ... = ${c.index}')`);
            const info = sw.counterInfo(c.counter);
            if (!info.direct || info.binding !== e.table)
              throw new ControlError(`counter ${c.counter} is not a direct counter of table ${e.table}`);
            v = sw.directCounterRead(e.table, e.handle);
          } else v = sw.counterRead(c.counter, c.index);
          const got = BigInt(c.type === "packets" ? v.packets : v.bytes);
          if (!cmp(got, c.op, c.value))
            failures.push(
              `${at}: counter ${c.counter}(${c.index}) ${c.type} is ${got}, expected ${c.op} ${c.value}`,
            );
          break;
        }
        case "register_write":
          sw.registerWrite(c.register, c.index, c.value);
          break;
        case "register_read": {
          const v = sw.registerRead(c.register, c.index);
          if (c.expect !== undefined && v !== c.expect)
            failures.push(`${at}: register ${c.register}[${c.index}] is ${v}, expected ${c.expect}`);
          break;
        }
      }
    } catch (e) {
      if (e instanceof ControlError || e instanceof StfParseError) failures.push(`${at}: ${e.message}`);
      else throw e;
    }
  }

  let packetsChecked = 0;
  const ports = new Set([...received.keys(), ...expected.keys()]);
  for (const port of [...ports].sort((a, b) => a - b)) {
    if (anyPorts.has(port)) continue;
    const got = received.get(port) ?? [];
    const want = expected.get(port) ?? [];
    for (let i = 0; i < Math.max(got.length, want.length); i++) {
      const w = want[i];
      const g = got[i];
      if (w && !g) {
        failures.push(
          `${file}:${w.line}: port ${port}: expected packet #${i + 1} was not received\n  expected ${w.pattern.text}`,
        );
        continue;
      }
      if (!w && g) {
        failures.push(`port ${port}: unexpected packet #${i + 1}: ${Buffer.from(g).toString("hex")}`);
        continue;
      }
      packetsChecked += 1;
      if (!matchesPattern(w!.pattern, g!))
        failures.push(
          `${file}:${w!.line}: port ${port}: packet #${i + 1} differs: ${renderDiff(w!.pattern, g!)}`,
        );
    }
  }
  sw.onError = prevOnError;
  if (failures.length > 0 && switchErrors.length > 0)
    failures.push(
      `switch dropped ${switchErrors.length} packet(s) on errors: ${[...new Set(switchErrors)].join("; ")}`,
    );
  return { ok: failures.length === 0, failures, received, packetsSent, packetsChecked, switchErrors };
}
