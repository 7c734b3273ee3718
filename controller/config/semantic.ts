// Cross-field rules of a deployment: uniqueness, cabling, roles, quorum, and the paths Paxos
// messages take through the switches. See docs/deployment.md, "Validation".
import { parseIPv4, parseMac } from "../../src/wire/addr.js";
import { PAXOS_UDP_PORT, VALUE_SIZE } from "../../src/wire/header.js";
import { type Built, type Indexed, MISSING_NUMBER, MISSING_TEXT } from "./build.js";
import type { PathPart, Problems } from "./errors.js";
import { checkPaths, checkSingleFailures } from "./paths.js";
import { Topology } from "./topology.js";
import type { HostConfig, SwitchConfig } from "./types.js";

type P = PathPart[];

/** Mininet interface names are NAME-ethN and Linux allows 15 characters. */
const IFNAME_MAX = 15;

function checkUnique<T>(
  problems: Problems,
  what: string,
  items: { value: T; path: P }[],
  show = String,
): void {
  const seen = new Map<string, P>();
  for (const { value, path } of items) {
    if (value === MISSING_TEXT || value === MISSING_NUMBER) continue;
    const key = String(value).toLowerCase();
    const first = seen.get(key);
    if (first) problems.error(path, `duplicate ${what} ${show(value)} (also at ${fmt(first)})`);
    else seen.set(key, path);
  }
}

function fmt(path: P): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  return out;
}

function checkMac(problems: Problems, mac: string, path: P): void {
  if (mac === MISSING_TEXT) return;
  const n = parseMac(mac);
  const firstOctet = Math.floor(n / 2 ** 40);
  if (n === 0) problems.error(path, "MAC address is all zeros", { expected: "a unicast MAC", found: mac });
  else if (firstOctet & 1)
    problems.error(path, "MAC address is multicast/broadcast (lowest bit of the first octet set)", {
      expected: "a unicast MAC",
      found: mac,
    });
}

function checkIp(problems: Problems, ip: string, path: P): void {
  if (ip === MISSING_TEXT) return;
  const first = parseIPv4(ip) >>> 24;
  if (first === 0 || first === 127 || first >= 224)
    problems.error(path, "not a usable host address (0/8, 127/8, multicast and reserved are not routed)", {
      expected: "a unicast IPv4 address",
      found: ip,
    });
}

