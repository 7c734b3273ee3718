// One paragraph describing a valid deployment, for `paxosctl validate`.
import type { Deployment } from "./types.js";

function names(list: string[]): string {
  return list.length === 0 ? "none" : list.join(", ");
}

export function summarize(d: Deployment): string {
  const coord = d.switches
    .filter((s) => s.roles.coordinator)
    .map((s) => `${s.name} (groups ${s.roles.coordinator!.groups.join(",")})`);
  const accSw = d.acceptors.filter((a) => a.kind === "switch").map((a) => `${a.name}#${a.id}`);
  const accHost = d.acceptors.filter((a) => a.kind === "host").map((a) => `${a.name}#${a.id}`);
  const fwd = d.switches.filter((s) => !s.roles.coordinator && !s.roles.acceptor).map((s) => s.name);
  const byRole = (role: keyof Deployment["hosts"][number]["roles"]) =>
    d.hosts.filter((h) => h.roles[role]).map((h) => h.name);
  const switchLinks = d.links.filter((l) => l.kind === "switch").length;
  return (
    `${d.name}: ${d.switches.length} switch(es), ${d.hosts.length} host(s), ${switchLinks} switch link(s); ` +
    `groups ${d.paxos.groups.map((g) => `${g.id}@${g.serviceIp}`).join(", ")}. ` +
    `Coordinator switches: ${names(coord)}; forwarders: ${names(fwd)}. ` +
    `${d.acceptors.length} acceptors (quorum ${d.quorum}): switches ${names(accSw)}, servers ${names(accHost)}. ` +
    `Proposers: ${names(byRole("proposer"))}; learners: ${names(byRole("learner"))}; ` +
    `server coordinators: ${names(byRole("server-coordinator"))}; kv: ${names(byRole("kv"))}; ` +
    `controller agents: ${names(byRole("controller-agent"))}. ` +
    `P4: ${d.p4.program} (ring ${d.p4.ringSize}, ${d.p4.maxGroups} groups, value ${d.p4.valueSize} B, cpu port ${d.p4.cpuPort}).`
  );
}
