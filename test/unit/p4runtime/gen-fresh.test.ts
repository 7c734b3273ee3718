// The committed generated code must be exactly what the committed protos
// produce: regenerate into a temporary directory and compare file by file.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const committed = join(root, "src/p4runtime/gen");
let tmp: string | undefined;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("generated protobuf code", () => {
  it("matches a fresh `buf generate` of src/p4runtime/proto", async () => {
    tmp = await mkdtemp(join(tmpdir(), "p4rt-gen-"));
    await promisify(execFile)(
      join(root, "node_modules/.bin/buf"),
      ["generate", "src/p4runtime/proto", "--template", "src/p4runtime/buf.gen.yaml", "-o", tmp],
      { cwd: root, timeout: 60_000 },
    );
    const fresh = join(tmp, "src/p4runtime/gen");
    const files = await listFiles(fresh);
    expect(files).toContain("p4/v1/p4runtime_pb.ts");
    expect(files).toContain("p4/config/v1/p4info_pb.ts");
    expect(await listFiles(committed)).toEqual(files);
    for (const f of files) {
      const want = await readFile(join(fresh, f), "utf8");
      const have = await readFile(join(committed, f), "utf8");
      expect(have, `${f} is stale: run make proto`).toBe(want);
    }
  });
});
