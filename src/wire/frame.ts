// Ethernet II / IPv4 / UDP framing around a payload (normally a Paxos header).
// Encoders write straight into one buffer (no intermediate copies); decoders validate every
// length against the bytes actually present, so no read goes past the end, and return views.
import type { IPv4Addr, MacAddr } from "./addr.js";
import { isIPv4, isMac, readMac, writeMac } from "./addr.js";
import { readU16, readU32, writeU16, writeU32 } from "./bytes.js";
import { internetChecksum, onesComplementSum, udpChecksum, udpChecksumValid } from "./checksum.js";
import { decodePaxos, encodePaxosInto } from "./codec.js";
import { type DecodeResult, fail, ok, WireError } from "./errors.js";
import { PAXOS_HEADER_SIZE, PAXOS_UDP_PORT } from "./header.js";
import type { PaxosMessage } from "./message.js";

export const ETH_HEADER_SIZE = 14;
export const IPV4_HEADER_SIZE = 20;
export const UDP_HEADER_SIZE = 8;
/** Bytes in front of the payload in frames we encode (IPv4 without options). */
export const FRAME_OVERHEAD = ETH_HEADER_SIZE + IPV4_HEADER_SIZE + UDP_HEADER_SIZE;
/** Size of a frame carrying one Paxos header. */
export const PAXOS_FRAME_SIZE = FRAME_OVERHEAD + PAXOS_HEADER_SIZE;

export const ETHERTYPE_IPV4 = 0x0800;
export const IP_PROTO_UDP = 17;
export const DEFAULT_TTL = 64;
const IP_FLAG_DF = 0x4000;
const IP_FLAG_MF = 0x2000;
const IP_FRAG_OFFSET_MASK = 0x1fff;
const MAX_IP_TOTAL_LENGTH = 0xffff;

export interface EthernetHeader {
  dst: MacAddr;
  src: MacAddr;
  ethertype: number;
}

export interface IPv4Header {
  src: IPv4Addr;
  dst: IPv4Addr;
  ttl: number;
  id: number;
  dscp: number;
  ecn: number;
  protocol: number;
  /** Header length in bytes (IHL × 4); more than 20 when options are present. */
  headerLength: number;
  totalLength: number;
  /** The 3 flag bits (bit 1 = DF, bit 0 = MF). */
  flags: number;
  checksum: number;
}

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  length: number;
  /** 0 when the sender did not compute one. */
  checksum: number;
}

export interface Frame {
  eth: EthernetHeader;
  ip: IPv4Header;
  udp: UdpHeader;
  /** The UDP payload: a view into the decoded bytes, not a copy. */
  payload: Uint8Array;
  /** Offset of the payload within the decoded bytes (for in-place patching). */
  payloadOffset: number;
}

/** Who a frame goes from and to. Optional IPv4 fields default to TTL 64, id 0, DSCP 0. */
export interface FrameAddrs {
  eth: { dst: MacAddr; src: MacAddr };
  ip: { src: IPv4Addr; dst: IPv4Addr; ttl?: number; id?: number; dscp?: number };
  udp: { srcPort: number; dstPort: number };
}

export interface FrameSpec extends FrameAddrs {
  payload: Uint8Array;
  /** Compute the UDP checksum (true) or send zero (false; allowed over IPv4). */
  udpChecksum: boolean;
}

/** Addresses for a Paxos frame: UDP ports default to PAXOS_UDP_PORT, the UDP checksum to off. */
export interface PaxosFrameAddrs {
  eth: FrameAddrs["eth"];
  ip: FrameAddrs["ip"];
  udp?: Partial<FrameAddrs["udp"]>;
  udpChecksum?: boolean;
}

function badField(name: string, value: unknown, range: string): WireError {
  return new WireError("bad_field", `${name}=${String(value)} is not ${range}`);
}

function inRange(value: unknown, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
}

