// A forwarding pipeline: the P4Info and BMv2 JSON a controller pushed, the engine loaded from
// the JSON, and the map between them. Building one is the whole "verify" step.
import type { P4Info } from "../../p4runtime/gen/p4/config/v1/p4info_pb.js";
import type { ForwardingPipelineConfig } from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import { V1Switch } from "../engine.js";
import { LoadError } from "../errors.js";
import type { Bmv2Json } from "../json.js";
import { invalidArgument } from "./errors.js";
import { buildPipelineMap, type PipelineMap } from "./mapping.js";

export interface Pipeline {
  p4info: P4Info;
  /** The p4_device_config bytes as received (returned by GetForwardingPipelineConfig). */
  deviceConfig: Uint8Array;
  cookie: bigint | undefined;
  json: Bmv2Json;
  engine: V1Switch;
  map: PipelineMap;
}

export interface EngineOptions {
  cpuPort?: number;
  /** Seed of the engine's random() (deterministic tests). */
  seed?: number;
}

/** Parses and loads the config; INVALID_ARGUMENT with the reason if it cannot be realized. */
export function buildPipeline(config: ForwardingPipelineConfig | undefined, opts: EngineOptions): Pipeline {
  if (!config) throw invalidArgument("no forwarding pipeline config given");
  if (!config.p4info) throw invalidArgument("the config has no p4info");
  if (config.p4DeviceConfig.length === 0)
    throw invalidArgument("the config has no p4_device_config (BMv2 JSON)");
  let json: Bmv2Json;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(config.p4DeviceConfig)) as Bmv2Json;
  } catch (e) {
    throw invalidArgument(`p4_device_config is not BMv2 JSON: ${(e as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalidArgument("p4_device_config is not a BMv2 JSON object");
  }
  let engine: V1Switch;
  try {
    engine = new V1Switch(json, { cpuPort: opts.cpuPort, seed: opts.seed });
  } catch (e) {
    // Anything the loader throws means the target cannot realize this config.
    const msg = e instanceof LoadError ? e.message : `cannot load the BMv2 JSON: ${(e as Error).message}`;
    throw invalidArgument(msg);
  }
  const map = buildPipelineMap(config.p4info, json, engine);
  return {
    p4info: config.p4info,
    deviceConfig: config.p4DeviceConfig,
    cookie: config.cookie?.cookie,
    json,
    engine,
    map,
  };
}
