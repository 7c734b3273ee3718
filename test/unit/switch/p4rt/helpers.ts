// Shared fixture for the P4Runtime server unit tests: the test program compiled by the embedded
// compiler, and a Device with that pipeline committed.
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { bmv2JsonText, compileP4 } from "../../../../src/p4c/compile.js";
import { toP4InfoMessage } from "../../../../src/p4c/p4info-out.js";
import type { P4Info } from "../../../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";
import {
  ForwardingPipelineConfigSchema,
  SetForwardingPipelineConfigRequest_Action,
  type Update,
  WriteRequest_Atomicity,
} from "../../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { P4InfoIndex } from "../../../../src/p4runtime/p4info-index.js";
import type { OutputPacket } from "../../../../src/switch/engine.js";
import type { Bmv2Json } from "../../../../src/switch/json.js";
import { Device } from "../../../../src/switch/p4rt/device.js";

const PROGRAM = fileURLToPath(new URL("./fixtures/p4rt_switch.p4", import.meta.url));
const compiled = compileP4({ file: PROGRAM });

export const P4INFO: P4Info = toP4InfoMessage(compiled.p4info);
export const JSON_TEXT = bmv2JsonText(compiled.json);
export const idx = new P4InfoIndex(P4INFO);
export const CPU_PORT = 64;

/** A fresh copy of the compiled BMv2 JSON (tests mutate it). */
export function jsonCopy(): Bmv2Json {
  return JSON.parse(JSON_TEXT) as Bmv2Json;
}

export function config(p4info: P4Info = P4INFO, json: string | Bmv2Json = JSON_TEXT) {
  const text = typeof json === "string" ? json : JSON.stringify(json);
  return create(ForwardingPipelineConfigSchema, { p4info, p4DeviceConfig: new TextEncoder().encode(text) });
}

/** A device with the test pipeline committed; `sent` collects what it transmits. */
export function device(): { dev: Device; sent: OutputPacket[] } {
  const dev = new Device({ deviceId: 1n, cpuPort: CPU_PORT });
  dev.setPipeline(SetForwardingPipelineConfigRequest_Action.VERIFY_AND_COMMIT, config());
  const sent: OutputPacket[] = [];
  dev.hooks.transmit = (outs) => sent.push(...outs);
  return { dev, sent };
}

/** Codes of a CONTINUE_ON_ERROR write (0 = OK). */
export function write(dev: Device, updates: Update[], atomicity = WriteRequest_Atomicity.CONTINUE_ON_ERROR) {
  return dev.write(updates, atomicity).map((r) => r.canonicalCode ?? 0);
}

export function frame(dst: number, src: number, etherType = 0x0800): Uint8Array {
  const mac = (n: number) => [0, 0, 0, 0, 0, n];
  return Uint8Array.from([...mac(dst), ...mac(src), etherType >> 8, etherType & 0xff, 1, 2, 3]);
}
