// End to end through real Linux interfaces (root only): two hosts in network namespaces h1, h2,
// each behind a veth pair whose other end stays in the root namespace and is a port of the
// embedded switch running p4/paxos.p4 (compiled in-process). Kernel UDP sockets in the hosts
// send and receive; the switch routes plain IPv4 with MyIngress.ipv4_lpm and its Paxos acceptor
// turns a P2A from h1 into a P2B for h2.
//
// Without root, `ip`, `ethtool` or the AF_PACKET addon the suite is skipped with the reason
// printed, unless P4PAXOS_REQUIRE_E2E=1 (CI), where a test fails instead.

import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bmv2JsonText, compileP4 } from "../../src/p4c/compile.js";
import { V1Switch } from "../../src/switch/engine.js";
import type { Bmv2Json } from "../../src/switch/json.js";
import { IfacePort, IfacePortError } from "../../src/switch/ports/iface.js";
import { SwitchRuntime } from "../../src/switch/ports/runtime.js";
import {
  decodePaxos,
  encodeFrame,
  encodePaxos,
  MsgType,
  makeMessage,
  PAXOS_UDP_PORT,
} from "../../src/wire/index.js";
import { e2eAvailability, NetLab, sh, sweepStale, waitForLine } from "./netns.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const avail = e2eAvailability();
const required = process.env.P4PAXOS_REQUIRE_E2E === "1";
if (!avail.ok)
  console.warn(
    `test/e2e/iface-port.test.ts: real-interface tests ${required ? "REQUIRED (P4PAXOS_REQUIRE_E2E=1) but cannot run" : "skipped"}: ${avail.reason}`,
  );

if (!avail.ok && required) {
  describe("real-interface end-to-end tests", () => {
    it("can run on this machine (P4PAXOS_REQUIRE_E2E=1)", () => {
      throw new Error(`P4PAXOS_REQUIRE_E2E=1 but the real-interface tests cannot run: ${avail.reason}`);
    });
  });
}

const H1_MAC = "02:00:00:00:00:01";
const H2_MAC = "02:00:00:00:00:02";
const SW_MAC = "02:00:00:00:00:fe";
const H1_IP = "10.0.0.1";
const H2_IP = "10.0.0.2";
const SW_IP = "10.0.0.254";
const macNum = (m: string): bigint => BigInt(`0x${m.replaceAll(":", "")}`);
const ipNum = (ip: string): number => ip.split(".").reduce((a, b) => a * 256 + Number(b), 0);

// Scripts run by `node -e` inside a namespace. The receiver prints "ready", then one JSON line
// per datagram, and exits after COUNT datagrams (or after 10 s).
const RECEIVER = `
const s = require("node:dgram").createSocket("udp4");
const [port, count] = process.argv.slice(1).map(Number);
let n = 0;
s.on("message", (m, r) => {
  console.log(JSON.stringify({ hex: m.toString("hex"), from: r.address, port: r.port }));
  if (++n >= count) process.exit(0);
});
s.bind(port, () => console.log("ready"));
setTimeout(() => process.exit(2), 10000);`;
const SENDER = `
const s = require("node:dgram").createSocket("udp4");
const [host, port, srcPort, hex] = process.argv.slice(1);
s.bind(Number(srcPort), () => s.send(Buffer.from(hex, "hex"), Number(port), host, (e) => {
  if (e) { console.error(String(e)); process.exit(1); }
  s.close();
}));`;

let paxosJson: Bmv2Json | undefined;
/** p4/paxos.p4 through the embedded compiler, as the JSON text a switch would load. */
function paxosProgram(): Bmv2Json {
  paxosJson ??= JSON.parse(bmv2JsonText(compileP4({ file: join(ROOT, "p4/paxos.p4") }).json)) as Bmv2Json;
  return paxosJson;
}

