// The BMv2 JSON document (behavioral-model docs/JSON_format.md, version 2.23) as TypeScript
// shapes, plus helpers for its "type value" objects and expression trees.

/** A BMv2 "type value" object: {type, value} (plus `bitwidth` for calculation hexstr inputs). */
export interface TV {
  type: string;
  value: unknown;
  bitwidth?: number;
}

export interface SourceInfo {
  filename: string;
  line: number;
  column: number;
  source_fragment: string;
}

export interface Primitive {
  op: string;
  parameters: unknown[];
  source_info?: SourceInfo;
}

export interface ParserOp {
  op: string;
  parameters: unknown[];
}

export interface Transition {
  type: "default" | "hexstr";
  value: string | null;
  mask: string | null;
  next_state: string | null;
}

export interface ParseState {
  name: string;
  id: number;
  parser_ops: ParserOp[];
  transitions: Transition[];
  transition_key: TV[];
}

export interface TableKey {
  match_type: string;
  name: string;
  target: [string, string];
  mask: string | null;
}

export interface DefaultEntry {
  action_id: number;
  action_const: boolean;
  action_data: string[];
  action_entry_const: boolean;
}

export interface MatchKeyJson {
  match_type: string;
  key?: string;
  mask?: string;
  prefix_length?: number;
  start?: string;
  end?: string;
}

export interface EntryJson {
  source_info?: SourceInfo;
  match_key: MatchKeyJson[];
  action_entry: { action_id: number; action_data: string[] };
  priority: number;
}

export interface TableJson {
  name: string;
  id: number;
  source_info?: SourceInfo;
  key: TableKey[];
  match_type: string;
  type: "simple";
  max_size: number;
  with_counters: boolean;
  support_timeout: boolean;
  direct_meters: string | null;
  action_ids: number[];
  actions: string[];
  base_default_next: string | null;
  next_tables: Record<string, string | null>;
  default_entry: DefaultEntry;
  entries?: EntryJson[];
}

export interface ConditionalJson {
  name: string;
  id: number;
  source_info?: SourceInfo;
  expression: TV;
  true_next: string | null;
  false_next: string | null;
}

export interface ActionJson {
  name: string;
  id: number;
  runtime_data: { name: string; bitwidth: number }[];
  primitives: Primitive[];
}

export interface PipelineJson {
  name: string;
  id: number;
  source_info?: SourceInfo;
  init_table: string | null;
  tables: TableJson[];
  action_profiles: unknown[];
  conditionals: ConditionalJson[];
}

export interface Bmv2Json {
  header_types: { name: string; id: number; fields: [string, number, boolean][] }[];
  headers: { name: string; id: number; header_type: string; metadata: boolean; pi_omit: boolean }[];
  header_stacks: { name: string; id: number; header_type: string; size: number; header_ids: number[] }[];
  header_union_types: unknown[];
  header_unions: unknown[];
  header_union_stacks: unknown[];
  field_lists: { id: number; name: string; elements: TV[] }[];
  errors: [string, number][];
  enums: { name: string; entries: [string, number][] }[];
  parsers: { name: string; id: number; init_state: string; parse_states: ParseState[] }[];
  parse_vsets: unknown[];
  deparsers: { name: string; id: number; order: string[]; primitives: unknown[] }[];
  meter_arrays: Record<string, unknown>[];
  counter_arrays: Record<string, unknown>[];
  register_arrays: { name: string; id: number; source_info?: SourceInfo; size: number; bitwidth: number }[];
  calculations: { name: string; id: number; algo: string; input: TV[] }[];
  learn_lists: { id: number; name: string; elements: TV[] }[];
  actions: ActionJson[];
  pipelines: PipelineJson[];
  checksums: {
    name: string;
    id: number;
    target: [string, string];
    type: "generic";
    calculation: string;
    verify: boolean;
    update: boolean;
    if_cond: TV | null;
  }[];
  force_arith: unknown[];
  extern_instances: unknown[];
  field_aliases: [string, [string, string]][];
  program: string;
  __meta__: { version: [number, number]; compiler: string };
}

/** Hex string of a value as BMv2 wants it: big-endian, padded to whole bytes of `width` bits. */
export function hexstr(value: bigint, width?: number): string {
  const neg = value < 0n;
  let h = (neg ? -value : value).toString(16);
  if (width !== undefined) {
    const digits = Math.max(1, Math.ceil(width / 8) * 2);
    h = h.padStart(digits, "0");
  }
  return `${neg ? "-" : ""}0x${h}`;
}

export const tvHex = (value: bigint, width?: number): TV => ({ type: "hexstr", value: hexstr(value, width) });
export const tvField = (h: string, f: string): TV => ({ type: "field", value: [h, f] });
export const tvBool = (b: boolean): TV => ({ type: "bool", value: b });

/** An expression-tree node: {type: "expression", value: {op, left, right}}. */
export function tvOp(op: string, left: TV | null, right: TV | null, cond?: TV): TV {
  const value: Record<string, unknown> = { op, left, right };
  if (cond) value.cond = cond;
  return { type: "expression", value };
}

/** A primitive parameter holding an expression tree (BMv2 nests the tree one level). */
export function paramExpr(tree: TV): TV {
  return { type: "expression", value: tree };
}
