// Damaged programs must fail with a located CompileError, never crash or hang.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileP4 } from "../../../src/p4c/compile.js";
import { CompileError } from "../../../src/p4c/diag.js";

const seeds = [
  "test/p4/programs/action_run.p4",
  "test/p4/programs/header_stack.p4",
  "test/p4/programs/checksum_update.p4",
  "test/p4/programs/const_entries.p4",
].map((f) => readFileSync(f, "utf8"));

function outcome(source: string): "ok" | "error" {
  try {
    compileP4({ file: "fuzz.p4", source });
    return "ok";
  } catch (e) {
    if (e instanceof CompileError) {
      expect(e.diagnostics[0]!.message.length).toBeGreaterThan(0);
      return "error";
    }
    throw e;
  }
}

describe("compiler robustness", () => {
  it("survives deleted, duplicated and swapped tokens", () => {
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("del", "dup", "swap", "junk")), {
          minLength: 1,
          maxLength: 3,
        }),
        (s, edits) => {
          const words = seeds[s]!.split(/(\s+)/);
          for (const [i, j, kind] of edits) {
            const a = i % words.length;
            const b = j % words.length;
            if (kind === "del") words.splice(a, 1);
            else if (kind === "dup") words.splice(a, 0, words[a]!);
            else if (kind === "swap") [words[a], words[b]] = [words[b]!, words[a]!];
            else
              words.splice(
                a,
                0,
                ["{", ")", "<", "8w", "@", "#if", "..", "&&&", "'", "0x", "bit<0>"][j % 11]!,
              );
          }
          outcome(words.join(""));
        },
      ),
      { numRuns: 100, seed: 4242 },
    );
  });
  it("survives random printable input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        outcome(`#include <v1model.p4>\n${s}`);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