function checkAddrs(addrs: FrameAddrs, payloadLength: number): WireError | null {
  if (!isMac(addrs.eth.dst)) return badField("eth.dst", addrs.eth.dst, "a 48-bit MAC");
  if (!isMac(addrs.eth.src)) return badField("eth.src", addrs.eth.src, "a 48-bit MAC");
  if (!isIPv4(addrs.ip.src)) return badField("ip.src", addrs.ip.src, "a 32-bit IPv4 address");
  if (!isIPv4(addrs.ip.dst)) return badField("ip.dst", addrs.ip.dst, "a 32-bit IPv4 address");
  const { ttl = DEFAULT_TTL, id = 0, dscp = 0 } = addrs.ip;
  if (!inRange(ttl, 0xff)) return badField("ip.ttl", ttl, "in 0..255");
  if (!inRange(id, 0xffff)) return badField("ip.id", id, "in 0..65535");
  if (!inRange(dscp, 0x3f)) return badField("ip.dscp", dscp, "in 0..63");
  if (!inRange(addrs.udp.srcPort, 0xffff)) return badField("udp.srcPort", addrs.udp.srcPort, "in 0..65535");
  if (!inRange(addrs.udp.dstPort, 0xffff)) return badField("udp.dstPort", addrs.udp.dstPort, "in 0..65535");
  if (IPV4_HEADER_SIZE + UDP_HEADER_SIZE + payloadLength > MAX_IP_TOTAL_LENGTH) {
    return new WireError("bad_field", `payload of ${payloadLength} bytes does not fit one IPv4 packet`);
  }
  return null;
}

/** Writes the three headers (checksums zero) for a payload of `payloadLength` at `offset`. */
function writeHeaders(buf: Uint8Array, offset: number, addrs: FrameAddrs, payloadLength: number): void {
  const ip = offset + ETH_HEADER_SIZE;
  const udp = ip + IPV4_HEADER_SIZE;
  writeMac(buf, offset, addrs.eth.dst);
  writeMac(buf, offset + 6, addrs.eth.src);
  writeU16(buf, offset + 12, ETHERTYPE_IPV4);

  buf[ip] = 0x45; // version 4, IHL 5: we never send options
  buf[ip + 1] = (addrs.ip.dscp ?? 0) << 2;
  writeU16(buf, ip + 2, IPV4_HEADER_SIZE + UDP_HEADER_SIZE + payloadLength);
  writeU16(buf, ip + 4, addrs.ip.id ?? 0);
  writeU16(buf, ip + 6, IP_FLAG_DF); // Paxos packets are small; never fragment them
  buf[ip + 8] = addrs.ip.ttl ?? DEFAULT_TTL;
  buf[ip + 9] = IP_PROTO_UDP;
  writeU16(buf, ip + 10, 0);
  writeU32(buf, ip + 12, addrs.ip.src);
  writeU32(buf, ip + 16, addrs.ip.dst);

  writeU16(buf, udp, addrs.udp.srcPort);
  writeU16(buf, udp + 2, addrs.udp.dstPort);
  writeU16(buf, udp + 4, UDP_HEADER_SIZE + payloadLength);
  writeU16(buf, udp + 6, 0);
}

/** Fills in the IPv4 header checksum and, if asked, the UDP checksum (payload already written). */
function writeChecksums(
  buf: Uint8Array,
  offset: number,
  addrs: FrameAddrs,
  payloadLength: number,
  withUdp: boolean,
) {
  const ip = offset + ETH_HEADER_SIZE;
  writeU16(buf, ip + 10, internetChecksum(buf, ip, ip + IPV4_HEADER_SIZE));
  if (withUdp) {
    const udp = ip + IPV4_HEADER_SIZE;
    writeU16(
      buf,
      udp + 6,
      udpChecksum(buf, udp, UDP_HEADER_SIZE + payloadLength, addrs.ip.src, addrs.ip.dst),
    );
  }
}

function checkRoom(buf: Uint8Array, offset: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0) throw new WireError("bad_offset", `bad offset ${offset}`);
  if (offset + size > buf.length) {
    throw new WireError(
      "no_room",
      `frame needs ${size} bytes at offset ${offset}, buffer has ${buf.length - offset}`,
    );
  }
}

