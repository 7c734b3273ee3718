// Control packets: a PacketOut carries packet_out{process = 1} and a Paxos frame whose reply,
// with ports and addresses swapped, is still a Paxos datagram.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDeployment } from "../../../../controller/config/load.js";
import { controlPacket, paxosFromPacketIn } from "../../../../controller/runtime/packets.js";
import { loadPipeline } from "../../../../controller/runtime/pipeline.js";
import { P4InfoIndex } from "../../../../src/p4runtime/p4info-index.js";
import { decodeFrame } from "../../../../src/wire/frame.js";
import { MsgType, PAXOS_UDP_PORT } from "../../../../src/wire/header.js";

const r = parseDeployment(readFileSync("examples/single.yaml", "utf8"), "single.yaml");
if (!r.ok) throw new Error("single.yaml does not validate");
const pipeline = loadPipeline(r.deployment);
const idx = new P4InfoIndex(pipeline.p4info);

describe("control packets", () => {
  it("PING as PacketOut: process = 1, Paxos on both UDP ports", () => {
    const p = controlPacket(
      idx,
      { mac: "02:00:00:00:01:01", ip: "10.0.1.1" },
      { mac: "02:00:00:00:00:fe", ip: "10.0.0.20" },
      {
        msgtype: MsgType.PING,
        group: 1,
        aux: 42,
      },
    );
    expect(idx.decodePacketMetadata(p.metadata, "packet_out")).toEqual({ egress_port: 0n, process: 1n });
    const f = decodeFrame(p.payload);
    expect(f.ok && [f.value.udp.srcPort, f.value.udp.dstPort]).toEqual([PAXOS_UDP_PORT, PAXOS_UDP_PORT]);
    const m = paxosFromPacketIn(p.payload);
    expect(m && [m.msgtype, m.group, m.aux]).toEqual([MsgType.PING, 1, 42]);
  });

  it("the pipeline cookie is stable and names the build", () => {
    expect(loadPipeline(r.deployment).cookie).toBe(pipeline.cookie);
  });

  it("ignores what is not a Paxos frame", () => {
    expect(paxosFromPacketIn(new Uint8Array(10))).toBeNull();
    expect(paxosFromPacketIn(new Uint8Array(200))).toBeNull();
  });
});
