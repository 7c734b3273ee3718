// PacketOut / PacketIn metadata <-> the controller headers at the front of the packet. As in
// simple_switch_grpc, the packet_out fields (P4Info order and widths) are packed big-endian and
// prepended to the payload before it enters ingress on the CPU port; a packet the pipeline sends
// to the CPU port starts with the packet_in header, which is cut off into PacketIn metadata.
import { create } from "@bufbuild/protobuf";
import { type PacketIn, PacketInSchema, type PacketOut } from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import { readBits, writeBits } from "./bits.js";
import { invalidArgument } from "./errors.js";
import type { PacketHeaderInfo, PipelineMap } from "./mapping.js";

function pack(h: PacketHeaderInfo, values: readonly bigint[]): Uint8Array {
  let acc = 0n;
  h.fields.forEach((f, i) => {
    acc = (acc << BigInt(f.width)) | values[i]!;
  });
  const out = new Uint8Array(h.bytes);
  for (let i = h.bytes - 1; i >= 0; i--) {
    out[i] = Number(acc & 0xffn);
    acc >>= 8n;
  }
  return out;
}

function unpack(h: PacketHeaderInfo, bytes: Uint8Array): bigint[] {
  let acc = 0n;
  for (let i = 0; i < h.bytes; i++) acc = (acc << 8n) | BigInt(bytes[i]!);
  const values: bigint[] = [];
  let shift = h.bytes * 8;
  for (const f of h.fields) {
    shift -= f.width;
    values.push((acc >> BigInt(shift)) & ((1n << BigInt(f.width)) - 1n));
  }
  return values;
}

/** The frame a PacketOut injects: packet_out header (missing fields are 0) + payload. */
export function packetOutFrame(map: PipelineMap, po: PacketOut): Uint8Array {
  const h = map.packetOut;
  if (!h) {
    if (po.metadata.length > 0)
      throw invalidArgument("the P4Info has no packet_out header, yet metadata was given");
    return po.payload;
  }
  const values = h.fields.map(() => 0n);
  const seen = new Set<number>();
  for (const m of po.metadata) {
    const i = h.fields.findIndex((f) => f.id === m.metadataId);
    if (i < 0) throw invalidArgument(`packet_out has no metadata id ${m.metadataId}`);
    if (seen.has(m.metadataId)) throw invalidArgument(`packet_out metadata id ${m.metadataId} given twice`);
    seen.add(m.metadataId);
    const f = h.fields[i]!;
    values[i] = readBits(m.value, f.width, `packet_out ${f.name}`);
  }
  const head = pack(h, values);
  const frame = new Uint8Array(head.length + po.payload.length);
  frame.set(head, 0);
  frame.set(po.payload, head.length);
  return frame;
}

/** The PacketIn for a frame the pipeline sent to the CPU port. */
export function packetInOf(map: PipelineMap, frame: Uint8Array): PacketIn {
  const h = map.packetIn;
  if (!h || frame.length < h.bytes) return create(PacketInSchema, { payload: frame });
  const values = unpack(h, frame);
  return create(PacketInSchema, {
    payload: frame.slice(h.bytes),
    metadata: h.fields.map((f, i) => ({ metadataId: f.id, value: writeBits(values[i]!, f.width) })),
  });
}
