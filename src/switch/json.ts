// The BMv2 JSON input format (behavioral-model docs/JSON_format.md), as far as this engine reads it.
// Every shape is loose on purpose: the loader validates what it uses and names what it refuses.

export type FieldRef = [string, string];

/** A "type value" object: `{type, value}` with extra keys for some types. */
export interface TV {
  type: string;
  value: unknown;
  bitwidth?: number;
}

/** An expression node: `{op, left, right}` (and `cond` for `?`). */
export interface ExprNode {
  op: string;
  left: TV | null;
  right: TV | number | null;
  cond?: TV;
}

export interface HeaderTypeJson {
  name: string;
  id: number;
  fields: Array<[string, number | string] | [string, number | string, boolean]>;
}

export interface HeaderJson {
  name: string;
  id: number;
  header_type: string;
  metadata: boolean;
}

export interface HeaderStackJson {
  name: string;
  id: number;
  header_type: string;
  size?: number;
  header_ids: number[];
}

export interface ParserOpJson {
  op: string;
  parameters: Array<TV & { op?: string; parameters?: TV[] }>;
}

export interface TransitionJson {
  type?: string;
  value: string | null;
  mask: string | null;
  next_state: string | null;
}

export interface ParseStateJson {
  name: string;
  id: number;
  parser_ops: ParserOpJson[];
  transition_key: TV[];
  transitions: TransitionJson[];
}

export interface ParserJson {
  name: string;
  id: number;
  init_state: string;
  parse_states: ParseStateJson[];
}

export interface DeparserJson {
  name: string;
  id: number;
  order: string[];
}

export interface PrimitiveJson {
  op: string;
  parameters: TV[];
  source_info?: unknown;
}

export interface ActionJson {
  name: string;
  id: number;
  runtime_data: Array<{ name: string; bitwidth: number }>;
  primitives: PrimitiveJson[];
}

export interface TableKeyJson {
  match_type: string;
  name?: string;
  target: FieldRef | string;
  mask: string | null;
}

export interface MatchKeyJson {
  match_type: string;
  key?: string | boolean;
  mask?: string;
  prefix_length?: number;
  start?: string;
  end?: string;
}

export interface TableEntryJson {
  match_key: MatchKeyJson[];
  action_entry: { action_id: number; action_data: string[] };
  priority?: number;
}

export interface TableJson {
  name: string;
  id: number;
  match_type: string;
  type: string;
  max_size?: number;
  with_counters?: boolean;
  support_timeout?: boolean;
  direct_meters?: string | null;
  action_profile?: string;
  key: TableKeyJson[];
  actions: string[];
  action_ids: number[];
  next_tables: Record<string, string | null>;
  default_entry?: {
    action_id: number;
    action_const?: boolean;
    action_data?: string[];
    action_entry_const?: boolean;
  };
  entries?: TableEntryJson[];
}

export interface ConditionalJson {
  name: string;
  id: number;
  expression: TV;
  true_next: string | null;
  false_next: string | null;
}

export interface ActionCallJson {
  name: string;
  id: number;
  action_id: number;
  next_node: string | null;
}

export interface PipelineJson {
  name: string;
  id: number;
  init_table: string | null;
  tables: TableJson[];
  conditionals?: ConditionalJson[];
  action_calls?: ActionCallJson[];
  action_profiles?: unknown[];
}

export interface CalculationJson {
  name: string;
  id: number;
  algo: string;
  input: TV[];
}

export interface ChecksumJson {
  name: string;
  id: number;
  target: FieldRef;
  type: string;
  calculation: string;
  update?: boolean;
  verify?: boolean;
  if_cond: TV | null;
}

export interface RegisterArrayJson {
  name: string;
  id: number;
  size: number;
  bitwidth: number;
}

export interface CounterArrayJson {
  name: string;
  id: number;
  size: number;
  is_direct: boolean;
  binding?: string;
}

export interface MeterArrayJson {
  name: string;
  id: number;
  type: string;
  rate_count: number;
  size: number;
  is_direct: boolean;
  binding?: string;
  result_target?: FieldRef;
}

export interface FieldListJson {
  name: string;
  id: number;
  elements: TV[];
}

export interface Bmv2Json {
  __meta__?: { version?: number[]; compiler?: string };
  header_types: HeaderTypeJson[];
  headers: HeaderJson[];
  header_stacks?: HeaderStackJson[];
  header_union_types?: unknown[];
  header_unions?: unknown[];
  header_union_stacks?: unknown[];
  errors?: Array<[string, number]>;
  enums?: unknown[];
  parsers: ParserJson[];
  parse_vsets?: unknown[];
  deparsers: DeparserJson[];
  meter_arrays?: MeterArrayJson[];
  counter_arrays?: CounterArrayJson[];
  register_arrays?: RegisterArrayJson[];
  calculations?: CalculationJson[];
  learn_lists?: FieldListJson[];
  field_lists?: FieldListJson[];
  actions: ActionJson[];
  pipelines: PipelineJson[];
  checksums?: ChecksumJson[];
  extern_instances?: unknown[];
  field_aliases?: Array<[string, FieldRef]>;
}
