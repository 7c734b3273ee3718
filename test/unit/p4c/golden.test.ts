// Compiles the P4 corpus and p4/paxos.p4, checks each output's structure against the BMv2
// JSON format, and compares it with the reviewed golden files (UPDATE_GOLDEN=1 rewrites them).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { bmv2JsonText, compileP4 } from "../../../src/p4c/compile.js";
import { p4infoBinary, p4infoText } from "../../../src/p4c/p4info-out.js";
import { checkBmv2 } from "./bmv2-check.js";

const GOLDEN = "test/p4/golden";
const update = process.env.UPDATE_GOLDEN === "1";
const programs = [
  ...readdirSync("test/p4/programs")
    .filter((f) => f.endsWith(".p4"))
    .sort()
    .map((f) => path.join("test/p4/programs", f)),
  "p4/paxos.p4",
];

function outputs(file: string) {
  const r = compileP4({ file, includeDirs: ["p4"] });
  return { json: bmv2JsonText(r.json), txt: p4infoText(r.p4info), bin: p4infoBinary(r.p4info), r };
}

describe("golden BMv2 JSON and P4Info", () => {
  for (const file of programs) {
    const name = path.basename(file, ".p4");
    it(name, () => {
      const out = outputs(file);
      expect(checkBmv2(out.r.json)).toEqual([]);
      const gj = path.join(GOLDEN, `${name}.json`);
      const gt = path.join(GOLDEN, `${name}.p4info.txtpb`);
      if (update) {
        writeFileSync(gj, out.json);
        writeFileSync(gt, out.txt);
      }
      expect(existsSync(gj), `missing ${gj} (run with UPDATE_GOLDEN=1)`).toBe(true);
      expect(out.json).toBe(readFileSync(gj, "utf8"));
      expect(out.txt).toBe(readFileSync(gt, "utf8"));
    });
  }
  it("is deterministic: two compilations are byte-identical", () => {
    const a = outputs("p4/paxos.p4");
    const b = outputs("p4/paxos.p4");
    expect(a.json).toBe(b.json);
    expect(a.txt).toBe(b.txt);
    expect(Buffer.from(a.bin).equals(Buffer.from(b.bin))).toBe(true);
  });
});
