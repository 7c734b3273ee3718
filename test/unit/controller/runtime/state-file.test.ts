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

  it("loads a file written before noQuorum and liveness existed; keeps them once written", () => {
    const d = deployment();
    const dir = mkdtempSync(join(tmpdir(), "p4paxos-state-"));
    const path = join(dir, "state.json");
    // As an older controller wrote it: no noQuorum in the group, no liveness at all.
    const old = freshState(d);
    old.started[0] = true;
    old.control.groups[0] = { ...old.control.groups[0]!, switchRole: true, requestsTo: "switch" };
    writeFileSync(path, JSON.stringify({ ...old, control: { ...old.control, down: [] } }));
    const back = loadState(path, d).state;
    expect(back.control.groups[0]!.noQuorum).toBeUndefined();
    expect(back.liveness).toBeUndefined();
    back.control.groups[0]!.noQuorum = { alive: 1 };
    back.liveness = { 0: { alive: [1], unprobed: [], acceptors: 5, quorum: 3, at: 1 } };
    saveState(path, back);
    const again = loadState(path, d).state;
    expect(again.control.groups[0]!.noQuorum).toEqual({ alive: 1 });
    expect(again.liveness?.[0]?.alive).toEqual([1]);
    // A malformed noQuorum is an error like any malformed group entry.
    const bad = {
      ...again,
      control: { groups: { 0: { ...again.control.groups[0], noQuorum: { alive: "x" } } } },
    };
    writeFileSync(path, JSON.stringify(bad));
    expect(() => loadState(path, d)).toThrow(/group 0/);
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
