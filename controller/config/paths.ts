// Rules about the paths Paxos messages take through the switches, and what survives the loss of
// any one switch. Run only on a deployment without other errors (they rely on complete cabling).
import type { Built, Indexed } from "./build.js";
import type { PathPart, Problems } from "./errors.js";
import type { Topology } from "./topology.js";
import type { HostConfig } from "./types.js";

type P = PathPart[];

/**
 * P1A/P2A addressed to an acceptor switch (Paxos port) are taken by the first acceptor switch they
 * enter, so the chosen path from each coordinator to each acceptor switch must not cross another one.
 */
export function checkPaths(b: Built, topo: Topology, problems: Problems): void {
  const acceptorSwitches = b.switches.filter((s) => s.item.roles.acceptor);
  const isAcceptor = new Set(acceptorSwitches.map((s) => s.item.name));
  // A host's messages enter its own switch first; the coordinator switch's copies leave it.
  const senders: { at: string; path: P; what: string; first: number }[] = [
    ...b.switches
      .filter((s) => s.item.roles.coordinator)
      .map((s) => ({
        at: s.item.name,
        path: ["switches", s.index, "roles", "coordinator"] as P,
        what: `coordinator switch '${s.item.name}'`,
        first: 1,
      })),
    ...b.hosts
      .filter((h) => h.item.roles["server-coordinator"] || h.item.roles["controller-agent"])
      .map((h) => ({
        at: h.item.switch,
        path: ["hosts", h.index] as P,
        what: `host '${h.item.name}'`,
        first: 0,
      })),
  ];
  for (const sender of senders) {
    for (const target of acceptorSwitches) {
      const path = topo.path(sender.at, target.item.name);
      const via = path?.slice(sender.first, -1).find((n) => isAcceptor.has(n));
      if (via)
        problems.error(
          sender.path,
          `P1A/P2A from ${sender.what} to acceptor switch '${target.item.name}' would be taken by acceptor switch '${via}' on the way (path ${path!.join(" → ")}); add a link that avoids it`,
        );
    }
  }
}

/** What survives the loss of any one switch: warnings, since small test topologies may accept them. */
export function checkSingleFailures(b: Built, topo: Topology, problems: Problems, nAcceptors: number): void {
  if (b.switches.length < 2) return;
  const quorum = Math.floor(nAcceptors / 2) + 1;
  for (const failed of b.switches) {
    const f = failed.item.name;
    const down = new Set([f]);
    const alive = (h: HostConfig) => h.switch !== f;
    for (const g of b.groups) {
      const gid = g.item.id;
      const coord = b.switches.find((s) => s.item.roles.coordinator?.groups.includes(gid));
      let at: string | undefined;
      // Index of the first switch on a path that can take a P1A/P2A (see checkPaths).
      let first = 1;
      if (coord && coord.item.name !== f) at = coord.item.name;
      else {
        at = b.hosts.find((h) => alive(h.item) && h.item.roles["server-coordinator"]?.groups.includes(gid))
          ?.item.switch;
        first = 0;
      }
      const prefix = `if switch '${f}' fails, group ${gid}`;
      if (at === undefined) {
        problems.warn(
          ["switches", failed.index],
          `${prefix} has no coordinator left (no server-coordinator on another switch)`,
        );
        continue;
      }
      const reach = topo.component(at, down);
      const acceptorSwitches = new Set(
        b.switches.filter((s) => s.item.roles.acceptor).map((s) => s.item.name),
      );
      for (const target of acceptorSwitches) {
        const path = topo.path(at, target, down);
        const via = path?.slice(first, -1).find((n) => acceptorSwitches.has(n));
        if (via)
          problems.warn(
            ["switches", failed.index],
            `${prefix}: its P1A/P2A to acceptor switch '${target}' would be taken by acceptor switch '${via}' on the way (path ${path!.join(" → ")})`,
          );
      }
      const lost = (hs: Indexed<HostConfig>[]) =>
        hs.filter((h) => alive(h.item) && !reach.has(h.item.switch)).map((h) => h.item.name);
      const cutProposers = lost(b.hosts.filter((h) => h.item.roles.proposer));
      if (cutProposers.length > 0)
        problems.warn(
          ["switches", failed.index],
          `${prefix}: proposers ${cutProposers.join(", ")} cannot reach its coordinator`,
        );
      const cutLearners = lost(b.hosts.filter((h) => h.item.roles.learner));
      if (cutLearners.length > 0)
        problems.warn(
          ["switches", failed.index],
          `${prefix}: learners ${cutLearners.join(", ")} are cut off from it`,
        );
      const acceptorsLeft =
        b.switches.filter((s) => s.item.roles.acceptor && s.item.name !== f && reach.has(s.item.name))
          .length +
        b.hosts.filter((h) => h.item.roles["server-acceptor"] && alive(h.item) && reach.has(h.item.switch))
          .length;
      if (acceptorsLeft < quorum)
        problems.warn(
          ["switches", failed.index],
          `${prefix} keeps ${acceptorsLeft} reachable acceptors, below the quorum of ${quorum}`,
        );
    }
  }
}