/** Writes a frame into buf at `offset`; returns the offset past its end. Throws WireError for bad input. */
export function encodeFrameInto(buf: Uint8Array, offset: number, spec: FrameSpec): number {
  const size = FRAME_OVERHEAD + spec.payload.length;
  const error = checkAddrs(spec, spec.payload.length);
  if (error) throw error;
  checkRoom(buf, offset, size);
  writeHeaders(buf, offset, spec, spec.payload.length);
  buf.set(spec.payload, offset + FRAME_OVERHEAD);
  writeChecksums(buf, offset, spec, spec.payload.length, spec.udpChecksum);
  return offset + size;
}

/** Encodes a whole Ethernet/IPv4/UDP frame. Throws WireError for out-of-range fields. */
export function encodeFrame(spec: FrameSpec): Uint8Array {
  const buf = new Uint8Array(FRAME_OVERHEAD + spec.payload.length);
  encodeFrameInto(buf, 0, spec);
  return buf;
}

function paxosAddrs(addrs: PaxosFrameAddrs): FrameAddrs {
  return {
    eth: addrs.eth,
    ip: addrs.ip,
    udp: { srcPort: addrs.udp?.srcPort ?? PAXOS_UDP_PORT, dstPort: addrs.udp?.dstPort ?? PAXOS_UDP_PORT },
  };
}

/** Writes a frame carrying `msg` into buf at `offset`; returns the offset past its end. */
export function encodePaxosFrameInto(
  buf: Uint8Array,
  offset: number,
  addrs: PaxosFrameAddrs,
  msg: PaxosMessage,
): number {
  const full = paxosAddrs(addrs);
  const error = checkAddrs(full, PAXOS_HEADER_SIZE);
  if (error) throw error;
  checkRoom(buf, offset, PAXOS_FRAME_SIZE);
  // Encode the message first: it validates before writing, so a bad message leaves buf as it was.
  encodePaxosInto(buf, offset + FRAME_OVERHEAD, msg);
  writeHeaders(buf, offset, full, PAXOS_HEADER_SIZE);
  writeChecksums(buf, offset, full, PAXOS_HEADER_SIZE, addrs.udpChecksum ?? false);
  return offset + PAXOS_FRAME_SIZE;
}

/** Encodes `msg` in a frame of PAXOS_FRAME_SIZE bytes. Throws WireError for bad input. */
export function encodePaxosFrame(addrs: PaxosFrameAddrs, msg: PaxosMessage): Uint8Array {
  const buf = new Uint8Array(PAXOS_FRAME_SIZE);
  encodePaxosFrameInto(buf, 0, addrs, msg);
  return buf;
}

