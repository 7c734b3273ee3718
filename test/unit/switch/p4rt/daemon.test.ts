// `paxosctl switch`: flag parsing, and a run in-process with UDP ports and a stop trigger.
import { createSocket, type Socket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { createSwitchCommand } from "../../../../controller/cli/switch.js";
import { P4RuntimeClient } from "../../../../src/p4runtime/client.js";
import { Update_Type } from "../../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import {
  PortSpecError,
  parseImpairSpec,
  parsePortSpec,
  startSwitchDaemon,
} from "../../../../src/switch/daemon.js";
import { silentLogger } from "../../../../src/switch/p4rt/log.js";
import { IfacePortError } from "../../../../src/switch/ports/iface.js";
import { frame, idx, JSON_TEXT, P4INFO } from "./helpers.js";

describe("port and impairment flags", () => {
  it("parses udp tunnels (IPv4, IPv6, bracketed) and interface names", () => {
    expect(parsePortSpec("1@udp:40001:127.0.0.1:50001")).toEqual({
      num: 1,
      kind: "udp",
      localPort: 40001,
      peerHost: "127.0.0.1",
      peerPort: 50001,
    });
    expect(parsePortSpec("7@udp:0:[::1]:9")).toMatchObject({ peerHost: "::1", peerPort: 9, localPort: 0 });
    expect(parsePortSpec("7@udp:0:fe80::1:9")).toMatchObject({ peerHost: "fe80::1", peerPort: 9 });
    expect(parsePortSpec("2@veth0")).toEqual({ num: 2, kind: "iface", iface: "veth0" });
    expect(parsePortSpec("3@s1-eth1")).toMatchObject({ iface: "s1-eth1" });
    for (const bad of [
      "1",
      "@udp:1:h:2",
      "x@eth0",
      "1@udp:1:2",
      "1@udp:1::2",
      "1@udp:70000:h:1",
      "1@udp:1:h:0",
      "511@eth0",
      "1@a/b",
    ]) {
      expect(() => parsePortSpec(bad), bad).toThrow(PortSpecError);
    }
  });

  it("parses impairments", () => {
    expect(parseImpairSpec("3:drop=0.05,delay=2,dup=0.01,reorder=0.1")).toEqual({
      num: 3,
      impairments: { drop: 0.05, delayMs: 2, duplicate: 0.01, reorder: 0.1 },
    });
    for (const bad of ["3", "3:drop", "3:loss=1", "3:drop=x", "3:drop=1=2"]) {
      expect(() => parseImpairSpec(bad), bad).toThrow(PortSpecError);
    }
  });
});

async function sock(): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return s;
}

