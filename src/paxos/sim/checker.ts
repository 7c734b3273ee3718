// The checker run after every simulation. Safety: agreement (learners and the acceptors' votes
// never decide two values for an instance), validity, at-most-once effect, in-order delivery.
// Liveness: every request that must be delivered took effect at every learner by a deadline.
import { commandKey, isNoopCommand, requestKey, sameCommand } from "../command.js";
import type { History } from "./types.js";

export type ViolationKind = "agreement" | "chosen" | "validity" | "order" | "at-most-once" | "liveness";

export interface Violation {
  kind: ViolationKind;
  detail: string;
}

const MAX_PER_KIND = 5;

class Report {
  readonly violations: Violation[] = [];
  private readonly counts = new Map<ViolationKind, number>();

  add(kind: ViolationKind, detail: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= MAX_PER_KIND) this.violations.push({ kind, detail });
  }
}

export function checkSafety(h: History): Violation[] {
  const r = new Report();
  checkChosen(h, r);
  checkLearners(h, r);
  return r.violations;
}

/** Values chosen by the acceptors: a majority voted for one value in one round. At most one per instance. */
function checkChosen(h: History, r: Report): void {
  const majority = Math.floor(h.acceptors / 2) + 1;
  for (const [slot, rounds] of h.votes) {
    const chosen = new Map<string, number>();
    for (const [round, values] of rounds) {
      if (values.size > 1)
        r.add("chosen", `instance ${slot}: ${values.size} different values voted in round ${round}`);
      for (const [key, voters] of values)
        if (voters.size >= majority && !chosen.has(key)) chosen.set(key, round);
    }
    if (chosen.size > 1) {
      const list = [...chosen].map(([key, round]) => `${key} (round ${round})`).join(" vs ");
      r.add("chosen", `instance ${slot}: two values chosen: ${list}`);
    }
  }
}

function checkLearners(h: History, r: Report): void {
  const decided = new Map<string, { key: string; learner: number }>();
  const G = h.groups.length;
  for (const l of h.learners) {
    const seen = new Set<string>();
    l.delivered.forEach((d, n) => {
      const group = h.groups[n % G]!;
      const instance = Math.floor(n / G) + 1;
      if (d.index !== n || d.group !== group || d.instance !== instance) {
        r.add(
          "order",
          `learner ${l.id}: entry ${n} is (g${d.group}, ${d.instance}) #${d.index}; expected (g${group}, ${instance})`,
        );
      }
      const slot = `${d.group}:${d.instance}`;
      const key = commandKey(d.command);
      const other = decided.get(slot);
      if (!other) decided.set(slot, { key, learner: l.id });
      else if (other.key !== key) {
        r.add(
          "agreement",
          `instance ${slot}: learner ${other.learner} delivered ${other.key}, learner ${l.id} ${key}`,
        );
      }
      if (!isNoopCommand(d.command)) {
        const proposed = h.proposed.get(requestKey(d.command.proposer, d.command.seq));
        if (!proposed || !sameCommand(proposed, d.command))
          r.add("validity", `learner ${l.id}: ${slot} delivered ${key}, never proposed`);
      }
    });
    for (const a of l.applied) {
      const id = requestKey(a.command.proposer, a.command.seq);
      if (seen.has(id)) r.add("at-most-once", `learner ${l.id}: request ${id} took effect twice`);
      seen.add(id);
    }
  }
  // Replicas apply the same sequence: each learner's applied log is a prefix of the longest.
  const longest = h.learners.reduce((a, b) => (b.applied.length > a.applied.length ? b : a), h.learners[0]!);
  for (const l of h.learners) {
    for (let n = 0; n < l.applied.length; n++) {
      if (!sameCommand(l.applied[n]!.command, longest.applied[n]!.command)) {
        r.add(
          "agreement",
          `learner ${l.id} applied ${commandKey(l.applied[n]!.command)} at position ${n}, learner ${longest.id} ${commandKey(longest.applied[n]!.command)}`,
        );
        break;
      }
    }
  }
}

/** Every request in `mustDeliver` took effect at every learner no later than `deadline`. */
export function checkLiveness(h: History, deadline: number): Violation[] {
  const r = new Report();
  for (const l of h.learners) {
    const at = new Map<string, number>();
    for (const a of l.applied) {
      const id = requestKey(a.command.proposer, a.command.seq);
      if (!at.has(id)) at.set(id, a.at);
    }
    let missing = 0;
    let example = "";
    for (const id of h.mustDeliver) {
      const t = at.get(id);
      if (t === undefined || t > deadline) {
        missing++;
        example ||= id;
      }
    }
    if (missing > 0) {
      r.add(
        "liveness",
        `learner ${l.id}: ${missing} of ${h.mustDeliver.size} requests not delivered by t=${deadline}ms (e.g. ${example})`,
      );
    }
  }
  return r.violations;
}

/** Whether every request in `mustDeliver` took effect at every learner (for stopping a run early). */
export function allDelivered(h: History): boolean {
  for (const l of h.learners) if (l.applied.length < h.mustDeliver.size) return false;
  for (const l of h.learners) {
    const ids = new Set(l.applied.map((a) => requestKey(a.command.proposer, a.command.seq)));
    for (const id of h.mustDeliver) if (!ids.has(id)) return false;
  }
  return true;
}
