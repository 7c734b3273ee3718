// Named fault scenarios, each a function of the seed: it shapes the cluster, the workload and
// the faults, and says when the faults stop (after which liveness is demanded).
import { MsgType } from "../../wire/header.js";
import { roundCoordinator } from "../round.js";
import { SWITCH_COORDINATOR_ID, SWITCH_NODE } from "./controller.js";
import type { LinkFaults } from "./network.js";
import type { Prng } from "./prng.js";
import type { ClusterConfig } from "./types.js";
import type { World } from "./world.js";

export interface ScenarioShape {
  /** Overrides of the default cluster. */
  cluster: Partial<Omit<ClusterConfig, "seed" | "timing" | "broken" | "trace">>;
  timing?: Partial<ClusterConfig["timing"]>;
  /** Requests submitted by the regular proposers, spread over [0, submitUntil). */
  requests: number;
  submitUntil: number;
}

export interface Scenario {
  name: string;
  summary: string;
  shape(rng: Prng): ScenarioShape;
  /** Schedules the faults on `world`; returns the time they all stopped (healed). */
  faults(world: World, rng: Prng): number;
}

function lossy(rng: Prng, maxLoss: number, maxDup: number): LinkFaults {
  return { loss: rng.range(0, maxLoss), dup: rng.range(0, maxDup), delayMin: 0.2, delayMax: rng.range(1, 4) };
}

