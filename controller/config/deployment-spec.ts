// The deployment file's shape: keys, types, ranges, defaults. Cross-field rules (uniqueness,
// links, roles, topology) live in semantic.ts. docs/deployment.md explains every key.
import { PAXOS_UDP_PORT, VALUE_SIZE } from "../../src/wire/header.js";
import { arr, flag, int, obj, opt, req, type Spec, str } from "./spec.js";

export const IPV4_PATTERN =
  "^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$";
export const MAC_PATTERN = "^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$";
export const NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_-]*$";
export const ADDRESS_PATTERN = "^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):[0-9]{1,5}$";
export const PEER_PATTERN = "^(switch:[A-Za-z][A-Za-z0-9_-]*:[0-9]+|[A-Za-z][A-Za-z0-9_-]*)$";

/** Host roles, as spelled in the file. */
export const HOST_ROLES = [
  "proposer",
  "learner",
  "server-coordinator",
  "server-acceptor",
  "kv",
  "controller-agent",
] as const;

/** Default timeouts (ms). */
export const DEFAULT_TIMEOUTS = { heartbeatMs: 100, failoverMs: 500, gapMs: 200, retryMs: 100 } as const;

/** Hosts listen on the port after the Paxos port by default (see docs/deployment.md, "UDP ports"). */
export const DEFAULT_HOST_UDP_PORT = PAXOS_UDP_PORT + 1;

const ipv4 = str({ pattern: IPV4_PATTERN, expected: "an IPv4 address a.b.c.d" });
const mac = str({ pattern: MAC_PATTERN, expected: "a MAC address xx:xx:xx:xx:xx:xx" });
const name = str({ pattern: NAME_PATTERN, expected: "a name (a letter, then letters, digits, _ or -)" });
const nonEmpty = str({ minLength: 1, expected: "a non-empty string" });
const ms = int(1, 3_600_000);
const groupList = arr(int(0, 65535), 1);

const p4 = obj({
  program: opt(nonEmpty, "P4 program the switches run (relative to the project root)", "p4/paxos.p4"),
  ringSize: opt(int(1, 2 ** 31), "RING_SIZE the program was compiled with (power of two)", 1024),
  maxGroups: opt(int(1, 65536), "MAX_GROUPS the program was compiled with", 4),
  valueSize: opt(int(1, 65535), "VALUE_SIZE the program was compiled with", VALUE_SIZE),
  cpuPort: opt(int(1, 511), "CPU_PORT the program was compiled with", 255),
});

const timeouts = obj({
  heartbeatMs: opt(ms, "interval of the controller's PING to each coordinator", DEFAULT_TIMEOUTS.heartbeatMs),
  failoverMs: opt(ms, "a coordinator silent this long is considered dead", DEFAULT_TIMEOUTS.failoverMs),
  gapMs: opt(ms, "learner gap timeout before recovery (protocol §6)", DEFAULT_TIMEOUTS.gapMs),
  retryMs: opt(ms, "proposer / recovery retransmission timeout", DEFAULT_TIMEOUTS.retryMs),
});

const group = obj({
  id: req(int(0, 65535), "group id (below p4.maxGroups)"),
  serviceIp: req(ipv4, "address proposers send this group's REQUESTs to"),
});

const paxos = obj({
  groups: req(arr(group, 1), "the Paxos groups (partitions)"),
  timeouts: opt(timeouts, "failure detection and retry timers", { ...DEFAULT_TIMEOUTS }),
  stateFile: req(
    nonEmpty,
    "where the controller persists the highest round ever assigned and trim watermarks",
  ),
});

const tls = obj({
  ca: req(nonEmpty, "CA certificate (PEM) that signed the switch's server certificate"),
  cert: opt(nonEmpty, "client certificate (PEM) for mutual TLS"),
  key: opt(nonEmpty, "client private key (PEM) for mutual TLS"),
});

const port = obj({
  port: req(int(0, 511), "switch port number (below cpuPort)"),
  to: req(
    str({ pattern: PEER_PATTERN, expected: "a host name or switch:NAME:PORT" }),
    "what the port is cabled to: a host name, or switch:NAME:PORT",
  ),
});

const switchRoles = obj({
  coordinator: opt(
    obj({
      id: req(int(1, 255), "coordinator id: the low byte of every round this coordinator uses"),
      groups: opt(groupList, "groups coordinated (default: all)"),
    }),
    "this switch is the coordinator of its groups",
  ),
  acceptor: opt(
    obj({ id: req(int(1, 65535), "acceptor id, unique among all acceptors") }),
    "this switch is an acceptor of every group",
  ),
});

const sw = obj({
  name: req(name, "switch name"),
  address: req(
    str({ pattern: ADDRESS_PATTERN, expected: "a P4Runtime address host:port" }),
    "P4Runtime gRPC address",
  ),
  deviceId: req(int(0, Number.MAX_SAFE_INTEGER), "P4Runtime device id"),
  electionId: opt(
    int(1, Number.MAX_SAFE_INTEGER),
    "election id the controller uses (default: the controller's own)",
  ),
  cpuPort: opt(int(1, 511), "the switch's CPU port (default p4.cpuPort; must equal it)"),
  ip: opt(ipv4, "data-plane address of the switch's roles (required for coordinator and acceptor switches)"),
  mac: opt(mac, "data-plane MAC of the switch's roles (required with ip)"),
  roles: opt(switchRoles, "Paxos roles; none (or {}) makes a plain forwarder", {}),
  tls: opt(tls, "TLS for the P4Runtime channel (default: plaintext)"),
  ports: req(arr(port, 1), "cabling of every used port"),
});

const hostRoles = obj(
  {
    proposer: opt(
      obj({ id: req(int(1, 0xffff_ffff), "proposer id (request ids are (id, seq))") }),
      "sends REQUESTs",
    ),
    learner: opt(
      obj({ id: req(int(0, 65535), "learner id (DELIVERED reports)") }),
      "receives 2Bs, delivers the log",
    ),
    "server-coordinator": opt(
      obj({
        id: req(int(1, 255), "coordinator id of the recovery coordinator"),
        groups: opt(groupList, "groups it can take over (default: all)"),
      }),
      "recovery coordinator; serves REQUESTs after failover",
    ),
    "server-acceptor": opt(
      obj({ id: req(int(1, 65535), "acceptor id, unique among all acceptors") }),
      "acceptor on a server",
    ),
    kv: opt(flag, "replicated key-value store replica (needs learner)"),
    "controller-agent": opt(flag, "the controller's data-plane endpoint (DELIVERED, Phase 1, PING)"),
  },
  1,
);

const host = obj({
  name: req(name, "host name"),
  ip: req(ipv4, "IPv4 address"),
  mac: req(mac, "MAC address"),
  udpPort: opt(int(1, 65535), "UDP port the host's agent listens on", DEFAULT_HOST_UDP_PORT),
  switch: req(name, "switch the host is cabled to"),
  port: req(int(0, 511), "port of that switch"),
  roles: req(hostRoles, "what runs on the host"),
});

/** The whole file. */
export const DEPLOYMENT_SPEC: Spec = obj({
  name: req(name, "deployment name"),
  p4: opt(p4, "the P4 program and the compile-time constants it was built with", {}),
  paxos: req(paxos, "Paxos service parameters"),
  switches: req(arr(sw, 1), "P4 switches"),
  hosts: opt(arr(host), "end hosts", []),
});
