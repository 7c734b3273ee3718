// Classic pcap files (microsecond timestamps, linktype 1 = Ethernet), readable by tcpdump and
// tshark; plus a reader used by tests and tools.

import { closeSync, openSync, writeSync } from "node:fs";

export const LINKTYPE_ETHERNET = 1;
const MAGIC = 0xa1b2c3d4;
const SNAPLEN = 262144;

export class PcapWriter {
  private fd: number | undefined;
  packets = 0;

  constructor(
    readonly path: string,
    private readonly clockUs: () => number = () => Date.now() * 1000,
  ) {
    this.fd = openSync(path, "w");
    const h = Buffer.alloc(24);
    h.writeUInt32LE(MAGIC, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(SNAPLEN, 16);
    h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    writeSync(this.fd, h);
  }

  write(frame: Uint8Array): void {
    if (this.fd === undefined) return;
    const t = Math.floor(this.clockUs());
    const len = Math.min(frame.length, SNAPLEN);
    const rec = Buffer.alloc(16 + len);
    rec.writeUInt32LE(Math.floor(t / 1e6) >>> 0, 0);
    rec.writeUInt32LE(t % 1e6, 4);
    rec.writeUInt32LE(len, 8);
    rec.writeUInt32LE(frame.length, 12);
    rec.set(frame.subarray(0, len), 16);
    writeSync(this.fd, rec);
    this.packets += 1;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface PcapRecord {
  tsUs: number;
  data: Uint8Array;
  origLen: number;
}

/** Parses a classic pcap file (either byte order, µs or ns timestamps). */
export function readPcap(buf: Uint8Array): { linktype: number; records: PcapRecord[] } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 24) throw new Error("pcap: file shorter than its global header");
  const m = b.readUInt32LE(0);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  const be = b.readUInt32BE(0) === 0xa1b2c3d4 || b.readUInt32BE(0) === 0xa1b23c4d;
  if (!le && !be) throw new Error("pcap: bad magic number");
  const nano = (le ? m : b.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linktype = u32(20);
  const records: PcapRecord[] = [];
  let off = 24;
  while (off + 16 <= b.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    if (off + 16 + incl > b.length) throw new Error("pcap: truncated record");
    records.push({
      tsUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac),
      data: Uint8Array.from(b.subarray(off + 16, off + 16 + incl)),
      origLen: orig,
    });
    off += 16 + incl;
  }
  return { linktype, records };
}
