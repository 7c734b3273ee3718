// Compiles PAXOS_FIELDS (src/wire/header.ts) into the codec's field accessors, once at load.
//
// Why generate code: a loop over the table that reads `msg[name]` with eleven different names
// makes every property access megamorphic (~4x slower than the whole rest of encode/decode).
// Emitting straight-line code from the table keeps the table the only source of offsets and
// widths while giving the speed of hand-written accessors. Only identifiers from MESSAGE_KEYS
// and integers from the table reach the generated source.
import { PAXOS_FIELDS, VALUE_SIZE } from "./header.js";
import type { PaxosMessage } from "./message.js";

/** Numeric keys of PaxosMessage (header.ts's NumericField widens to string, so use the interface). */
export type NumericKey = Exclude<keyof PaxosMessage, "value">;

// Compile-time list of the interface's numeric keys; the plan checks the table has exactly these.
const MESSAGE_KEYS: Record<NumericKey, true> = {
  version: true,
  msgtype: true,
  group: true,
  instance: true,
  round: true,
  vround: true,
  acceptor: true,
  vlen: true,
  proposer: true,
  seq: true,
  aux: true,
};

function isNumericKey(name: string): name is NumericKey {
  return Object.hasOwn(MESSAGE_KEYS, name);
}

export interface NumericSlot {
  readonly name: NumericKey;
  readonly offset: number;
  readonly bytes: number;
  /** Largest value that fits the field's width. */
  readonly max: number;
}

function numericSlots(): NumericSlot[] {
  const slots: NumericSlot[] = [];
  for (const field of PAXOS_FIELDS) {
    if (field.name === "value") continue;
    const bytes = field.bits / 8;
    // A JS number holds integers exactly up to 2^53, so numeric fields may be at most 48 bits.
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 6) {
      throw new Error(`header.ts: field ${field.name} has unsupported width ${field.bits}`);
    }
    if (!isNumericKey(field.name)) throw new Error(`header.ts: field ${field.name} is not in PaxosMessage`);
    slots.push({ name: field.name, offset: field.offset, bytes, max: 2 ** field.bits - 1 });
  }
  if (slots.length !== Object.keys(MESSAGE_KEYS).length) {
    throw new Error("header.ts and PaxosMessage disagree on the numeric fields");
  }
  return slots;
}

/** Numeric fields in wire order. */
export const NUMERIC: readonly NumericSlot[] = numericSlots();

const valueField = PAXOS_FIELDS.find((f) => f.name === "value");
if (!valueField || valueField.bits !== VALUE_SIZE * 8) {
  throw new Error("header.ts: the value field is missing or not VALUE_SIZE bytes");
}
/** Byte offset of the value field. */
export const VALUE_OFFSET: number = valueField.offset;

// --- code generation: `b` is the buffer, `o` the header's offset in it, `m` a message ---

function readExpr({ offset, bytes }: NumericSlot): string {
  const at = (k: number) => `b[o + ${offset + k}]`;
  if (bytes === 1) return at(0);
  if (bytes === 2) return `((${at(0)} << 8) | ${at(1)})`;
  if (bytes === 4) return `(((${at(0)} << 24) | (${at(1)} << 16) | (${at(2)} << 8) | ${at(3)}) >>> 0)`;
  const terms = Array.from({ length: bytes }, (_, k) => `${at(k)} * ${2 ** (8 * (bytes - 1 - k))}`);
  return `(${terms.join(" + ")})`;
}

function writeStmts({ name, offset, bytes }: NumericSlot): string {
  // Uint8Array stores keep the low 8 bits, so no masking is needed.
  return Array.from({ length: bytes }, (_, k) => {
    const shift = 8 * (bytes - 1 - k);
    const part =
      shift === 0
        ? `m.${name}`
        : shift < 32
          ? `m.${name} >>> ${shift}`
          : `Math.floor(m.${name} / ${2 ** shift})`;
    return `b[o + ${offset + k}] = ${part};`;
  }).join("\n");
}

function fitsExpr({ name, bytes, max }: NumericSlot): string {
  const v = `m.${name}`;
  // Each test is false for non-numbers, NaN, fractions, negatives and values over the width.
  if (bytes === 1) return `(${v} & 0xff) === ${v}`;
  if (bytes === 2) return `(${v} & 0xffff) === ${v}`;
  if (bytes === 4) return `(${v} >>> 0) === ${v}`;
  return `(Number.isInteger(${v}) && ${v} >= 0 && ${v} <= ${max})`;
}

type ReadNumbers = (b: Uint8Array, o: number, value: Uint8Array) => PaxosMessage;
type WriteNumbers = (b: Uint8Array, o: number, m: PaxosMessage) => void;
type FirstMisfit = (m: PaxosMessage) => NumericKey | null;

/** Builds a message from the numeric fields at b[o...] and the given value. No bounds checks. */
export const readNumbers = new Function(
  "b",
  "o",
  "value",
  `return {\n${NUMERIC.map((s) => `${s.name}: ${readExpr(s)},`).join("\n")}\nvalue };`,
) as ReadNumbers;

/** Writes the numeric fields of m at b[o...]. Assumes firstMisfit(m) === null. */
export const writeNumbers = new Function("b", "o", "m", NUMERIC.map(writeStmts).join("\n")) as WriteNumbers;

/** The first numeric field that is not an integer within its width, or null. */
export const firstMisfit = new Function(
  "m",
  `${NUMERIC.map((s) => `if (!(${fitsExpr(s)})) return "${s.name}";`).join("\n")}\nreturn null;`,
) as FirstMisfit;
