// Holds docs/protocol.md to src/wire/header.ts: the header table, the message table and the
// stated sizes must say exactly what the code does.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  MsgType,
  PAXOS_FIELDS,
  PAXOS_HEADER_SIZE,
  PAXOS_UDP_PORT,
  VALUE_SIZE,
} from "../../src/wire/header.js";

const DOC = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

/** Rows of the first markdown table in `text` (header and separator removed), cells trimmed. */
function tableRows(text: string): string[][] {
  const lines = text.split("\n").map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith("|"));
  if (start < 0) throw new Error("no table found");
  const rows: string[][] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, line.endsWith("|") ? -1 : undefined)
        .split("|")
        .map((c) => c.trim()),
    );
  }
  const [, separator, ...body] = rows;
  if (!separator?.every((c) => /^:?-+:?$/.test(c))) throw new Error("table has no separator row");
  return body;
}

function between(text: string, begin: string, end: string): string {
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${begin} … ${end} not found in order`);
  return text.slice(i + begin.length, j);
}

/** The section after a `### title` heading, up to the next heading. */
function section(text: string, title: string): string {
  const m = new RegExp(`^###? ${title}\\s*$`, "m").exec(text);
  if (!m) throw new Error(`section '${title}' not found`);
  const rest = text.slice(m.index + m[0].length);
  const next = rest.search(/^#{1,3} /m);
  return next < 0 ? rest : rest.slice(0, next);
}

const unquote = (cell: string) => cell.replace(/^`(.*)`$/, "$1");

describe("docs/protocol.md matches src/wire/header.ts", () => {
  it("header table equals PAXOS_FIELDS row by row", () => {
    const rows = tableRows(
      between(DOC, "<!-- paxos-header-table:begin -->", "<!-- paxos-header-table:end -->"),
    );
    const documented = rows.map(([offset, bits, field, meaning]) => ({
      offset: Number(offset),
      bits: Number(bits),
      name: unquote(field ?? ""),
      doc: meaning,
    }));
    const defined = PAXOS_FIELDS.map(({ offset, bits, name, doc }) => ({ offset, bits, name, doc }));
    expect(documented).toEqual(defined);
  });

  it("message table lists every MsgType with its code, and nothing else", () => {
    const rows = tableRows(section(DOC, "Messages"));
    const documented = rows.map(([code, type]) => [Number(code), type]);
    const defined = Object.entries(MsgType).map(([name, code]) => [code, name]);
    expect(documented.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      defined.sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });

  it("stated header size, VALUE_SIZE and UDP port match the code", () => {
    const size = /Header size: (\d+) bytes \(`VALUE_SIZE` = (\d+)\)/.exec(DOC);
    expect(size, "header size sentence").not.toBeNull();
    expect(Number(size![1])).toBe(PAXOS_HEADER_SIZE);
    expect(Number(size![2])).toBe(VALUE_SIZE);
    const port = /`PAXOS_UDP_PORT` = (0x[0-9a-fA-F]+) = (\d+)/.exec(DOC);
    expect(port, "UDP port sentence").not.toBeNull();
    expect(Number(port![1])).toBe(PAXOS_UDP_PORT);
    expect(Number(port![2])).toBe(PAXOS_UDP_PORT);
  });
});
