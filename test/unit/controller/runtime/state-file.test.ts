// The controller's state file: fresh state, atomic round trip, refusal of a corrupt file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDeployment } from "../../../../controller/config/load.js";
import type { Deployment } from "../../../../controller/config/types.js";
import {
  freshState,
  loadState,
  StateFileError,
  saveState,
} from "../../../../controller/runtime/state-file.js";

function deployment(): Deployment {
  const r = parseDeployment(readFileSync("examples/classic.yaml", "utf8"), "classic.yaml");
  if (!r.ok) throw new Error("classic.yaml does not validate");
  return r.deployment;
}

describe("state file", () => {
  it("starts with nothing served and no round handed out", () => {
    const s = freshState(deployment());
    expect(s.highestRound).toBe(0);
    expect(s.started).toEqual({ 0: false });
    expect(s.control.groups[0]).toMatchObject({ round: 257, switchRole: false, requestsTo: "none", trim: 0 });
  });

  it("round-trips through an atomic write and reports whether it existed", () => {
    const d = deployment();
    const dir = mkdtempSync(join(tmpdir(), "p4paxos-state-"));
    const path = join(dir, "sub", "state.json");
    expect(loadState(path, d).existed).toBe(false);
    const s = freshState(d);
    s.highestRound = 770;
    s.control.groups[0]!.acceptors[2] = { floor: 768, join: 1030 };
    s.control.down = ["coord"];
    saveState(path, s);
    expect(readdirSync(join(dir, "sub"))).toEqual(["state.json"]);
    const back = loadState(path, d);
    expect(back.existed).toBe(true);
    expect(back.state.highestRound).toBe(770);
    expect(back.state.control.groups[0]!.acceptors[2]).toEqual({ floor: 768, join: 1030 });
    // Which switches are down is observed, never remembered.
    expect(back.state.control.down).toEqual([]);
  });

  it("refuses a corrupt or foreign file instead of guessing rounds", () => {
    const d = deployment();
    const dir = mkdtempSync(join(tmpdir(), "p4paxos-state-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => loadState(bad, d)).toThrow(StateFileError);
    writeFileSync(bad, JSON.stringify({ version: 2 }));
    expect(() => loadState(bad, d)).toThrow(/version 1/);
    writeFileSync(
      bad,
      JSON.stringify({ ...freshState(d), control: { groups: { 0: { round: "x" } }, down: [] } }),
    );
    expect(() => loadState(bad, d)).toThrow(/group 0/);
    expect(existsSync(bad)).toBe(true);
  });
});
