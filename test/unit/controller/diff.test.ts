import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entryKey, sortEntries } from "../../../controller/desired/canonical.js";
import { computeDesiredState, initialControllerState } from "../../../controller/desired/compute.js";
import {
  applyDiff,
  diffDesired,
  isEmptyDiff,
  type SwitchContents,
} from "../../../controller/desired/diff.js";
import { FIELDS, TABLES } from "../../../controller/desired/names.js";
import type { FriendlyEntry, MulticastGroup } from "../../../controller/desired/types.js";
import { example } from "./fixtures.js";

const classic = example("classic");
const desiredAll = computeDesiredState(classic, initialControllerState(classic));
/** Every entry of every switch: a pool to draw switch contents from. */
const POOL: FriendlyEntry[] = desiredAll.switches.flatMap((s) => s.tableEntries);
const UNIQUE_POOL = [...new Map(POOL.map((e) => [entryKey(e), e])).values()];
const GROUPS: MulticastGroup[] = desiredAll.switches.flatMap((s) => s.multicastGroups);
const DEFAULTS = desiredAll.switches[0]!.defaultActions;

const empty: SwitchContents = {
  tableEntries: [],
  multicastGroups: [],
  cloneSessions: [],
  defaultActions: [],
};

/** Random switch contents: a subset of the pool, some with changed parameters, some groups. */
const contents = fc
  .record({
    picks: fc.subarray(UNIQUE_POOL),
    tweak: fc.array(fc.nat(), { maxLength: 5 }),
    groups: fc.subarray(
      GROUPS.map((g, i) => ({ ...g, id: i + 1 })),
      { maxLength: Math.min(6, GROUPS.length) },
    ),
    shuffle: fc.nat(),
    // Every table has a default action (it cannot be removed, only changed).
    defaults: fc.tuple(...DEFAULTS.map((e) => fc.constantFrom(e, { ...e, action: "MyIngress.drop" }))),
  })
  .map(({ picks, tweak, groups, shuffle, defaults }): SwitchContents => {
    const entries = picks.map((e, i) =>
      tweak.includes(i) && Object.keys(e.params).length > 0
        ? { ...e, params: Object.fromEntries(Object.entries(e.params).map(([k]) => [k, 7])) }
        : e,
    );
    // Order must not matter.
    const rot = entries.length > 0 ? shuffle % entries.length : 0;
    return {
      tableEntries: [...entries.slice(rot), ...entries.slice(0, rot)],
      multicastGroups: groups.map((g) => ({ ...g, replicas: [...g.replicas].reverse() })),
      cloneSessions: [],
      defaultActions: defaults,
    };
  });

function normalized(c: SwitchContents): SwitchContents {
  return applyDiff(c, diffDesired(c, c));
}

describe("diffDesired", () => {
  const coord = desiredAll.switches.find((s) => s.switch === "coord")!;

  it("an empty switch needs every entry, group and default inserted", () => {
    const d = diffDesired(coord, empty);
    expect(d.tableEntries.inserts).toEqual(coord.tableEntries);
    expect(d.tableEntries.modifies).toEqual([]);
    expect(d.tableEntries.deletes).toEqual([]);
    expect(d.multicastGroups.inserts).toEqual(coord.multicastGroups);
    expect(d.defaultActions).toEqual(coord.defaultActions);
  });

  it("classifies insert, modify and delete by table + match", () => {
    const [a, b, c] = coord.tableEntries.filter((e) => e.table === TABLES.ipv4);
    const bChanged = { ...b!, params: { ...b!.params, port: 9 } };
    const stray: FriendlyEntry = {
      table: TABLES.l2,
      match: { [FIELDS.ethDst]: "00:00:00:00:99:99" },
      action: "MyIngress.l2_forward",
      params: { port: 1 },
    };
    const installed: SwitchContents = { ...empty, tableEntries: [bChanged, c!, stray] };
    const desired: SwitchContents = { ...empty, tableEntries: [a!, b!, c!] };
    const d = diffDesired(desired, installed);
    expect(d.tableEntries).toEqual({ inserts: [a], modifies: [b], deletes: [stray] });
  });

  it("matches entries however their values are spelled", () => {
    const installed: SwitchContents = {
      ...coord,
      tableEntries: coord.tableEntries.map((e) => {
        const m = e.match[FIELDS.ipv4Dst];
        if (e.table !== TABLES.ipv4 || typeof m !== "object" || !("lpm" in m)) return e;
        const [ip, len] = m.lpm;
        const n = String(ip)
          .split(".")
          .reduce((acc, p) => acc * 256n + BigInt(p), 0n);
        return {
          ...e,
          match: { [FIELDS.ipv4Dst]: { lpm: [n, len] as const } },
          params: { port: BigInt(e.params.port!), dstAddr: String(e.params.dstAddr).toUpperCase() },
        };
      }),
    };
    expect(isEmptyDiff(diffDesired(coord, installed))).toBe(true);
  });

  it("compares multicast replicas as sets and modifies a changed group", () => {
    const g = coord.multicastGroups[0]!;
    const same = { ...coord, multicastGroups: [{ id: g.id, replicas: [...g.replicas].reverse() }] };
    expect(isEmptyDiff(diffDesired(coord, same))).toBe(true);
    const fewer = { ...coord, multicastGroups: [{ id: g.id, replicas: g.replicas.slice(1) }] };
    expect(diffDesired(coord, fewer).multicastGroups).toEqual({ inserts: [], modifies: [g], deletes: [] });
    const extra = { ...coord, multicastGroups: [g, { id: 77, replicas: [] }] };
    expect(diffDesired(coord, extra).multicastGroups.deletes).toEqual([{ id: 77, replicas: [] }]);
  });

  it("orders inserts by dependency and deletes in reverse", () => {
    const d = diffDesired(coord, empty);
    const tables = d.tableEntries.inserts.map((e) => e.table);
    expect(tables.indexOf(TABLES.replica)).toBeLessThan(tables.indexOf(TABLES.coordinator));
    const back = diffDesired(empty, coord);
    const del = back.tableEntries.deletes.map((e) => e.table);
    expect(del[0]).toBe(TABLES.coordinator);
    expect(del.at(-1)).toBe(TABLES.replica);
  });

  it("property: diff(a, a) is empty", () => {
    fc.assert(
      fc.property(contents, (a) => isEmptyDiff(diffDesired(a, a))),
      { numRuns: 200 },
    );
  });

  it("property: applying diff(b, a) to a yields b", () => {
    fc.assert(
      fc.property(contents, contents, (a, b) => {
        const after = applyDiff(a, diffDesired(b, a));
        expect(after.tableEntries).toEqual(sortEntries(b.tableEntries));
        expect(after).toEqual(normalized(b));
        expect(isEmptyDiff(diffDesired(b, after))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("property: the diff touches only what differs", () => {
    fc.assert(
      fc.property(contents, contents, (a, b) => {
        const d = diffDesired(b, a);
        const inA = new Set(a.tableEntries.map(entryKey));
        const inB = new Set(b.tableEntries.map(entryKey));
        for (const e of d.tableEntries.inserts)
          expect(inA.has(entryKey(e)) || !inB.has(entryKey(e))).toBe(false);
        for (const e of d.tableEntries.deletes) expect(inB.has(entryKey(e))).toBe(false);
        for (const e of d.tableEntries.modifies)
          expect(inA.has(entryKey(e)) && inB.has(entryKey(e))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
