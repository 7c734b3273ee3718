// A host bridge between a cable (raw frames over UDP) and daemon sockets on loopback.
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { HostBridge } from "../../../../controller/launch/bridge.js";
import { freePorts } from "../../../../controller/launch/ports.js";
import { formatIPv4, parseIPv4, parseMac } from "../../../../src/wire/addr.js";
import { decodeFrame, encodeFrame } from "../../../../src/wire/frame.js";

const L = "127.0.0.1";
const open: (Socket | HostBridge)[] = [];

async function sock(port = 0): Promise<{ s: Socket; got: { data: Buffer; port: number }[] }> {
  const s = createSocket("udp4");
  const got: { data: Buffer; port: number }[] = [];
  s.on("message", (data, r) => got.push({ data, port: r.port }));
  await new Promise<void>((r) => s.bind(port, L, () => r()));
  open.push(s);
  return { s, got };
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
}

afterEach(async () => {
  for (const x of open.splice(0)) {
    if (x instanceof HostBridge) await x.close();
    else await new Promise<void>((r) => x.close(() => r()));
  }
});

describe("HostBridge", () => {
  it("unwraps frames for the host's addresses and wraps the daemon's replies", async () => {
    const ports = await freePorts({ udp: 3, tcp: 0 });
    const [nic, daemonPort, proxyPort] = [ports.udp(), ports.udp(), ports.udp()];
    const cable = await sock(); // the switch's end of the cable
    const daemon = await sock(daemonPort);
    const b = await HostBridge.open({
      host: "l1",
      ip: "10.0.0.11",
      mac: "00:00:00:00:00:0b",
      nic,
      switchEnd: cable.s.address().port,
      deliveries: [{ ip: "10.0.0.11", port: 34953, to: daemonPort }],
      proxies: [{ ip: "10.0.1.2", port: 34952, local: proxyPort }],
    });
    open.push(b);

    // A frame from acceptor 10.0.1.2:34952 reaches the daemon from the proxy standing for it.
    const frame = encodeFrame({
      eth: { dst: parseMac("00:00:00:00:00:0b"), src: parseMac("02:00:00:00:01:02") },
      ip: { src: parseIPv4("10.0.1.2"), dst: parseIPv4("10.0.0.11") },
      udp: { srcPort: 34952, dstPort: 34953 },
      payload: new Uint8Array([1, 2, 3]),
      udpChecksum: false,
    });
    cable.s.send(frame, nic, L);
    await until(() => daemon.got.length === 1);
    expect([...daemon.got[0]!.data]).toEqual([1, 2, 3]);
    expect(daemon.got[0]!.port).toBe(proxyPort);

    // The daemon's datagram to the proxy leaves on the cable as host → acceptor.
    daemon.s.send(new Uint8Array([9, 8]), proxyPort, L);
    await until(() => cable.got.length === 1);
    const f = decodeFrame(new Uint8Array(cable.got[0]!.data));
    if (!f.ok) throw new Error("not a frame");
    expect(formatIPv4(f.value.ip.src)).toBe("10.0.0.11");
    expect(formatIPv4(f.value.ip.dst)).toBe("10.0.1.2");
    expect([f.value.udp.srcPort, f.value.udp.dstPort]).toEqual([34953, 34952]);
    expect(f.value.eth.src).toBe(parseMac("00:00:00:00:00:0b"));
    expect([...f.value.payload]).toEqual([9, 8]);

    // Frames for nobody and bytes that are no frame are counted, not delivered.
    const stray = encodeFrame({
      eth: { dst: 1, src: 2 },
      ip: { src: parseIPv4("10.0.1.2"), dst: parseIPv4("10.0.0.99") },
      udp: { srcPort: 1, dstPort: 2 },
      payload: new Uint8Array([0]),
      udpChecksum: false,
    });
    cable.s.send(stray, nic, L);
    cable.s.send(new Uint8Array([1, 2, 3]), nic, L);
    await until(() => b.counters.undeliverable === 1 && b.counters.malformed === 1);
    expect(b.counters).toMatchObject({ in: 1, out: 1 });
  });

  it("lets an unplanned socket speak as the host and get its replies", async () => {
    const ports = await freePorts({ udp: 2, tcp: 0 });
    const [nic, proxyPort] = [ports.udp(), ports.udp()];
    const cable = await sock();
    const client = await sock();
    const b = await HostBridge.open({
      host: "l1",
      ip: "10.0.0.11",
      mac: "00:00:00:00:00:0b",
      nic,
      switchEnd: cable.s.address().port,
      deliveries: [],
      proxies: [{ ip: "10.0.100.1", port: 34952, local: proxyPort }],
    });
    open.push(b);
    client.s.send(new Uint8Array([7]), proxyPort, L);
    await until(() => cable.got.length === 1);
    const f = decodeFrame(new Uint8Array(cable.got[0]!.data));
    if (!f.ok) throw new Error("not a frame");
    expect(f.value.udp.srcPort).toBe(client.s.address().port);
    // The reply, from a source nobody planned, comes from a proxy made on demand.
    const reply = encodeFrame({
      eth: { dst: 1, src: 2 },
      ip: { src: parseIPv4("10.0.0.10"), dst: parseIPv4("10.0.0.11") },
      udp: { srcPort: 34953, dstPort: client.s.address().port },
      payload: new Uint8Array([5]),
      udpChecksum: false,
    });
    cable.s.send(reply, nic, L);
    await until(() => client.got.length === 1);
    expect([...client.got[0]!.data]).toEqual([5]);
    expect(client.got[0]!.port).not.toBe(proxyPort);
  });
});
