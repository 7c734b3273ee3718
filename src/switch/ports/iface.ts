// Real-interface port: whole Ethernet frames to and from a Linux interface (a veth end, a Mininet
// switch interface) through an AF_PACKET socket in promiscuous mode, via the optional native addon
// in native/afpacket (npm package @p4paxos/afpacket). Linux only; needs root or CAP_NET_RAW.
//
// Frames leaving the interface are never fed back into the switch: the kernel does not deliver a
// packet socket's own transmissions to itself, and the addon asks it to leave out every other
// outgoing frame too (the host's own ARP, IPv6 neighbour discovery, other raw senders).

import { createRequire } from "node:module";
import { constants as osConstants } from "node:os";
import type { FrameHandler, Port } from "./port.js";

/** The addon's interface (native/afpacket/afpacket.c). */
interface AfPacket {
  open(
    ifname: string,
    receiveBufferBytes: number,
    onFrames: (data: ArrayBuffer, lengths: Uint32Array) => void,
    onError: (errno: number, message: string) => void,
  ): { handle: unknown; hwType: number; mac: Uint8Array; ignoreOutgoing: boolean };
  /** Bytes sent, or -errno. */
  send(handle: unknown, frame: Uint8Array): number;
  /** [truncated, outgoing, pollErrors, kernelDrops]. */
  stats(handle: unknown): Float64Array;
  close(handle: unknown): void;
}

export type IfacePortErrorCode =
  | "unsupported-platform"
  | "no-addon"
  | "bad-name"
  | "no-such-interface"
  | "permission"
  | "not-ethernet"
  | "open-failed";

export class IfacePortError extends Error {
  override readonly name = "IfacePortError";
  constructor(
    readonly code: IfacePortErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface IfacePortOptions {
  /** Kernel receive buffer of the socket in bytes (default 32 MiB; absorbs bursts while JS is busy). */
  receiveBufferBytes?: number;
}

export interface IfacePortStats {
  /** Frames handed to the switch, and their bytes. */
  rxFrames: number;
  rxBytes: number;
  /** Frames transmitted on the interface, and their bytes. */
  txFrames: number;
  txBytes: number;
  /** Frames the kernel refused to send (interface down or gone, longer than the MTU, shorter than 14 bytes) or sent after close(). */
  sendErrors: number;
  /** sendErrors by errno name ("ENETDOWN", "EMSGSIZE", "CLOSED", ...). */
  sendErrorsByCode: Record<string, number>;
  /** Frames that arrived before a handler was registered. */
  noHandlerDrops: number;
  /** Socket errors: the interface went down or was removed. Frames flow again once it is back up. */
  linkErrors: number;
  lastError: string | undefined;
}

/** Counters kept by the addon / the kernel. */
export interface IfaceKernelStats {
  /** Frames longer than the addon's 16 KiB slot (e.g. GSO super-frames), dropped. */
  truncated: number;
  /** Outgoing frames dropped in user space (only on kernels older than 4.20). */
  outgoing: number;
  /** Frames the kernel dropped because the socket's receive buffer was full. */
  kernelDrops: number;
}

const ARPHRD_ETHER = 1;
const DEFAULT_RECEIVE_BUFFER = 32 << 20;
// What Linux accepts as an interface name (IFNAMSIZ - 1 bytes, no '/', no whitespace).
const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;
const ADDON = "@p4paxos/afpacket";

let addon: AfPacket | undefined;

/** Loads the addon once. Throws IfacePortError("no-addon") naming the fix when it is missing. */
export function loadAfPacket(): AfPacket {
  if (addon) return addon;
  if (process.platform !== "linux") {
    throw new IfacePortError(
      "unsupported-platform",
      `real-interface ports need Linux (AF_PACKET); this is ${process.platform}. Use udp: ports instead`,
    );
  }
  try {
    addon = createRequire(import.meta.url)(ADDON) as AfPacket;
  } catch (e) {
    throw new IfacePortError(
      "no-addon",
      `real-interface ports need the native addon ${ADDON} (native/afpacket), which is not built: ` +
        `${(e as Error).message.split("\n")[0]}. Build it with 'npm install' or 'npm rebuild ${ADDON}' ` +
        "(needs g++, make and python3, e.g. 'apt-get install g++ make python3')",
    );
  }
  return addon;
}

const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));
const errnoName = (n: number): string => errnoNames.get(n) ?? `errno ${n}`;

const formatMac = (m: Uint8Array): string => Array.from(m, (b) => b.toString(16).padStart(2, "0")).join(":");