export function checkSemantics(b: Built, problems: Problems): void {
  const p4 = b.p4;
  if (p4) {
    if ((p4.ringSize & (p4.ringSize - 1)) !== 0)
      problems.error(
        ["p4", "ringSize"],
        "RING_SIZE must be a power of two (slot = instance & (RING_SIZE - 1))",
        {
          expected: "a power of two",
          found: String(p4.ringSize),
        },
      );
    if (p4.valueSize !== VALUE_SIZE)
      problems.error(["p4", "valueSize"], "must equal VALUE_SIZE of the host codec (src/wire/header.ts)", {
        expected: String(VALUE_SIZE),
        found: String(p4.valueSize),
      });
  }
  const t = b.paxos?.timeouts;
  if (t) {
    if (t.failoverMs <= t.heartbeatMs)
      problems.error(
        ["paxos", "timeouts", "failoverMs"],
        "must be longer than heartbeatMs, or every coordinator looks dead",
        {
          expected: `> ${t.heartbeatMs}`,
          found: String(t.failoverMs),
        },
      );
    else if (t.failoverMs < 3 * t.heartbeatMs)
      problems.warn(
        ["paxos", "timeouts", "failoverMs"],
        `fewer than 3 heartbeats (${t.heartbeatMs} ms) fit; one lost PING triggers failover`,
      );
  }

  // Groups.
  const groupIds = new Set(b.groups.map((g) => g.item.id));
  checkUnique(
    problems,
    "group id",
    b.groups.map((g) => ({ value: g.item.id, path: ["paxos", "groups", g.index, "id"] })),
  );
  for (const g of b.groups) {
    if (p4 && g.item.id >= p4.maxGroups)
      problems.error(
        ["paxos", "groups", g.index, "id"],
        `group id must be below p4.maxGroups (the data plane ignores groups ≥ MAX_GROUPS)`,
        {
          expected: `0–${p4.maxGroups - 1}`,
          found: String(g.item.id),
        },
      );
    checkIp(problems, g.item.serviceIp, ["paxos", "groups", g.index, "serviceIp"]);
  }
  if (p4 && b.groups.length > p4.maxGroups)
    problems.error(["paxos", "groups"], "more groups than the program was compiled for", {
      expected: `at most ${p4.maxGroups}`,
      found: String(b.groups.length),
    });

  const sp = (s: Indexed<SwitchConfig>, ...rest: P): P => ["switches", s.index, ...rest];
  const hp = (h: Indexed<HostConfig>, ...rest: P): P => ["hosts", h.index, ...rest];

  // Names, addresses, ids.
  checkUnique(problems, "name", [
    ...b.switches.map((s) => ({ value: s.item.name, path: sp(s, "name") })),
    ...b.hosts.map((h) => ({ value: h.item.name, path: hp(h, "name") })),
  ]);
  checkUnique(
    problems,
    "P4Runtime address",
    b.switches.map((s) => ({ value: s.item.address, path: sp(s, "address") })),
  );
  checkUnique(
    problems,
    "device id",
    b.switches.map((s) => ({ value: s.item.deviceId, path: sp(s, "deviceId") })),
  );
  checkUnique(problems, "IP address", [
    ...b.groups.map((g) => ({
      value: g.item.serviceIp,
      path: ["paxos", "groups", g.index, "serviceIp"] as P,
    })),
    ...b.switches.filter((s) => s.item.ip).map((s) => ({ value: s.item.ip!, path: sp(s, "ip") })),
    ...b.hosts.map((h) => ({ value: h.item.ip, path: hp(h, "ip") })),
  ]);
  checkUnique(problems, "MAC address", [
    ...b.switches.filter((s) => s.item.mac).map((s) => ({ value: s.item.mac!, path: sp(s, "mac") })),
    ...b.hosts.map((h) => ({ value: h.item.mac, path: hp(h, "mac") })),
  ]);
  checkUnique(problems, "acceptor id", [
    ...b.switches
      .filter((s) => s.item.roles.acceptor)
      .map((s) => ({ value: s.item.roles.acceptor!.id, path: sp(s, "roles", "acceptor", "id") })),
    ...b.hosts
      .filter((h) => h.item.roles["server-acceptor"])
      .map((h) => ({
        value: h.item.roles["server-acceptor"]!.id,
        path: hp(h, "roles", "server-acceptor", "id"),
      })),
  ]);
  checkUnique(problems, "coordinator id", [
    ...b.switches
      .filter((s) => s.item.roles.coordinator)
      .map((s) => ({ value: s.item.roles.coordinator!.id, path: sp(s, "roles", "coordinator", "id") })),
    ...b.hosts
      .filter((h) => h.item.roles["server-coordinator"])
      .map((h) => ({
        value: h.item.roles["server-coordinator"]!.id,
        path: hp(h, "roles", "server-coordinator", "id"),
      })),
  ]);
  checkUnique(
    problems,
    "proposer id",
    b.hosts
      .filter((h) => h.item.roles.proposer)
      .map((h) => ({ value: h.item.roles.proposer!.id, path: hp(h, "roles", "proposer", "id") })),
  );
  checkUnique(
    problems,
    "learner id",
    b.hosts
      .filter((h) => h.item.roles.learner)
      .map((h) => ({ value: h.item.roles.learner!.id, path: hp(h, "roles", "learner", "id") })),
  );

  // Switches.
  const switches = new Map(b.switches.map((s) => [s.item.name, s]));
  const hosts = new Map(b.hosts.map((h) => [h.item.name, h]));
  for (const s of b.switches) {
    const sw = s.item;
    const portNo = /:(\d+)$/.exec(sw.address);
    if (portNo && Number(portNo[1]) > 65535)
      problems.error(sp(s, "address"), "TCP port out of range", { expected: "1–65535", found: portNo[1]! });
    if (p4 && sw.cpuPort !== p4.cpuPort)
      problems.error(sp(s, "cpuPort"), "must equal the CPU_PORT the program was compiled with (p4.cpuPort)", {
        expected: String(p4.cpuPort),
        found: String(sw.cpuPort),
      });
    const hasRole = sw.roles.coordinator !== undefined || sw.roles.acceptor !== undefined;
    if (hasRole && sw.ip === undefined)
      problems.error(
        sp(s),
        "a coordinator or acceptor switch needs 'ip' (server coordinators send P1A/P2A there)",
        { expected: "ip and mac", found: "no ip" },
      );
    if (hasRole && sw.mac === undefined)
      problems.error(
        sp(s),
        "a coordinator or acceptor switch needs 'mac' (destination MAC of copies rewritten to it)",
        { expected: "ip and mac", found: "no mac" },
      );
    if (sw.ip !== undefined) checkIp(problems, sw.ip, sp(s, "ip"));
    if (sw.mac !== undefined) checkMac(problems, sw.mac, sp(s, "mac"));
    if (sw.tls && (sw.tls.cert === undefined) !== (sw.tls.key === undefined))
      problems.error(sp(s, "tls"), "cert and key go together (mutual TLS) or are both left out", {
        expected: "both cert and key, or neither",
        found: sw.tls.cert === undefined ? "key only" : "cert only",
      });
    for (const g of sw.roles.coordinator?.groups ?? []) {
      if (!groupIds.has(g))
        problems.error(sp(s, "roles", "coordinator", "groups"), `group ${g} is not in paxos.groups`);
    }
    const seenPorts = new Map<number, number>();
    for (const port of sw.ports) {
      const i = b.portIndex.get(port)!;
      const pp: P = sp(s, "ports", i);
      const prev = seenPorts.get(port.port);
      if (prev !== undefined)
        problems.error(
          [...pp, "port"],
          `port ${port.port} is cabled twice (also at ${fmt(sp(s, "ports", prev))})`,
        );
      else seenPorts.set(port.port, i);
      if (port.port >= sw.cpuPort)
        problems.error([...pp, "port"], "port must be below the CPU port", {
          expected: `0–${sw.cpuPort - 1}`,
          found: String(port.port),
        });
      if (`${sw.name}-eth${port.port}`.length > IFNAME_MAX)
        problems.warn(
          [...pp, "port"],
          `Mininet interface name '${sw.name}-eth${port.port}' exceeds ${IFNAME_MAX} characters; use a shorter switch name`,
        );
      const peer = port.peer;
      if (peer.kind === "host") {
        const h = hosts.get(peer.host);
        if (!h && b.incomplete.has(peer.host)) {
          // Already reported where the host is defined.
        } else if (!h) {
          problems.error([...pp, "to"], `no host named '${peer.host}'`, {
            expected: "a host name or switch:NAME:PORT",
            found: `'${port.to}'`,
          });
        } else if (h.item.switch !== sw.name || h.item.port !== port.port) {
          problems.error(
            [...pp, "to"],
            `asymmetric link: host '${peer.host}' says it is on ${h.item.switch}:${h.item.port}`,
            {
              expected: `${fmt(hp(h))} with switch ${sw.name}, port ${port.port}`,
              found: `switch ${h.item.switch}, port ${h.item.port}`,
            },
          );
        }
      } else {
        const other = switches.get(peer.switch);
        if (peer.switch === sw.name) {
          problems.error([...pp, "to"], "a port cannot be cabled to its own switch");
        } else if (!other) {
          if (!b.incomplete.has(peer.switch))
            problems.error([...pp, "to"], `no switch named '${peer.switch}'`);
        } else {
          const back = other.item.ports.find((q) => q.port === peer.port);
          if (!back && b.incomplete.has(peer.switch)) {
            // One of its ports was left out; it may be this one.
          } else if (!back) {
            problems.error([...pp, "to"], `dangling link: switch '${peer.switch}' has no port ${peer.port}`);
          } else if (
            back.peer.kind !== "switch" ||
            back.peer.switch !== sw.name ||
            back.peer.port !== port.port
          ) {
            problems.error(
              [...pp, "to"],
              `asymmetric link: ${peer.switch} port ${peer.port} is cabled to '${back.to}'`,
              {
                expected: `switch:${sw.name}:${port.port}`,
                found: back.to,
              },
            );
          }
        }
      }
    }
  }

  // Hosts.
  for (const h of b.hosts) {
    const host = h.item;
    checkIp(problems, host.ip, hp(h, "ip"));
    checkMac(problems, host.mac, hp(h, "mac"));
    if (host.udpPort === PAXOS_UDP_PORT)
      problems.error(
        hp(h, "udpPort"),
        `hosts must not listen on the Paxos port ${PAXOS_UDP_PORT}: switches hand datagrams to that port to their roles, so a P2A meant for this host would be taken by the first acceptor switch on the way`,
        {
          expected: `any port but ${PAXOS_UDP_PORT}`,
          found: String(host.udpPort),
        },
      );
    if (`${host.name}-eth0`.length > IFNAME_MAX)
      problems.warn(
        hp(h, "name"),
        `Mininet interface name '${host.name}-eth0' exceeds ${IFNAME_MAX} characters`,
      );
    if (host.roles.kv && !host.roles.learner)
      problems.error(
        hp(h, "roles", "kv"),
        "a kv replica applies the learned log: the host also needs the learner role",
      );
    for (const g of host.roles["server-coordinator"]?.groups ?? []) {
      if (!groupIds.has(g))
        problems.error(hp(h, "roles", "server-coordinator", "groups"), `group ${g} is not in paxos.groups`);
    }
    const s = switches.get(host.switch);
    if (!s) {
      if (!b.incomplete.has(host.switch)) problems.error(hp(h, "switch"), `no switch named '${host.switch}'`);
      continue;
    }
    const port = s.item.ports.find((p) => p.port === host.port);
    if (!port && b.incomplete.has(host.switch)) {
      // One of the switch's ports was left out; it may be this one.
    } else if (!port) {
      problems.error(hp(h, "port"), `dangling attachment: switch '${host.switch}' has no port ${host.port}`, {
        expected: `a port listed in ${fmt(sp(s, "ports"))}`,
        found: String(host.port),
      });
    } else if (port.peer.kind !== "host" || port.peer.host !== host.name) {
      problems.error(
        hp(h, "port"),
        `asymmetric link: ${host.switch} port ${host.port} is cabled to '${port.to}'`,
        {
          expected: host.name,
          found: port.to,
        },
      );
    }
  }

  const topo = new Topology(b.switches.map((s) => s.item));
  // Whole-deployment rules need every switch and host; with some left out they would mislead.
  if (!b.complete) return;
  // Connectivity.
  if (b.switches.length > 0) {
    const first = b.switches[0]!.item.name;
    const reach = topo.component(first);
    for (const s of b.switches) {
      if (!reach.has(s.item.name))
        problems.error(
          sp(s),
          `switch '${s.item.name}' is not connected to '${first}': the switch graph must be connected`,
        );
    }
  }

  // Acceptors and quorum.
  const nAcceptors =
    b.switches.filter((s) => s.item.roles.acceptor).length +
    b.hosts.filter((h) => h.item.roles["server-acceptor"]).length;
  if (nAcceptors === 0)
    problems.error([], "no acceptors: give a switch roles.acceptor or a host roles.server-acceptor");
  else if (nAcceptors % 2 === 0)
    problems.warn(
      [],
      `${nAcceptors} acceptors: an even count tolerates no more failures than ${nAcceptors - 1} (quorum ${nAcceptors / 2 + 1})`,
    );

  // Coordinators per group.
  for (const g of b.groups) {
    const coords = b.switches.filter((s) => s.item.roles.coordinator?.groups.includes(g.item.id));
    if (coords.length === 0)
      problems.error(["paxos", "groups", g.index], `group ${g.item.id} has no switch coordinator`, {
        expected: "exactly one switch with roles.coordinator for it",
        found: "none",
      });
    for (const extra of coords.slice(1))
      problems.error(
        sp(extra, "roles", "coordinator"),
        `group ${g.item.id} already has switch coordinator '${coords[0]!.item.name}'`,
        {
          expected: "exactly one switch coordinator per group",
          found: `${coords.length}`,
        },
      );
    if (!b.hosts.some((h) => h.item.roles["server-coordinator"]?.groups.includes(g.item.id)))
      problems.warn(
        ["paxos", "groups", g.index],
        `group ${g.item.id} has no server-coordinator: if its coordinator switch fails the group stops`,
      );
  }
  if (!b.hosts.some((h) => h.item.roles.proposer)) problems.warn(["hosts"], "no host has the proposer role");
  if (!b.hosts.some((h) => h.item.roles.learner)) problems.warn(["hosts"], "no host has the learner role");

  if (problems.errors.length === 0) {
    checkPaths(b, topo, problems);
    checkSingleFailures(b, topo, problems, nAcceptors);
  }
}
