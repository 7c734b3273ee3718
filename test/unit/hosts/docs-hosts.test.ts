// Holds docs/hosts.md to the code: host protocol types, KV opcodes, the log record layout.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXPECT_ABSENT, OP } from "../../../hosts/kv/command.js";
import { encodeRecord, LOG_MAGIC } from "../../../hosts/learner/store.js";
import { encodeHost, HostType, MAX_ENTRIES_PER_DATAGRAM } from "../../../hosts/net/hostproto.js";

const DOC = readFileSync(new URL("../../../docs/hosts.md", import.meta.url), "utf8");

describe("docs/hosts.md", () => {
  it("lists every host message type with its code", () => {
    const rows = [...DOC.matchAll(/^\| (\d+) \| ([A-Z]+) \|/gm)].map((m) => [m[2], Number(m[1])]);
    expect(Object.fromEntries(rows)).toEqual(HostType);
  });

  it("states the ENTRIES limit and its worst-case size", () => {
    expect(DOC).toContain(`at most ${MAX_ENTRIES_PER_DATAGRAM} entries`);
    const full = encodeHost({
      type: HostType.ENTRIES,
      group: 0,
      first: 1,
      entries: Array.from({ length: MAX_ENTRIES_PER_DATAGRAM }, () => ({
        proposer: 1,
        seq: 1,
        value: new Uint8Array(64),
      })),
    });
    expect(DOC).toContain(`≤ ${full.length.toLocaleString("en-US")} bytes`);
  });

  it("gives the KV opcodes and the log magic the code uses", () => {
    for (const [op, code] of Object.entries(OP)) {
      expect(DOC).toMatch(new RegExp(`\\| ${op.toLowerCase()} \\| \`'${String.fromCharCode(code)}'\``));
    }
    expect(DOC).toContain(`elen = 0x${EXPECT_ABSENT.toString(16).toUpperCase()}`);
    expect(DOC).toContain(
      `\`${new TextDecoder().decode(LOG_MAGIC).replace("\n", "\\n").replace("\0", "\\0")}\``,
    );
    // "length of the rest of the record (19 + vlen)"
    expect(
      encodeRecord({ group: 0, instance: 1, command: { proposer: 0, seq: 0, value: new Uint8Array(5) } })
        .length,
    ).toBe(2 + 19 + 5);
    expect(DOC).toContain("(19 + vlen)");
  });
});