export class IfacePort implements Port {
  readonly name: string;
  /** The interface's own MAC address ("aa:bb:..."). */
  mac = "";
  /** Whether the kernel filters outgoing frames (Linux 4.20+) rather than the addon. */
  kernelIgnoresOutgoing = false;
  readonly stats: IfacePortStats = {
    rxFrames: 0,
    rxBytes: 0,
    txFrames: 0,
    txBytes: 0,
    sendErrors: 0,
    sendErrorsByCode: {},
    noHandlerDrops: 0,
    linkErrors: 0,
    lastError: undefined,
  };
  /** Called on link events (interface down or removed), for logs. */
  onLinkError: ((message: string) => void) | undefined;
  private handle: unknown;
  private finalKernelStats: IfaceKernelStats = { truncated: 0, outgoing: 0, kernelDrops: 0 };
  private handler: FrameHandler | undefined;
  private closed = false;

  private constructor(
    readonly ifname: string,
    private readonly af: AfPacket,
  ) {
    this.name = `iface:${ifname}`;
  }

  /**
   * Opens `ifname` (promiscuous, all protocols). Throws IfacePortError: "no-such-interface",
   * "permission" (not root and no CAP_NET_RAW), "not-ethernet", "no-addon", "bad-name",
   * "unsupported-platform" or "open-failed".
   */
  static async open(ifname: string, opts: IfacePortOptions = {}): Promise<IfacePort> {
    if (!IFNAME.test(ifname) || ifname === "." || ifname === "..")
      throw new IfacePortError("bad-name", `'${ifname}' is not a valid interface name`);
    const af = loadAfPacket();
    const port = new IfacePort(ifname, af);
    let opened: ReturnType<AfPacket["open"]>;
    try {
      opened = af.open(
        ifname,
        opts.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER,
        port.onFrames,
        port.onError,
      );
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code === "ENODEV" || err.code === "ENXIO")
        throw new IfacePortError("no-such-interface", `interface '${ifname}' does not exist (see 'ip link')`);
      if (err.code === "EPERM" || err.code === "EACCES")
        throw new IfacePortError(
          "permission",
          `opening interface '${ifname}' needs root or CAP_NET_RAW (${err.message}); ` +
            `e.g. sudo setcap cap_net_raw+ep "$(command -v node)"`,
        );
      throw new IfacePortError("open-failed", `cannot open interface '${ifname}': ${err.message}`);
    }
    if (opened.hwType !== ARPHRD_ETHER) {
      af.close(opened.handle);
      throw new IfacePortError(
        "not-ethernet",
        `interface '${ifname}' is not an Ethernet interface (ARPHRD ${opened.hwType}); ports carry Ethernet frames`,
      );
    }
    port.handle = opened.handle;
    port.mac = formatMac(opened.mac);
    port.kernelIgnoresOutgoing = opened.ignoreOutgoing;
    return port;
  }

  // One batch from the addon: frames back to back in a fresh ArrayBuffer that nothing else
  // reuses, so each frame is handed on as a view (no further copy) and may be kept.
  private readonly onFrames = (data: ArrayBuffer, lengths: Uint32Array): void => {
    let off = 0;
    for (let i = 0; i < lengths.length; i++) {
      if (this.closed) return;
      const len = lengths[i]!;
      const frame = new Uint8Array(data, off, len);
      off += len;
      const h = this.handler;
      if (h === undefined) {
        this.stats.noHandlerDrops += 1;
        continue;
      }
      this.stats.rxFrames += 1;
      this.stats.rxBytes += len;
      h(frame);
    }
  };

  private readonly onError = (errno: number, message: string): void => {
    this.stats.linkErrors += 1;
    this.stats.lastError = `${this.ifname}: ${errnoName(errno)} (${message})`;
    this.onLinkError?.(this.stats.lastError);
  };

  /** Transmits `frame` unchanged. Never throws: refused frames are counted in stats.sendErrors. */
  send(frame: Uint8Array): void {
    const r = this.closed ? -1 : this.af.send(this.handle, frame);
    if (r >= 0) {
      this.stats.txFrames += 1;
      this.stats.txBytes += r;
      return;
    }
    const code = this.closed ? "CLOSED" : errnoName(-r);
    this.stats.sendErrors += 1;
    this.stats.sendErrorsByCode[code] = (this.stats.sendErrorsByCode[code] ?? 0) + 1;
    this.stats.lastError = `${this.ifname}: send: ${code}`;
  }

  onReceive(handler: FrameHandler): void {
    this.handler = handler;
  }

  /** Counters kept by the addon and the kernel (reading resets nothing). */
  kernelStats(): IfaceKernelStats {
    if (this.closed) return this.finalKernelStats;
    const s = this.af.stats(this.handle);
    return { truncated: s[0]!, outgoing: s[1]!, kernelDrops: s[3]! };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.finalKernelStats = this.kernelStats();
    this.closed = true;
    this.af.close(this.handle);
  }
}