describe("switch daemon", () => {
  it("refuses bad invocations as usage errors", async () => {
    const cmd = createSwitchCommand(() => Promise.resolve("test"));
    const io = { out: () => {}, err: () => {} };
    await expect(cmd.run(["--port", "nope"], io)).rejects.toThrow(/N@udp/);
    await expect(cmd.run(["--log-level", "loud"], io)).rejects.toThrow(/--log-level/);
    await expect(cmd.run(["--p4info", "x.txt"], io)).rejects.toThrow(/--p4info needs --json/);
    await expect(cmd.run(["--cpu-port", "999"], io)).rejects.toThrow(/--cpu-port/);
    // A real interface that cannot be opened (absent, no privileges or no addon) is a failure
    // naming the interface, not a usage error.
    const iface = await cmd.run(["--grpc", "127.0.0.1:0", "--port", "1@p4rtnosuch0"], io).catch((e) => e);
    expect(iface).toBeInstanceOf(IfacePortError);
    expect(iface.message).toMatch(/p4rtnosuch0|addon|Linux/);
    await expect(cmd.run(["--impair", "4:drop=0.1", "--grpc", "127.0.0.1:0"], io)).rejects.toThrow(
      /not a --port/,
    );
  });

  it("prints a ready line, serves P4Runtime and forwards tunnelled frames until stopped", async () => {
    const h1 = await sock();
    const h2 = await sock();
    let stop: (s: string) => void = () => {};
    const stopped = new Promise<string>((r) => {
      stop = r;
    });
    const out: string[] = [];
    const err: string[] = [];
    const cmd = createSwitchCommand(() => stopped);
    const done = cmd.run(
      [
        "--grpc",
        "127.0.0.1:0",
        "--port",
        `1@udp:0:127.0.0.1:${h1.address().port}`,
        "--port",
        `2@udp:0:127.0.0.1:${h2.address().port}`,
        "--cpu-port",
        "64",
      ],
      { out: (t) => out.push(t), err: (t) => err.push(t) },
    );
    while (out.length === 0) await new Promise((r) => setTimeout(r, 10));
    const m =
      /^switch ready: grpc=(\S+) device-id=1 cpu-port=64 ports=1@udp:(\d+)->127\.0\.0\.1:\d+,2@udp:(\d+)->/.exec(
        out[0]!,
      );
    expect(m, out[0]).not.toBeNull();
    const c = new P4RuntimeClient({ address: m![1]!, deviceId: 1, electionId: 1, reconnect: false });
    try {
      await c.connect();
      await c.setPipeline(P4INFO, new TextEncoder().encode(JSON_TEXT));
      await c.write([
        idx.tableUpdate(Update_Type.INSERT, {
          table: "MyIngress.dmac",
          match: { "hdr.ethernet.dstAddr": 2 },
          action: "MyIngress.forward",
          params: { port: 2 },
        }),
      ]);
      const got = new Promise<Uint8Array>((r) => h2.once("message", (b) => r(new Uint8Array(b))));
      h1.send(frame(2, 1), Number(m![2]), "127.0.0.1");
      expect(await got).toEqual(frame(2, 1));
    } finally {
      c.close();
    }
    stop("SIGTERM");
    expect(await done).toBe(0);
    expect(err.join("\n")).toMatch(/frames rx=1 tx=1/);
    h1.close();
    h2.close();
  });

  it("applies --impair to frames leaving a port", async () => {
    const h1 = await sock();
    const h2 = await sock();
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "sw-"));
    writeFileSync(join(dir, "p.json"), JSON_TEXT);
    const { formatP4InfoText } = await import("../../../../src/p4runtime/p4info-text.js");
    writeFileSync(join(dir, "p.txt"), formatP4InfoText(P4INFO));
    const d = await startSwitchDaemon({
      grpc: "127.0.0.1:0",
      deviceId: 1n,
      cpuPort: 64,
      ports: [
        parsePortSpec(`1@udp:0:127.0.0.1:${h1.address().port}`),
        parsePortSpec(`2@udp:0:127.0.0.1:${h2.address().port}`),
      ],
      jsonPath: join(dir, "p.json"),
      p4infoPath: join(dir, "p.txt"),
      impair: new Map([[2, { drop: 1 }]]),
      log: silentLogger,
    });
    try {
      // Flood to ports 1 and 2 via the default action: port 2 drops everything it sends.
      d.device.write(
        [
          idx.tableUpdate(Update_Type.MODIFY, {
            table: "MyIngress.dmac",
            isDefault: true,
            action: "MyIngress.forward",
            params: { port: 2 },
          }),
        ],
        0,
      );
      const arrivals: Buffer[] = [];
      h2.on("message", (m) => arrivals.push(m));
      h1.send(frame(9, 1), d.ports[0]!.localPort!, "127.0.0.1");
      await new Promise((r) => setTimeout(r, 150));
      expect(d.runtime.stats).toMatchObject({ rxFrames: 1, txFrames: 1 });
      expect(arrivals).toEqual([]);
      expect(d.ports[1]!.impaired).toBe(true);
    } finally {
      await d.close();
      h1.close();
      h2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads --json/--p4info at start and refuses a bad one", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { formatP4InfoText } = await import("../../../../src/p4runtime/p4info-text.js");
    const dir = mkdtempSync(join(tmpdir(), "sw-"));
    try {
      writeFileSync(join(dir, "p.json"), JSON_TEXT);
      writeFileSync(join(dir, "p.p4info.txtpb"), formatP4InfoText(P4INFO));
      const d = await startSwitchDaemon({
        grpc: "127.0.0.1:0",
        deviceId: 4n,
        cpuPort: 64,
        ports: [],
        jsonPath: join(dir, "p.json"),
        p4infoPath: join(dir, "p.p4info.txtpb"),
        log: silentLogger,
      });
      expect(d.device.pipeline?.map.tables.size).toBe(3);
      await d.close();
      writeFileSync(join(dir, "bad.json"), "{}");
      await expect(
        startSwitchDaemon({
          grpc: "127.0.0.1:0",
          deviceId: 4n,
          cpuPort: 64,
          ports: [],
          jsonPath: join(dir, "bad.json"),
          p4infoPath: join(dir, "p.p4info.txtpb"),
          log: silentLogger,
        }),
      ).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
