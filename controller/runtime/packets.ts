// Paxos control messages as P4Runtime packets. TRIM, SYNC, PING (and the controller's own
// P1A/P2A) enter a switch's ingress from the CPU port as PacketOut with `process = 1`
// (docs/dataplane.md, "Controller packets"); replies (PONG, P1B, NACK_ROUND) leave towards the
// CPU port and arrive as PacketIn, Ethernet frame in the payload.

import type { PacketMetadata } from "../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import type { P4InfoIndex } from "../../src/p4runtime/p4info-index.js";
import { parseIPv4, parseMac } from "../../src/wire/addr.js";
import { makeMessage } from "../../src/wire/codec.js";
import { decodePaxosFrame, encodePaxosFrame } from "../../src/wire/frame.js";
import { PAXOS_UDP_PORT } from "../../src/wire/header.js";
import type { PaxosMessage } from "../../src/wire/message.js";

/** Source address of the controller's frames: its agent host if the deployment has one. */
export interface ControlSource {
  mac: string;
  ip: string;
  /** The agent's UDP port: source port of messages to a host role, whose replies come back to it. */
  udpPort?: number;
}

export const DEFAULT_SOURCE: ControlSource = { mac: "02:00:00:00:00:fe", ip: "192.0.2.254" };

export interface ControlPacket {
  payload: Uint8Array;
  metadata: PacketMetadata[];
}

/** A PacketOut that the switch runs through its pipeline as a trusted control message. */
export function controlPacket(
  idx: P4InfoIndex,
  to: { mac: string; ip: string },
  from: ControlSource,
  msg: Partial<PaxosMessage> & { msgtype: PaxosMessage["msgtype"] },
  /** Another UDP port than 34952 (a host's udpPort): the switch routes it instead of taking it. */
  udpPort = PAXOS_UDP_PORT,
): ControlPacket {
  const payload = encodePaxosFrame(
    {
      eth: { dst: parseMac(to.mac), src: parseMac(from.mac) },
      ip: { src: parseIPv4(from.ip), dst: parseIPv4(to.ip) },
      // To a switch, source port 34952 too: its reply swaps the ports and must still be a Paxos
      // datagram. To a host role, the agent's port: the host's kernel socket replies there.
      udp: {
        srcPort: udpPort === PAXOS_UDP_PORT ? PAXOS_UDP_PORT : (from.udpPort ?? PAXOS_UDP_PORT),
        dstPort: udpPort,
      },
    },
    makeMessage(msg),
  );
  const metadata = idx.buildPacketMetadata({ egress_port: 0, process: 1 });
  return { payload, metadata };
}

/** The Paxos message in a PacketIn's frame, or null (not Paxos, malformed). */
export function paxosFromPacketIn(payload: Uint8Array): PaxosMessage | null {
  const r = decodePaxosFrame(payload, { copyValue: true });
  return r.ok ? r.value.message : null;
}
