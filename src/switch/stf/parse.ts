// Parser for the STF ("simple test framework") text format used by p4c's BMv2 tests:
//   add TABLE [PRIORITY] KEY:VALUE ... ACTION(PARAM:VALUE, ...)
//   setdefault TABLE ACTION(PARAM:VALUE, ...)
//   packet PORT HEX...            expect PORT [HEX...]   (`*` = any nibble, `$` = end of packet)
//   wait | mirroring_add SESSION PORT | mirroring_add_mc SESSION GROUP
//   mc_mgrp_create GROUP | mc_node_create RID PORT... | mc_node_associate GROUP HANDLE
//   check_counter NAME(INDEX|$ENTRY) [packets|bytes] [==|!=|<|<=|>|>=] VALUE   (add ... = ENTRY)
//   register_write NAME INDEX VALUE | register_read NAME INDEX [== VALUE]
// Comments start with `#`. Values are decimal, 0x hex, 0b binary, dotted IPv4 or colon MAC.

export class StfParseError extends Error {
  override name = "StfParseError";
}

export interface StfKey {
  field: string;
  /** Raw value text ("0x0a&&&0xff", "10.0.0.0/8", "0x0a**", "5"). */
  value: string;
}

export interface StfActionCall {
  name: string;
  args: Array<{ name: string; value: bigint }>;
}

export type StfBody =
  | {
      kind: "add";
      table: string;
      priority?: number;
      keys: StfKey[];
      action: StfActionCall;
      handleName?: string;
    }
  | { kind: "setdefault"; table: string; action: StfActionCall }
  | { kind: "packet"; port: number; data: Uint8Array }
  | { kind: "expect"; port: number; pattern: ExpectPattern | undefined }
  | { kind: "wait" }
  | { kind: "mirroring_add"; session: number; port: number }
  | { kind: "mirroring_add_mc"; session: number; group: number }
  | { kind: "mc_mgrp_create"; group: number }
  | { kind: "mc_node_create"; rid: number; ports: number[] }
  | { kind: "mc_node_associate"; group: number; handle: number }
  /** `index` is a number for indexed counters, or the `$NAME` given with `add ... = NAME` for direct ones. */
  | {
      kind: "check_counter";
      counter: string;
      index: number | string;
      type: "packets" | "bytes";
      op: CmpOp;
      value: bigint;
    }
  | { kind: "register_write"; register: string; index: number; value: bigint }
  | { kind: "register_read"; register: string; index: number; expect?: bigint };

export type StfCommand = StfBody & { line: number };

export type CmpOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** An expected packet: nibbles (undefined = wildcard) and whether its length must match exactly. */
export interface ExpectPattern {
  nibbles: Array<number | undefined>;
  exactLength: boolean;
  text: string;
}

/** Parses an integer literal: decimal, 0x, 0b, 0o, dotted IPv4, colon-separated MAC. */
export function parseNumber(text: string): bigint {
  const t = text.trim();
  if (/^\d+\.\d+\.\d+\.\d+$/.test(t)) {
    const parts = t.split(".").map(Number);
    if (parts.some((p) => p > 255)) throw new StfParseError(`bad IPv4 address '${t}'`);
    return parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n);
  }
  if (/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(t))
    return t.split(":").reduce((a, p) => (a << 8n) | BigInt(Number.parseInt(p, 16)), 0n);
  const neg = t.startsWith("-");
  const body = neg ? t.slice(1) : t;
  if (!/^(0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*)$/.test(body))
    throw new StfParseError(`bad number '${t}'`);
  const v = BigInt(body.replace(/_/g, ""));
  return neg ? -v : v;
}

function parseExpect(text: string): ExpectPattern | undefined {
  let clean = text.replace(/\s+/g, "");
  if (clean === "") return undefined;
  let exactLength = false;
  if (clean.endsWith("$")) {
    exactLength = true;
    clean = clean.slice(0, -1);
  }
  if (!/^[0-9a-fA-F*]*$/.test(clean)) throw new StfParseError(`bad expected packet data '${text}'`);
  if (clean.length % 2 !== 0) throw new StfParseError("expected packet data has an odd number of nibbles");
  const nibbles = [...clean].map((c) => (c === "*" ? undefined : Number.parseInt(c, 16)));
  return { nibbles, exactLength, text: clean };
}

function parseActionCall(text: string): StfActionCall {
  const m = /^([^()\s]+)\s*\((.*)\)\s*$/.exec(text.trim());
  if (!m) throw new StfParseError(`bad action call '${text}'`);
  const args = m[2]!
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "")
    .map((a) => {
      const i = a.indexOf(":");
      if (i < 0) throw new StfParseError(`action argument '${a}' lacks NAME:VALUE`);
      return { name: a.slice(0, i).trim(), value: parseNumber(a.slice(i + 1)) };
    });
  return { name: m[1]!, args };
}

const int = (s: string | undefined, what: string): number => {
  if (s === undefined) throw new StfParseError(`missing ${what}`);
  const v = parseNumber(s);
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new StfParseError(`bad ${what} '${s}'`);
  return Number(v);
};