/**
 * Decodes Ethernet II / IPv4 / UDP. Accepts IPv4 options (IHL > 5) and trailing Ethernet
 * padding; refuses fragments, a wrong IPv4 header checksum and a non-zero wrong UDP checksum.
 * Never throws; the payload is a view into `bytes`.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult<Frame> {
  const len = bytes.length;
  if (len < ETH_HEADER_SIZE)
    return fail("truncated", `Ethernet header needs ${ETH_HEADER_SIZE} bytes, got ${len}`);
  const ethertype = readU16(bytes, 12);
  if (ethertype !== ETHERTYPE_IPV4) {
    return fail("bad_ethertype", `ethertype 0x${ethertype.toString(16).padStart(4, "0")} is not IPv4`);
  }
  const ip = ETH_HEADER_SIZE;
  if (len < ip + IPV4_HEADER_SIZE) {
    return fail("truncated", `IPv4 header needs ${IPV4_HEADER_SIZE} bytes, got ${len - ip}`);
  }
  const version = bytes[ip]! >>> 4;
  if (version !== 4) return fail("bad_ip", `IP version ${version}, expected 4`);
  const headerLength = (bytes[ip]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_SIZE) return fail("bad_ip", `IPv4 header length ${headerLength} < 20`);
  if (len < ip + headerLength) {
    return fail("truncated", `IPv4 header with options needs ${headerLength} bytes, got ${len - ip}`);
  }
  // Verify the checksum before trusting any other field of the header.
  if (onesComplementSum(bytes, ip, ip + headerLength) !== 0xffff) {
    return fail("bad_checksum", `IPv4 header checksum 0x${readU16(bytes, ip + 10).toString(16)} is wrong`);
  }
  const totalLength = readU16(bytes, ip + 2);
  if (totalLength < headerLength) {
    return fail("bad_ip", `IPv4 total length ${totalLength} < header length ${headerLength}`);
  }
  // Bytes past totalLength are Ethernet padding and are ignored.
  if (len < ip + totalLength) {
    return fail("truncated", `IPv4 total length ${totalLength}, only ${len - ip} bytes present`);
  }
  const flagsFrag = readU16(bytes, ip + 6);
  if ((flagsFrag & IP_FLAG_MF) !== 0 || (flagsFrag & IP_FRAG_OFFSET_MASK) !== 0) {
    return fail("bad_ip", "IPv4 fragment (fragments are not reassembled)");
  }
  const protocol = bytes[ip + 9]!;
  if (protocol !== IP_PROTO_UDP) return fail("not_udp", `IP protocol ${protocol} is not UDP (17)`);
  const udp = ip + headerLength;
  const ipEnd = ip + totalLength;
  if (ipEnd - udp < UDP_HEADER_SIZE) {
    return fail("truncated", `UDP header needs ${UDP_HEADER_SIZE} bytes, IPv4 payload has ${ipEnd - udp}`);
  }
  const udpLength = readU16(bytes, udp + 4);
  if (udpLength < UDP_HEADER_SIZE || udp + udpLength > ipEnd) {
    return fail("bad_udp", `UDP length ${udpLength} does not fit the IPv4 payload of ${ipEnd - udp} bytes`);
  }
  const src = readU32(bytes, ip + 12);
  const dst = readU32(bytes, ip + 16);
  if (!udpChecksumValid(bytes, udp, udpLength, src, dst)) {
    return fail("bad_checksum", `UDP checksum 0x${readU16(bytes, udp + 6).toString(16)} is wrong`);
  }
  const tos = bytes[ip + 1]!;
  const payloadOffset = udp + UDP_HEADER_SIZE;
  return ok({
    eth: { dst: readMac(bytes, 0), src: readMac(bytes, 6), ethertype },
    ip: {
      src,
      dst,
      ttl: bytes[ip + 8]!,
      id: readU16(bytes, ip + 4),
      dscp: tos >>> 2,
      ecn: tos & 0x03,
      protocol,
      headerLength,
      totalLength,
      flags: flagsFrag >>> 13,
      checksum: readU16(bytes, ip + 10),
    },
    udp: {
      srcPort: readU16(bytes, udp),
      dstPort: readU16(bytes, udp + 2),
      length: udpLength,
      checksum: readU16(bytes, udp + 6),
    },
    payload: bytes.subarray(payloadOffset, udp + udpLength),
    payloadOffset,
  });
}

export interface PaxosFrame {
  frame: Frame;
  message: PaxosMessage;
}

/**
 * Decodes a frame and the Paxos header in its UDP payload; the UDP destination port must be
 * PAXOS_UDP_PORT. Never throws. `options.copyValue` as for decodePaxos.
 */
export function decodePaxosFrame(
  bytes: Uint8Array,
  options?: { copyValue?: boolean },
): DecodeResult<PaxosFrame> {
  const frame = decodeFrame(bytes);
  if (!frame.ok) return frame;
  const { udp, payload } = frame.value;
  if (udp.dstPort !== PAXOS_UDP_PORT) {
    return fail("not_paxos", `UDP destination port ${udp.dstPort} is not the Paxos port ${PAXOS_UDP_PORT}`);
  }
  // Decode from the payload view so the header cannot extend past the UDP datagram.
  const message = decodePaxos(payload, 0, options);
  if (!message.ok) return message;
  return ok({ frame: frame.value, message: message.value });
}