/** The Paxos pipeline with routes to h1 (port 1) and h2 (port 2); acceptor 7 with h2 as learner. */
function paxosSwitch(): V1Switch {
  const sw = new V1Switch(paxosProgram());
  const route = (ip: string, mac: string, port: number) =>
    sw.insertEntry("MyIngress.ipv4_lpm", {
      match: [{ kind: "lpm", value: BigInt(ipNum(ip)), prefixLen: 32 }],
      action: "MyIngress.ipv4_forward",
      params: [macNum(mac), BigInt(port)],
    });
  route(H1_IP, H1_MAC, 1);
  route(H2_IP, H2_MAC, 2);
  // Port 1 faces the coordinator (may send P1A/P2A).
  sw.insertEntry("MyIngress.port_role", {
    match: [{ kind: "exact", value: 1n }],
    action: "MyIngress.set_port_role",
    params: [2n],
  });
  sw.insertEntry("MyIngress.acceptor.role", {
    match: [{ kind: "exact", value: 0n }],
    action: "MyIngress.acceptor.set_acceptor",
    params: [7n, 2n, 0n, 0n],
  });
  sw.setMulticastGroup(2, [{ port: 2, rid: 21 }]);
  sw.insertEntry("MyEgress.replica", {
    match: [{ kind: "exact", value: 21n }],
    action: "MyEgress.rewrite_dst",
    params: [macNum(H2_MAC), BigInt(ipNum(H2_IP)), BigInt(PAXOS_UDP_PORT)],
  });
  return sw;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sysfsCounter = (ifname: string, name: string): number =>
  Number(readFileSync(`/sys/class/net/${ifname}/statistics/${name}`, "utf8"));

describe.skipIf(!avail.ok)("IfacePort: hosts in namespaces through the Paxos pipeline (root)", () => {
  const lab = new NetLab();
  let h1 = "";
  let h2 = "";
  let sw1 = "";
  let sw2 = "";
  let rt: SwitchRuntime<V1Switch> | undefined;
  let p1: IfacePort;
  let p2: IfacePort;

  /** Starts a receiver in h2, sends `payload` from h1 to host:port, returns what h2 received. */
  async function udpH1toH2(host: string, dstPort: number, srcPort: number, payload: Uint8Array) {
    const rx = lab.start(h2, process.execPath, ["-e", RECEIVER, String(dstPort), "1"]);
    await waitForLine(rx.child, /^ready$/, 5000);
    const tx = await lab.start(h1, process.execPath, [
      "-e",
      SENDER,
      host,
      String(dstPort),
      String(srcPort),
      Buffer.from(payload).toString("hex"),
    ]).done;
    expect(tx.code, tx.stderr).toBe(0);
    const out = await rx.done;
    expect(out.code, `receiver in h2: ${out.stderr}`).toBe(0);
    const line = out.stdout.split("\n").find((l) => l.startsWith("{"));
    return JSON.parse(line!) as { hex: string; from: string; port: number };
  }

  beforeAll(async () => {
    sweepStale();
    try {
      h1 = lab.ns("h1");
      h2 = lab.ns("h2");
      const l1 = lab.veth("sw1", "h1", h1);
      const l2 = lab.veth("sw2", "h2", h2);
      sw1 = l1.a;
      sw2 = l2.a;
      for (const [ns, dev, mac, ip] of [
        [h1, l1.b, H1_MAC, H1_IP],
        [h2, l2.b, H2_MAC, H2_IP],
      ] as const) {
        lab.exec(ns, "ip", ["link", "set", dev, "address", mac]);
        lab.exec(ns, "ip", ["addr", "add", `${ip}/24`, "dev", dev]);
        // With checksum offload the host leaves UDP checksums to the "hardware", which a
        // user-space switch is not: the receiving host would then drop every datagram.
        lab.exec(ns, "ethtool", ["-K", dev, "tx", "off", "rx", "off"]);
        // No ARP through the switch: static neighbours.
        for (const [nip, nmac] of [
          [H1_IP, H1_MAC],
          [H2_IP, H2_MAC],
          [SW_IP, SW_MAC],
        ])
          if (nip !== ip)
            lab.exec(ns, "ip", ["neigh", "add", nip, "lladdr", nmac, "dev", dev, "nud", "permanent"]);
      }
      rt = new SwitchRuntime(paxosSwitch());
      p1 = await IfacePort.open(sw1);
      p2 = await IfacePort.open(sw2);
      rt.attach(1, p1);
      rt.attach(2, p2);
    } catch (e) {
      await rt?.close();
      lab.cleanup();
      throw e;
    }
  });

  afterAll(async () => {
    try {
      await rt?.close();
    } finally {
      lab.cleanup();
    }
  });

  it("routes a UDP datagram from h1 to h2 with MyIngress.ipv4_lpm", async () => {
    const payload = new TextEncoder().encode("hello through a real interface");
    const got = await udpH1toH2(H2_IP, 5555, 4444, payload);
    expect(Buffer.from(got.hex, "hex").toString()).toBe("hello through a real interface");
    expect(got.from).toBe(H1_IP);
    expect(got.port).toBe(4444);
    expect(p1.stats.rxFrames).toBeGreaterThanOrEqual(1);
    expect(p2.stats.txFrames).toBeGreaterThanOrEqual(1);
  });

  it("the acceptor answers a P2A from h1 with a P2B that h2 receives", async () => {
    const value = new TextEncoder().encode("put k v");
    const p2a = makeMessage({ msgtype: MsgType.P2A, group: 0, instance: 1, round: 0x101, value });
    const got = await udpH1toH2(SW_IP, PAXOS_UDP_PORT, 7000, encodePaxos(p2a));
    const msg = decodePaxos(Buffer.from(got.hex, "hex"));
    if (!msg.ok) throw msg.error;
    expect(msg.value.msgtype).toBe(MsgType.P2B);
    expect(msg.value.acceptor).toBe(7);
    expect(msg.value.instance).toBe(1);
    expect(msg.value.round).toBe(0x101);
    expect(msg.value.vround).toBe(0x101);
    expect(new TextDecoder().decode(msg.value.value)).toBe("put k v");
    // From the acceptor switch's address (where the P2A was sent), not h1's: docs/dataplane.md.
    expect(got.from).toBe(SW_IP);
    // The pipeline counted the P2A it accepted.
    expect(rt!.sw.counterRead("MyIngress.paxos_rx", MsgType.P2A).packets).toBeGreaterThanOrEqual(1);
  });

  it("frames leaving a switch interface never enter the switch", async () => {
    // h2 is silent (no IPv6, static neighbours): everything port 2 saw left through it.
    expect(p2.stats.txFrames).toBeGreaterThanOrEqual(2);
    expect(p2.stats.rxFrames).toBe(0);
    // The root namespace's own traffic on sw1 (an ARP request for an address behind it) is
    // outgoing on sw1: the kernel transmits it, port 1 must not pick it up.
    const rxBefore = p1.stats.rxFrames;
    const txBefore = sysfsCounter(sw1, "tx_packets");
    sh("ip", ["addr", "add", "198.51.100.1/24", "dev", sw1]);
    const sock = createSocket("udp4");
    try {
      // Sending makes the kernel ARP for 198.51.100.2 out of sw1 (nobody answers).
      await new Promise<void>((res) => sock.send("x", 9, "198.51.100.2", () => res()));
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      sock.close();
      sh("ip", ["addr", "del", "198.51.100.1/24", "dev", sw1]);
    }
    expect(sysfsCounter(sw1, "tx_packets")).toBeGreaterThan(txBefore);
    expect(p1.stats.rxFrames).toBe(rxBefore);
  });

  it("survives a switch interface going down, counts refused frames, forwards again when it is up", async () => {
    const lostBefore = p2.stats.sendErrors;
    sh("ip", ["link", "set", sw2, "down"]);
    try {
      await until(() => p2.stats.linkErrors > 0, 2000, "the link error on port 2");
      expect(p2.stats.lastError).toContain("ENETDOWN");
      const rxBefore = p1.stats.rxFrames;
      await lab.start(h1, process.execPath, ["-e", SENDER, H2_IP, "5555", "4445", "00"]).done;
      await until(() => p1.stats.rxFrames > rxBefore, 2000, "the datagram on port 1");
      expect(p2.stats.sendErrors).toBe(lostBefore + 1);
      expect(p2.stats.sendErrorsByCode.ENETDOWN).toBeGreaterThanOrEqual(1);
    } finally {
      sh("ip", ["link", "set", sw2, "up"]);
    }
    await until(() => sh("cat", [`/sys/class/net/${sw2}/carrier`]).trim() === "1", 3000, "carrier on sw2");
    const got = await udpH1toH2(H2_IP, 5556, 4446, new TextEncoder().encode("back up"));
    expect(Buffer.from(got.hex, "hex").toString()).toBe("back up");
  });

  it("send() on a closed port counts and drops instead of throwing", async () => {
    const probe = await IfacePort.open(sw2);
    await probe.close();
    probe.send(new Uint8Array(60));
    expect(probe.stats.sendErrorsByCode.CLOSED).toBe(1);
  });
});

describe.skipIf(!avail.ok)("IfacePort: errors and throughput (root)", () => {
  const lab = new NetLab();
  let pairA = { a: "", b: "" };
  let pairB = { a: "", b: "" };

  beforeAll(() => {
    try {
      // ga <-> sa (switch port 1), sb (switch port 2) <-> gb; all in the root namespace.
      pairA = lab.veth("ga", "sa");
      pairB = lab.veth("gb", "sb");
      for (const dev of [pairA.a, pairA.b, pairB.a, pairB.b])
        sh("sysctl", ["-qw", `net.ipv6.conf.${dev}.disable_ipv6=1`]);
    } catch (e) {
      lab.cleanup();
      throw e;
    }
  });
  afterAll(() => lab.cleanup());

  it("names the problem: missing interface, bad name, not Ethernet, no CAP_NET_RAW", async () => {
    const missing = lab.ifname("missing");
    await expect(IfacePort.open(missing)).rejects.toMatchObject({ code: "no-such-interface" });
    await expect(IfacePort.open("../etc")).rejects.toBeInstanceOf(IfacePortError);
    await expect(IfacePort.open("../etc")).rejects.toMatchObject({ code: "bad-name" });
    await expect(IfacePort.open("lo")).rejects.toMatchObject({ code: "not-ethernet" });

    // The same module in a child without CAP_NET_RAW (still uid 0): transpiled on the fly.
    const dir = mkdtempSync(join(tmpdir(), "p4px-iface-"));
    try {
      const src = readFileSync(join(ROOT, "src/switch/ports/iface.ts"), "utf8");
      const js = ts.transpileModule(src, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(join(dir, "iface.mjs"), js);
      const script = `import { IfacePort } from ${JSON.stringify(join(dir, "iface.mjs"))};
        try { await IfacePort.open(${JSON.stringify(pairA.b)}); console.log("opened"); }
        catch (e) { console.log(e.code + " " + e.message); }`;
      const out = execFileSync(
        "setpriv",
        [
          "--bounding-set=-net_raw",
          "--inh-caps=-net_raw",
          process.execPath,
          "--input-type=module",
          "-e",
          script,
        ],
        { encoding: "utf8", env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") } },
      );
      expect(out).toMatch(/^permission .*CAP_NET_RAW/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a port never receives the frames it sends; its peer receives every one, in order", async () => {
    const a = await IfacePort.open(pairA.a);
    const b = await IfacePort.open(pairA.b);
    try {
      const atA: number[] = [];
      const atB: number[] = [];
      a.onReceive((f) => atA.push(f[14]!));
      b.onReceive((f) => atB.push(f[14]!));
      for (let i = 0; i < 50; i++) {
        const f = new Uint8Array(60);
        f.set([2, 0, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0, 0xaa, 0x88, 0xb5, i]);
        a.send(f);
      }
      // Runts and frames longer than the MTU are refused by the kernel and counted.
      a.send(new Uint8Array(8));
      a.send(new Uint8Array(4000));
      await until(() => atB.length >= 50, 2000, "50 frames at the peer");
      await new Promise((r) => setTimeout(r, 50));
      expect(atB).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(atA).toEqual([]);
      expect(a.stats.txFrames).toBe(50);
      expect(a.stats.sendErrorsByCode).toEqual({ EINVAL: 1, EMSGSIZE: 1 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a port closed from inside its own receive handler delivers nothing more", async () => {
    const a = await IfacePort.open(pairA.a);
    const b = await IfacePort.open(pairA.b);
    try {
      let got = 0;
      b.onReceive(() => {
        got += 1;
        void b.close();
      });
      // One burst: the frames reach b in one batch, the first handler call closes it.
      for (let i = 0; i < 20; i++) a.send(new Uint8Array(60).fill(0x02, 0, 12));
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toBe(1);
      expect(b.stats.rxFrames).toBe(1);
      expect(a.stats.txFrames).toBe(20);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("measures frames per second through two iface ports", async () => {
    const rt = new SwitchRuntime(paxosSwitch());
    const gen = await IfacePort.open(pairA.a);
    const sink = await IfacePort.open(pairB.a);
    try {
      rt.attach(1, await IfacePort.open(pairA.b));
      rt.attach(2, await IfacePort.open(pairB.b));
      let received = 0;
      sink.onReceive(() => {
        received += 1;
      });
      const frame = encodeFrame({
        eth: { dst: Number(macNum(SW_MAC)), src: Number(macNum(H1_MAC)) },
        ip: { src: ipNum(H1_IP), dst: ipNum(H2_IP) },
        udp: { srcPort: 4444, dstPort: 5555 },
        payload: new Uint8Array(18),
        udpChecksum: false,
      });
      const total = 40_000;
      const burst = 64;
      const t0 = process.hrtime.bigint();
      for (let sent = 0; sent < total; sent += burst) {
        for (let i = 0; i < burst; i++) gen.send(frame);
        // Let the switch and the sink drain before the next burst.
        await new Promise((r) => setImmediate(r));
      }
      let last = -1;
      while (received !== last && received < total) {
        last = received;
        await new Promise((r) => setTimeout(r, 50));
      }
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const rate = Math.round(received / secs);
      console.log(
        `iface ports: ${received}/${total} frames of ${frame.length} bytes forwarded in ${(secs * 1000).toFixed(0)} ms ` +
          `= ${rate} frames/s (generator, switch and sink share one thread; ` +
          `switch port kernel drops ${rt.port(1) instanceof IfacePort ? (rt.port(1) as IfacePort).kernelStats().kernelDrops : "?"})`,
      );
      expect(gen.stats.txFrames).toBe(total);
      expect(received).toBeGreaterThan(0);
      expect(received).toBeLessThanOrEqual(total);
      expect(received).toBeLessThanOrEqual(rt.stats.txFrames);
    } finally {
      await rt.close();
      await gen.close();
      await sink.close();
    }
  });
});
