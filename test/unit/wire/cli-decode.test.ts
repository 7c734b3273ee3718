import { describe, expect, it } from "vitest";
import type { CliIO } from "../../../controller/cli/command.js";
import { createDecodeCommand, parseHex } from "../../../controller/cli/decode.js";
import { main } from "../../../controller/cli/main.js";
import { parseIPv4, parseMac } from "../../../src/wire/addr.js";
import { encodePaxos, makeMessage } from "../../../src/wire/codec.js";
import { encodeFrame, encodePaxosFrame } from "../../../src/wire/frame.js";
import { MsgType } from "../../../src/wire/header.js";

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const MSG = makeMessage({
  msgtype: MsgType.P2A,
  group: 2,
  instance: 12,
  round: 257,
  proposer: 3,
  seq: 17,
  value: new TextEncoder().encode("hello"),
});
const ADDRS = {
  eth: { dst: parseMac("02:00:00:00:00:02"), src: parseMac("02:00:00:00:00:01") },
  ip: { src: parseIPv4("10.0.0.1"), dst: parseIPv4("10.0.0.2") },
};
const FRAME = encodePaxosFrame({ ...ADDRS, udpChecksum: true }, MSG);

async function run(args: string[]) {
  const io = capture();
  const code = await main(["decode", ...args], io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

describe("paxosctl decode", () => {
  it("decodes a bare header", async () => {
    const r = await run([hex(encodePaxos(MSG))]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('P2A g=2 i=12 r=257 vr=0 acc=0 req=3:17 vlen=5 aux=0 value="hello"');
    expect(r.out).toMatch(/instance\s+@4\s+12/);
    expect(r.out).toMatch(/value\s+@32\s+68656c6c6f/);
    expect(r.out).not.toContain("Ethernet");
  });

  it("decodes a frame layer by layer, with separators and 0x in the hex", async () => {
    const spaced = `0x${hex(FRAME).replace(/(..)/g, "$1 ")}`;
    const r = await run([spaced]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Ethernet  02:00:00:00:00:01 -> 02:00:00:00:00:02  type 0x0800");
    expect(r.out).toMatch(/IPv4 {6}10\.0\.0\.1 -> 10\.0\.0\.2 {2}ttl 64/);
    expect(r.out).toMatch(/UDP {7}34952 -> 34952 {2}len 104 checksum 0x[0-9a-f]{4} \(ok\)/);
    expect(r.out).toContain("P2A g=2 i=12");
  });

  it("prints JSON", async () => {
    const r = await run(["--json", hex(FRAME)]);
    expect(r.code).toBe(0);
    const obj = JSON.parse(r.out);
    expect(obj.ok).toBe(true);
    expect(obj.eth).toEqual({ dst: "02:00:00:00:00:02", src: "02:00:00:00:00:01", ethertype: 0x0800 });
    expect(obj.ip.src).toBe("10.0.0.1");
    expect(obj.udp.dstPort).toBe(34952);
    expect(obj.paxos).toMatchObject({
      msgtype: 4,
      msgtypeName: "P2A",
      instance: 12,
      round: 257,
      value: "68656c6c6f",
    });
  });

  it("reports a bad frame with exit code 1", async () => {
    const broken = FRAME.slice();
    broken[20] ^= 0xff; // IPv4 header byte: checksum no longer matches
    const r = await run([hex(broken)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("bad_checksum");
    const j = await run(["--json", hex(broken)]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, error: { kind: "bad_checksum" } });
  });

  it("shows the layers of a non-Paxos UDP frame and fails", async () => {
    const dns = encodeFrame({
      ...ADDRS,
      udp: { srcPort: 5353, dstPort: 53 },
      payload: new Uint8Array(4),
      udpChecksum: false,
    });
    const r = await run([hex(dns)]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("UDP       5353 -> 53");
    expect(r.err).toContain("not_paxos");
  });

  it("reports bad hex with exit code 1", async () => {
    for (const bad of ["zz", "abc", "0x"]) {
      const r = await run([bad]);
      expect(r.code, bad).toBe(1);
      expect(r.err).toContain("bad hex");
    }
  });

  it("forces a layer with --header / --frame", async () => {
    const asFrame = await run(["--frame", hex(encodePaxos(MSG))]);
    expect(asFrame.code).toBe(1);
    expect(asFrame.err).toContain("bad_ethertype");
    const asHeader = await run(["--header", hex(FRAME)]);
    expect(asHeader.code).toBe(1);
    expect(asHeader.err).toContain("bad_version");
  });

  it("treats argument mistakes as usage errors (exit 2)", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["aa", "bb"])).code).toBe(2);
    expect((await run(["--bogus", "aa"])).code).toBe(2);
    expect((await run(["--frame", "--header", "aa"])).code).toBe(2);
  });

  it("has help whose example decodes", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    const example = /paxosctl decode ([0-9a-f]{192})\b/.exec(help.out);
    expect(example).not.toBeNull();
    const r = await run([example![1]!]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("P2A g=0 i=12 r=257");
  });

  it("reads hex lines from stdin with '-'", async () => {
    const stdin = ["# captured", hex(FRAME), "", hex(encodePaxos(MSG)), "12"].join("\n");
    const command = createDecodeCommand(async () => stdin);
    const io = capture();
    const code = await command.run(["--json", "-"], io);
    expect(code).toBe(1); // the last line is not a packet
    const lines = io.stdout.map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.ok])).toEqual([
      [2, true],
      [4, true],
      [5, false],
    ]);
    expect(lines[2].error.kind).toBe("truncated");

    const text = capture();
    expect(await createDecodeCommand(async () => `${hex(FRAME)}\n`).run(["-"], text)).toBe(0);
    expect(text.stdout.join("\n")).toContain("P2A g=2");

    const mixed = capture();
    expect(await createDecodeCommand(async () => `${hex(FRAME)}\nzz\n`).run(["-"], mixed)).toBe(1);
    const out = mixed.stdout.join("\n");
    expect(out).toMatch(/^# line 1\nEthernet/);
    expect(out).toMatch(/# line 2\nerror: bad hex: unexpected character 'z' \(bad_hex\)$/);
    expect(mixed.stderr).toEqual(["paxosctl decode: 1 of 2 packets did not decode"]);
    expect(await createDecodeCommand(async () => "\n# nothing\n").run(["-"], capture())).toBe(1);
  });
});

describe("parseHex", () => {
  it("accepts separators and a 0x prefix", () => {
    expect(parseHex("0x01:02 0a\nFF")).toEqual(Uint8Array.of(1, 2, 10, 255));
  });
});