/** Random loss, duplication and reordering on every link until `until`, then clean links. */
function noisyUntil(world: World, rng: Prng, until: number, maxLoss = 0.05, maxDup = 0.05): void {
  world.net.setDefault(lossy(rng, maxLoss, maxDup));
  world.at(until, () => {
    world.net.setDefault({ loss: 0, dup: 0, delayMin: 0.2, delayMax: 1.5 });
    world.net.clearLinks();
  });
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "steady",
    summary: "no crashes; random loss, duplication and reordering on every link",
    shape: (rng) => ({ cluster: { proposers: 3 }, requests: 30 + rng.int(20), submitUntil: 150 }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 200, 0.1, 0.1);
      return 200;
    },
  },
  {
    name: "failover",
    summary:
      "the switch coordinator crashes; the server coordinator takes over; the switch reboots and gets the role back",
    shape: (rng) => ({ cluster: {}, requests: 30 + rng.int(15), submitUntil: 300 }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 400, 0.03, 0.03);
      const crash = rng.range(30, 120);
      const back = crash + rng.range(60, 160);
      // A reboot wipes registers and tables; a restart of only the switch agent keeps them,
      // and then the switch still holds its old role and round, which must be withdrawn.
      const amnesia = rng.chance(0.5);
      world.at(crash, () => world.crash(SWITCH_NODE));
      world.at(back, () => world.restart(SWITCH_NODE, amnesia));
      return Math.max(back, 400);
    },
  },
  {
    name: "gap",
    summary: "every 2B of one instance is lost; a learner detects the gap and recovery fills it",
    shape: (rng) => ({ cluster: {}, requests: 15 + rng.int(10), submitUntil: 100 }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 150, 0.02, 0.02);
      const victim = 2 + rng.int(8);
      // Lose the switch coordinator's round only: recovery (another round) must get through.
      world.net.addFilter(
        "lose-2bs",
        (_from, _to, m) =>
          m.msgtype === MsgType.P2B &&
          m.instance === victim &&
          roundCoordinator(m.round) === SWITCH_COORDINATOR_ID,
      );
      world.at(0, () => world.event(`all 2Bs of instance ${victim} in the switch's rounds will be lost`));
      return 150;
    },
  },
  {
    name: "amnesia",
    summary:
      "an acceptor reboots with empty registers while another is cut off; it is fenced before it votes again",
    shape: (rng) => ({ cluster: { acceptors: 3 }, requests: 25 + rng.int(10), submitUntil: 250 }),
    faults: (world, rng) => {
      // acc2 misses many 2As, so many instances are chosen by acc1 and acc3 alone: forgetting
      // acc3's votes would let a recovery over {acc2, acc3} choose a different value.
      world.net.setLink(SWITCH_NODE, "acc2", { loss: 0.5, dup: 0, delayMin: 0.2, delayMax: 1.5 });
      const t1 = rng.range(50, 90);
      const back = t1 + rng.range(5, 20);
      const heal = back + rng.range(60, 120);
      // Shortly before the crash acc1's 2Bs stop reaching learners and servers: instances chosen
      // then by {acc1, acc3} are not yet delivered, so they lie in the range recovery covers.
      world.at(t1 - rng.range(15, 30), () => world.partition(["acc1"], ["learner1", "learner2", "server"]));
      world.at(t1, () => {
        world.crash("acc3");
        world.partition(["acc1"], allBut(world, "acc1"));
      });
      world.at(back, () => world.restart("acc3", true));
      world.at(heal, () => {
        world.heal();
        world.net.clearLinks();
      });
      return heal;
    },
  },
  {
    name: "stale-coordinator",
    summary:
      "the switch coordinator is cut off from the controller but keeps issuing in its old round; acceptors must refuse it",
    shape: (rng) => ({ cluster: {}, requests: 25 + rng.int(10), submitUntil: 250 }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 300, 0.02, 0.02);
      const cut = rng.range(30, 80);
      const heal = cut + rng.range(100, 180);
      // A client that keeps talking to the old coordinator directly (a misrouted proposer).
      const rogue = "rogue";
      world.addProposer(rogue, 99, world.config.groups[0]!, SWITCH_NODE);
      world.at(cut, () => world.partition([SWITCH_NODE], ["ctrl", "server"]));
      for (let k = 0; k < 6; k++) {
        world.at(cut + 40 + k * 10, () => world.submit(rogue, new TextEncoder().encode(`rogue ${k}`), false));
      }
      world.at(heal, () => {
        world.crash(rogue);
        world.heal();
      });
      return Math.max(heal, 300);
    },
  },
  {
    name: "unseen-reboot",
    summary: "the switch coordinator reboots while cut off from the controller; it must not keep the role",
    shape: (rng) => ({ cluster: {}, requests: 20 + rng.int(10), submitUntil: 200 }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 250, 0.02, 0.02);
      const cut = rng.range(30, 100);
      const down = cut + rng.range(0, 10);
      const up = down + rng.range(1, 10);
      const heal = up + rng.range(1, 15);
      world.at(cut, () => world.partition([SWITCH_NODE], ["ctrl"]));
      world.at(down, () => world.crash(SWITCH_NODE));
      world.at(up, () => world.restart(SWITCH_NODE, true));
      world.at(heal, () => world.heal());
      return Math.max(heal, 250);
    },
  },
  {
    name: "ring-wrap",
    summary: "a tiny ring (R = 4..8) and many requests: slots are reused only past the trim watermark",
    shape: (rng) => ({
      cluster: { ringSize: 4 + rng.int(5), proposers: 3, window: 2 },
      requests: 60 + rng.int(40),
      submitUntil: 200,
    }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 250, 0.03, 0.03);
      return 250;
    },
  },
  {
    name: "two-groups",
    summary: "two Paxos groups merged round-robin; the quiet group is filled with no-ops",
    shape: (rng) => ({
      cluster: { groups: [0, 1], proposers: 3 },
      requests: 30 + rng.int(15),
      submitUntil: 150,
    }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 200, 0.03, 0.03);
      return 200;
    },
  },
  {
    name: "acceptor-restart",
    summary: "acceptors crash and come back with their registers kept; at times no majority is up",
    shape: (rng) => ({ cluster: {}, requests: 25 + rng.int(10), submitUntil: 200 }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 250, 0.03, 0.03);
      let last = 250;
      for (const node of ["acc1", "acc2"]) {
        const down = rng.range(20, 150);
        const up = down + rng.range(10, 80);
        world.at(down, () => world.crash(node));
        world.at(up, () => world.restart(node, false));
        last = Math.max(last, up);
      }
      return last;
    },
  },
  {
    name: "chaos",
    summary:
      "random overlapping coordinator crashes, acceptor crashes (one may lose its state), partitions and noise",
    shape: (rng) => ({ cluster: {}, requests: 30 + rng.int(15), submitUntil: 300 }),
    faults: (world, rng) => {
      const heal = 350;
      noisyUntil(world, rng, heal, 0.05, 0.05);
      const nodes = world.nodeIds();
      let amnesiaUsed = false;
      const faults = 3 + rng.int(4);
      for (let k = 0; k < faults; k++) {
        const start = rng.range(20, 280);
        const end = Math.min(heal, start + rng.range(10, 80));
        const kind = rng.int(3);
        if (kind === 0) {
          const amnesia = rng.chance(0.5);
          world.at(start, () => world.crash(SWITCH_NODE));
          world.at(end, () => world.restart(SWITCH_NODE, amnesia));
        } else if (kind === 1) {
          // Losing the state of a majority would lose chosen values: only acc3, and only once.
          const node = `acc${1 + rng.int(3)}`;
          const amnesia: boolean = node === "acc3" && !amnesiaUsed && rng.chance(0.5);
          amnesiaUsed ||= amnesia;
          world.at(start, () => world.crash(node));
          world.at(end, () => world.restart(node, amnesia));
        } else {
          const side = nodes.filter(() => rng.chance(0.3));
          if (side.length === 0) continue;
          world.at(start, () =>
            world.partition(
              side,
              nodes.filter((n) => !side.includes(n)),
            ),
          );
          world.at(end, () => world.heal());
        }
      }
      world.at(heal, () => {
        world.heal();
        for (const n of [SWITCH_NODE, "acc1", "acc2", "acc3"]) world.restart(n, false);
      });
      return heal;
    },
  },
  {
    name: "partition",
    summary: "two of three acceptors are cut off (no majority) for a while, then the partition heals",
    shape: (rng) => ({ cluster: {}, requests: 25 + rng.int(10), submitUntil: 200 }),
    faults: (world, rng) => {
      noisyUntil(world, rng, 250, 0.02, 0.02);
      const start = rng.range(30, 80);
      const heal = start + rng.range(50, 150);
      const cut = rng.chance(0.5) ? ["acc1", "acc2"] : ["acc2", "acc3"];
      world.at(start, () => world.partition(cut, allBut(world, ...cut)));
      world.at(heal, () => world.heal());
      return Math.max(heal, 250);
    },
  },
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

function allBut(world: World, ...nodes: string[]): string[] {
  return world.nodeIds().filter((n) => !nodes.includes(n));
}

/**
 * The `paxosctl demo` run: light noise, the switch coordinator crashes a third of the way into
 * the workload, reboots halfway, and gets the role back after the server coordinator served.
 */
export function demoScenario(requests: number): Scenario {
  const submitUntil = Math.max(150, requests * 2);
  return {
    name: "demo",
    summary: "KV workload; switch coordinator crash, failover to the server, reboot, fail-back",
    shape: () => ({
      cluster: { proposers: 3, window: 4 },
      requests,
      submitUntil,
      timing: { failbackAfter: submitUntil / 4 },
    }),
    faults: (world, rng) => {
      noisyUntil(world, rng, submitUntil, 0.02, 0.02);
      world.at(submitUntil / 3, () => world.crash(SWITCH_NODE));
      world.at(submitUntil / 2, () => world.restart(SWITCH_NODE, true));
      return submitUntil;
    },
  };
}
