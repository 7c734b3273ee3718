import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { P4InfoSchema } from "../../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("paxosctl compile", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "p4c-cli-"));
  it("writes NAME.json, NAME.p4info.txtpb and NAME.p4info.binpb", async () => {
    const r = await run(["compile", "test/p4/programs/match_exact.p4", "-o", dir]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(path.join(dir, "match_exact.json"), "utf8"));
    expect(json.__meta__.version).toEqual([2, 23]);
    const info = fromBinary(P4InfoSchema, readFileSync(path.join(dir, "match_exact.p4info.binpb")));
    expect(info.tables[0]!.preamble!.name).toBe("MyIngress.t");
    expect(readFileSync(path.join(dir, "match_exact.p4info.txtpb"), "utf8")).toContain('name: "MyIngress.t"');
  });
  it("passes -I and -D to the preprocessor; --json-only skips P4Info", async () => {
    const src = path.join(dir, "defs.p4");
    const inc = path.join(dir, "inc");
    writeFileSync(
      src,
      readFileSync("test/p4/programs/match_exact.p4", "utf8")
        .replace("size", "size")
        .replace("default_action = miss();", "default_action = miss();\n        size = SIZE;"),
    );
    const out = path.join(dir, "o2");
    const r = await run(["compile", src, "-I", inc, "-D", "SIZE=77", "-o", out, "--json-only"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(path.join(out, "defs.json"), "utf8"));
    expect(json.pipelines[0].tables[0].max_size).toBe(77);
    expect(() => readFileSync(path.join(out, "defs.p4info.txtpb"))).toThrow();
  });
  it("prints located errors on stderr with exit code 1", async () => {
    const bad = path.join(dir, "bad.p4");
    writeFileSync(bad, "#include <core.p4>\nconst bit<8> x = y;\n");
    const r = await run(["compile", bad, "-o", dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:2:18: error: unknown name 'y'`);
    expect(r.err).toContain("const bit<8> x = y;\n                 ^");
  });
  it("exits 2 on usage errors", async () => {
    expect((await run(["compile", "-o", dir])).code).toBe(2);
    expect((await run(["compile", "a.p4"])).code).toBe(2);
    expect((await run(["compile", "a.p4", "-o", dir, "--bogus"])).code).toBe(2);
    expect((await run(["compile", "a.p4", "-o", dir, "-D", "1X=2"])).code).toBe(2);
  });
  it("has help with examples", async () => {
    const r = await run(["compile", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Examples:");
  });
});