export function parseStf(text: string, file = "<stf>"): StfCommand[] {
  const out: StfCommand[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/#.*$/, "").trim();
    if (content === "") return;
    try {
      out.push({ ...parseLine(content), line });
    } catch (e) {
      if (e instanceof StfParseError) throw new StfParseError(`${file}:${line}: ${e.message}`);
      throw e;
    }
  });
  return out;
}

function parseLine(content: string): StfBody {
  const [cmd, ...rest] = content.split(/\s+/);
  const tail = content.slice(cmd!.length).trim();
  switch (cmd) {
    case "add": {
      // Optional "= NAME" names the entry for later `check_counter C($NAME)`.
      let handleName: string | undefined;
      const named = /\)\s*=\s*([A-Za-z_][\w]*)\s*$/.exec(tail);
      if (named) handleName = named[1];
      const paren = tail.indexOf("(");
      if (paren < 0) throw new StfParseError("'add' needs an ACTION(...)");
      const before = tail.slice(0, paren).trim().split(/\s+/);
      const actionName = before.pop();
      if (!actionName) throw new StfParseError("'add' needs an action name");
      const table = before.shift();
      if (!table) throw new StfParseError("'add' needs a table name");
      let priority: number | undefined;
      if (before.length > 0 && /^\d+$/.test(before[0]!)) priority = Number(before.shift());
      const keys = before.map((k) => {
        const c = k.indexOf(":");
        if (c <= 0) throw new StfParseError(`key '${k}' lacks FIELD:VALUE`);
        return { field: k.slice(0, c), value: k.slice(c + 1) };
      });
      const close = tail.lastIndexOf(")");
      const action = parseActionCall(`${actionName}${tail.slice(paren, close + 1)}`);
      return { kind: "add", table, priority, keys, action, ...(handleName ? { handleName } : {}) };
    }
    case "setdefault": {
      const table = rest[0];
      if (!table) throw new StfParseError("'setdefault' needs a table name");
      return { kind: "setdefault", table, action: parseActionCall(tail.slice(table.length)) };
    }
    case "packet": {
      const port = int(rest[0], "port");
      const hex = rest.slice(1).join("");
      if (!/^([0-9a-fA-F]{2})*$/.test(hex))
        throw new StfParseError(`bad packet data '${rest.slice(1).join(" ")}'`);
      return { kind: "packet", port, data: Uint8Array.from(Buffer.from(hex, "hex")) };
    }
    case "expect":
      return { kind: "expect", port: int(rest[0], "port"), pattern: parseExpect(rest.slice(1).join("")) };
    case "wait":
      return { kind: "wait" };
    case "mirroring_add":
      return { kind: "mirroring_add", session: int(rest[0], "session"), port: int(rest[1], "port") };
    case "mirroring_add_mc":
      return { kind: "mirroring_add_mc", session: int(rest[0], "session"), group: int(rest[1], "group") };
    case "mc_mgrp_create":
      return { kind: "mc_mgrp_create", group: int(rest[0], "group") };
    case "mc_node_create": {
      if (rest.length < 2) throw new StfParseError("'mc_node_create' needs RID and ports");
      return {
        kind: "mc_node_create",
        rid: int(rest[0], "rid"),
        ports: rest.slice(1).map((p) => int(p, "port")),
      };
    }
    case "mc_node_associate":
      return { kind: "mc_node_associate", group: int(rest[0], "group"), handle: int(rest[1], "node handle") };
    case "check_counter": {
      const m = /^([^\s(]+)\s*\(\s*([^)]+)\)\s*(packets|bytes)?\s*(==|!=|<=|>=|<|>)?\s*(\S+)$/.exec(tail);
      if (!m) throw new StfParseError("usage: check_counter NAME(INDEX) [packets|bytes] [==] VALUE");
      return {
        kind: "check_counter",
        counter: m[1]!,
        index: m[2]!.trim().startsWith("$") ? m[2]!.trim().slice(1) : int(m[2], "counter index"),
        type: (m[3] ?? "packets") as "packets" | "bytes",
        op: (m[4] ?? "==") as CmpOp,
        value: parseNumber(m[5]!),
      };
    }
    case "register_write":
      if (rest.length !== 3) throw new StfParseError("usage: register_write NAME INDEX VALUE");
      return {
        kind: "register_write",
        register: rest[0]!,
        index: int(rest[1], "index"),
        value: parseNumber(rest[2]!),
      };
    case "register_read": {
      if (rest.length !== 2 && !(rest.length === 4 && rest[2] === "=="))
        throw new StfParseError("usage: register_read NAME INDEX [== VALUE]");
      const r = { kind: "register_read", register: rest[0]!, index: int(rest[1], "index") } as const;
      return rest.length === 4 ? { ...r, expect: parseNumber(rest[3]!) } : r;
    }
    default:
      throw new StfParseError(`unknown STF command '${cmd}'`);
  }
}
