import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type ConfigError, formatConfigError } from "../../../controller/config/errors.js";
import { loadDeployment, parseDeployment } from "../../../controller/config/load.js";
import { summarize } from "../../../controller/config/summary.js";
import { computeDesiredState, initialControllerState } from "../../../controller/desired/compute.js";
import { type Edit, EXAMPLES, editedText, example, exampleText, ROOT, renamedKeyText } from "./fixtures.js";

function problems(text: string): { ok: boolean; errors: ConfigError[]; warnings: ConfigError[] } {
  const r = parseDeployment(text, "test.yaml");
  return r.ok
    ? { ok: true, errors: [], warnings: r.warnings }
    : { ok: false, errors: r.errors, warnings: r.warnings };
}

describe("examples", () => {
  it.each(EXAMPLES)("%s.yaml validates without warnings", async (name) => {
    const r = await loadDeployment(`${ROOT}/examples/${name}.yaml`);
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it("classic: derived acceptors, quorum and links", () => {
    const d = example("classic");
    expect(d.acceptors.map((a) => `${a.kind}:${a.name}#${a.id}`)).toEqual([
      "switch:acc1#1",
      "switch:acc2#2",
      "switch:acc3#3",
      "host:sa4#4",
      "host:sa5#5",
    ]);
    expect(d.quorum).toBe(3);
    // 8 host cables + coord×5 + acc×2 each (edge1, edge2) + edge1–edge2.
    expect(d.links.filter((l) => l.kind === "host")).toHaveLength(8);
    expect(d.links.filter((l) => l.kind === "switch")).toHaveLength(12);
    expect(d.links).toContainEqual({ kind: "switch", a: "edge1", aPort: 5, b: "edge2", bPort: 5 });
    expect(d.links).toContainEqual({ kind: "host", host: "rc", switch: "edge1", port: 12 });
  });

  it("fills defaults", () => {
    const d = example("single");
    expect(d.p4).toEqual({
      program: "p4/paxos.p4",
      ringSize: 1024,
      maxGroups: 4,
      valueSize: 64,
      cpuPort: 255,
    });
    expect(d.paxos.timeouts).toEqual({ heartbeatMs: 100, failoverMs: 500, gapMs: 200, retryMs: 100 });
    expect(d.hosts[0]!.udpPort).toBe(34953);
    expect(d.switches[0]!.cpuPort).toBe(255);
    expect(d.switches[0]!.roles.coordinator).toEqual({ id: 1, groups: [0] });
    expect(d.quorum).toBe(2);
  });

  it("the summary names roles and quorum", () => {
    const s = summarize(example("classic"));
    expect(s).toContain("6 switch(es), 8 host(s)");
    expect(s).toContain("5 acceptors (quorum 3)");
    expect(s).toContain("Coordinator switches: coord (groups 0)");
    expect(s).toContain("server coordinators: rc");
  });

  it("accepts the same deployment as JSON, including tab-indented JSON", async () => {
    const d = example("classic");
    const raw = parseDeploymentRaw("classic");
    const viaJson = parseDeployment(JSON.stringify(raw, null, "\t"), "classic.json");
    expect(viaJson.ok).toBe(true);
    if (viaJson.ok) expect(viaJson.deployment).toEqual(d);
  });
});

/** The example as plain data, for re-encoding as JSON. */
function parseDeploymentRaw(name: string): unknown {
  return parseYaml(exampleText(name));
}

interface Case {
  name: string;
  text: () => string;
  path: string;
  message: RegExp;
  severity?: "error" | "warning";
  expected?: RegExp;
}

const c = (name: string, edit: Edit, path: string, message: RegExp, more: Partial<Case> = {}): Case => ({
  name,
  text: () => editedText("classic", edit),
  path,
  message,
  ...more,
});

const BROKEN: Case[] = [
  {
    name: "typo in a key",
    text: () => renamedKeyText("classic", ["switches", 2], "address", "adress"),
    path: "switches[2].adress",
    message: /unknown key 'adress' \(did you mean 'address'\?\)/,
  },
  {
    name: "typo in a role name",
    text: () => renamedKeyText("classic", ["hosts", 0, "roles"], "proposer", "proposr"),
    path: "hosts[0].roles.proposr",
    message: /unknown key 'proposr' \(did you mean 'proposer'\?\)/,
  },
  c("missing field", { remove: [["hosts", 0, "mac"]] }, "hosts[0]", /missing required key 'mac'/),
  c("wrong type", { set: [[["switches", 0, "deviceId"], "one"]] }, "switches[0].deviceId", /wrong type/, {
    expected: /an integer 0–/,
  }),
  c(
    "duplicate IP",
    { set: [[["hosts", 1, "ip"], "10.0.0.1"]] },
    "hosts[1].ip",
    /duplicate IP address 10\.0\.0\.1 \(also at hosts\[0\]\.ip\)/,
  ),
  c(
    "service IP reused by a host",
    { set: [[["hosts", 4, "ip"], "10.0.100.1"]] },
    "hosts[4].ip",
    /duplicate IP address 10\.0\.100\.1 \(also at paxos\.groups\[0\]\.serviceIp\)/,
  ),
  c("bad MAC", { set: [[["hosts", 0, "mac"], "00:00:00:00:00"]] }, "hosts[0].mac", /wrong format/, {
    expected: /MAC address/,
  }),
  c(
    "multicast MAC",
    { set: [[["hosts", 0, "mac"], "01:00:5e:00:00:01"]] },
    "hosts[0].mac",
    /multicast\/broadcast/,
  ),
  c(
    "duplicate MAC",
    { set: [[["hosts", 7, "mac"], "00:00:00:00:00:01"]] },
    "hosts[7].mac",
    /duplicate MAC address/,
  ),
  c(
    "port collision",
    { set: [[["switches", 4, "ports", 6, "port"], 10]] },
    "switches[4].ports[6].port",
    /port 10 is cabled twice \(also at switches\[4\]\.ports\[5\]\)/,
  ),
  c(
    "port not below the CPU port",
    {
      set: [
        [["switches", 5, "ports", 7, "port"], 255],
        [["hosts", 7, "port"], 255],
      ],
    },
    "switches[5].ports[7].port",
    /below the CPU port/,
  ),
  c(
    "port out of range",
    { set: [[["switches", 5, "ports", 7, "port"], 600]] },
    "switches[5].ports[7].port",
    /out of range/,
    {
      expected: /0–511/,
    },
  ),
  c(
    "dangling host attachment",
    { set: [[["hosts", 0, "port"], 99]] },
    "hosts[0].port",
    /dangling attachment: switch 'edge1' has no port 99/,
  ),
  c(
    "port cabled to an unknown host",
    { set: [[["switches", 4, "ports", 5, "to"], "nobody"]] },
    "switches[4].ports[5].to",
    /no host named 'nobody'/,
  ),
  c(
    "dangling switch link",
    { set: [[["switches", 1, "ports", 0, "to"], "switch:coord:9"]] },
    "switches[1].ports[0].to",
    /dangling link: switch 'coord' has no port 9/,
  ),
  c(
    "asymmetric switch link",
    { set: [[["switches", 1, "ports", 0, "to"], "switch:coord:2"]] },
    "switches[1].ports[0].to",
    /asymmetric link: coord port 2 is cabled to 'switch:acc2:1'/,
  ),
  c(
    "asymmetric host link",
    {
      set: [
        [["hosts", 0, "switch"], "edge2"],
        [["hosts", 0, "port"], 10],
      ],
    },
    "hosts[0].port",
    /asymmetric link: edge2 port 10 is cabled to 'l1'/,
  ),
  c(
    "disconnected switch graph",
    {
      add: [
        [
          ["switches"],
          { name: "iso", address: "127.0.0.1:50099", deviceId: 99, ports: [{ port: 1, to: "h9" }] },
        ],
        [
          ["hosts"],
          {
            name: "h9",
            ip: "10.0.0.99",
            mac: "00:00:00:00:00:63",
            switch: "iso",
            port: 1,
            roles: { learner: { id: 9 } },
          },
        ],
      ],
    },
    "switches[6]",
    /switch 'iso' is not connected to 'coord'/,
  ),
  c(
    "even number of acceptors",
    {
      remove: [
        ["switches", 5, "ports", 7],
        ["hosts", 7],
      ],
    },
    "",
    /4 acceptors: an even count/,
    { severity: "warning" },
  ),
  c(
    "two switch coordinators for a group",
    { set: [[["switches", 1, "roles", "coordinator"], { id: 7 }]] },
    "switches[1].roles.coordinator",
    /group 0 already has switch coordinator 'coord'/,
  ),
  c(
    "no switch coordinator",
    { remove: [["switches", 0, "roles", "coordinator"]] },
    "paxos.groups[0]",
    /group 0 has no switch coordinator/,
  ),
  c("ring size not a power of two", { set: [[["p4", "ringSize"], 1000]] }, "p4.ringSize", /power of two/),
  c(
    "group id beyond maxGroups",
    { set: [[["paxos", "groups", 0, "id"], 4]] },
    "paxos.groups[0].id",
    /below p4.maxGroups/,
  ),
  c(
    "more groups than maxGroups",
    { set: [[["p4", "maxGroups"], 1]], add: [[["paxos", "groups"], { id: 1, serviceIp: "10.0.100.2" }]] },
    "paxos.groups",
    /more groups than the program was compiled for/,
  ),
  c(
    "duplicate acceptor id",
    { set: [[["hosts", 3, "roles", "server-acceptor", "id"], 1]] },
    "hosts[3].roles.server-acceptor.id",
    /duplicate acceptor id 1 \(also at switches\[1\]\.roles\.acceptor\.id\)/,
  ),
  c(
    "duplicate proposer id",
    { set: [[["hosts", 1, "roles", "proposer", "id"], 1]] },
    "hosts[1].roles.proposer.id",
    /duplicate proposer id 1/,
  ),
  c(
    "duplicate coordinator id",
    { set: [[["hosts", 2, "roles", "server-coordinator", "id"], 1]] },
    "hosts[2].roles.server-coordinator.id",
    /duplicate coordinator id 1/,
  ),
  c(
    "duplicate device id",
    { set: [[["switches", 3, "deviceId"], 2]] },
    "switches[3].deviceId",
    /duplicate device id 2/,
  ),
  c(
    "duplicate P4Runtime address",
    { set: [[["switches", 3, "address"], "127.0.0.1:50002"]] },
    "switches[3].address",
    /duplicate P4Runtime address/,
  ),
  c(
    "bad P4Runtime address",
    { set: [[["switches", 3, "address"], "localhost"]] },
    "switches[3].address",
    /wrong format/,
    { expected: /host:port/ },
  ),
  c("acceptor switch without ip", { remove: [["switches", 1, "ip"]] }, "switches[1]", /needs 'ip'/),
  c(
    "host on the Paxos UDP port",
    { set: [[["hosts", 3, "udpPort"], 34952]] },
    "hosts[3].udpPort",
    /must not listen on the Paxos port 34952/,
  ),
  c(
    "kv without learner",
    { remove: [["hosts", 5, "roles", "learner"]] },
    "hosts[5].roles.kv",
    /also needs the learner role/,
  ),
  c(
    "cpu port differs from the program's",
    { set: [[["switches", 2, "cpuPort"], 64]] },
    "switches[2].cpuPort",
    /must equal the CPU_PORT/,
  ),
  c(
    "failover not longer than heartbeat",
    { set: [[["paxos", "timeouts", "failoverMs"], 100]] },
    "paxos.timeouts.failoverMs",
    /longer than heartbeatMs/,
  ),
  c(
    "tls cert without key",
    { set: [[["switches", 0, "tls"], { ca: "ca.pem", cert: "c.pem" }]] },
    "switches[0].tls",
    /cert and key go together/,
  ),
  c(
    "no server coordinator",
    {
      remove: [
        ["switches", 4, "ports", 7],
        ["hosts", 2],
      ],
    },
    "paxos.groups[0]",
    /no server-coordinator/,
    {
      severity: "warning",
    },
  ),
  c(
    "value size differs from the codec",
    { set: [[["p4", "valueSize"], 32]] },
    "p4.valueSize",
    /must equal VALUE_SIZE/,
  ),
  c(
    "a port cabled to its own switch",
    { set: [[["switches", 0, "ports", 0, "to"], "switch:coord:2"]] },
    "switches[0].ports[0].to",
    /cannot be cabled to its own switch/,
  ),
  c(
    "unusable host address",
    { set: [[["hosts", 0, "ip"], "127.0.0.5"]] },
    "hosts[0].ip",
    /not a usable host address/,
  ),
];

describe("broken deployments", () => {
  it.each(BROKEN)("$name", ({ text, path, message, severity = "error", expected }) => {
    const r = problems(text());
    const list = severity === "error" ? r.errors : r.warnings;
    if (severity === "error") expect(r.ok).toBe(false);
    const hit = list.find((e) => e.path === path && message.test(e.message));
    expect(
      hit,
      `no ${severity} at ${path} matching ${message}; got:\n${[...r.errors, ...r.warnings].map((e) => formatConfigError(e)).join("\n")}`,
    ).toBeDefined();
    expect(hit!.line).toBeGreaterThan(0);
    if (expected) expect(hit!.expected).toMatch(expected);
  });

  it("reports every problem at once", () => {
    const text = editedText("classic", {
      set: [
        [["hosts", 1, "ip"], "10.0.0.1"],
        [["p4", "ringSize"], 1000],
        [["switches", 1, "ports", 0, "to"], "switch:coord:2"],
      ],
    });
    const withTypo = text.replace("address: 127.0.0.1:50003", "adress: 127.0.0.1:50003");
    expect(withTypo).not.toBe(text);
    const r = problems(withTypo);
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "hosts[1].ip",
        "p4.ringSize",
        "switches[1].ports[0].to",
        "switches[2].adress",
        "switches[2]",
      ]),
    );
  });

  it("still checks cross-field rules when another item is structurally broken", () => {
    const text = editedText("classic", {
      set: [
        [["hosts", 0, "mac"], "nonsense"],
        [["hosts", 2, "ip"], "10.0.0.2"],
      ],
    });
    const paths = problems(text).errors.map((e) => e.path);
    expect(paths).toContain("hosts[0].mac");
    expect(paths).toContain("hosts[2].ip");
  });

  it("points at the line and column of the offending value", () => {
    const text = [
      "name: t",
      "paxos:",
      "  groups: [{ id: 0, serviceIp: 10.0.100.1 }]",
      "  stateFile: s.json",
      "switches:",
      "  - name: s1",
      "    address: 127.0.0.1:50001",
      "    deviceId: 1",
      "    ip: 10.0.1.1",
      "    mac: 02:00:00:00:01:01",
      "    roles: { coordinator: { id: 1 }, acceptor: { id: 1 } }",
      "    ports:",
      "      - { port: 300, to: h1 }",
      "hosts:",
      "  - { name: h1, ip: 10.0.0.1, mac: '00:00:00:00:00:01', switch: s1, port: 300, roles: { proposer: { id: 1 }, learner: { id: 0 } }, colour: red }",
    ].join("\n");
    const r = problems(text);
    const port = r.errors.find((e) => e.path === "switches[0].ports[0].port");
    const portCol = text.split("\n")[12]!.indexOf("300") + 1;
    expect(port).toMatchObject({
      line: 13,
      col: portCol,
      message: "port must be below the CPU port",
      expected: "0–254",
      found: "300",
    });
    const colour = r.errors.find((e) => e.path === "hosts[0].colour");
    expect(colour).toMatchObject({ line: 15, message: "unknown key 'colour'" });
    expect(colour!.col).toBe(text.split("\n")[14]!.indexOf("colour") + 1);
    expect(formatConfigError(port!, "t.yaml")).toBe(
      `t.yaml:13:${portCol}: error: switches[0].ports[0].port: port must be below the CPU port (expected 0–254, found 300)`,
    );
  });

  it("a message path that crosses another acceptor switch is an error", () => {
    const text = [
      "name: line",
      "paxos: { groups: [{ id: 0, serviceIp: 10.0.100.1 }], stateFile: s.json }",
      "switches:",
      "  - { name: c, address: 'h:1', deviceId: 1, ip: 10.0.1.1, mac: '02:00:00:00:01:01', roles: { coordinator: { id: 1 } },",
      "      ports: [{ port: 1, to: 'switch:a1:1' }, { port: 2, to: p1 }] }",
      "  - { name: a1, address: 'h:2', deviceId: 2, ip: 10.0.1.2, mac: '02:00:00:00:01:02', roles: { acceptor: { id: 1 } },",
      "      ports: [{ port: 1, to: 'switch:c:1' }, { port: 2, to: 'switch:a2:1' }] }",
      "  - { name: a2, address: 'h:3', deviceId: 3, ip: 10.0.1.3, mac: '02:00:00:00:01:03', roles: { acceptor: { id: 2 } },",
      "      ports: [{ port: 1, to: 'switch:a1:2' }, { port: 2, to: l1 }] }",
      "hosts:",
      "  - { name: p1, ip: 10.0.0.1, mac: '00:00:00:00:00:01', switch: c, port: 2, roles: { proposer: { id: 1 } } }",
      "  - { name: l1, ip: 10.0.0.2, mac: '00:00:00:00:00:02', switch: a2, port: 2, roles: { learner: { id: 0 }, server-acceptor: { id: 3 } } }",
    ].join("\n");
    const r = problems(text);
    expect(r.ok).toBe(false);
    expect(r.errors).toContainEqual(
      expect.objectContaining({
        path: "switches[0].roles.coordinator",
        message: expect.stringMatching(
          /to acceptor switch 'a2' would be taken by acceptor switch 'a1' on the way \(path c → a1 → a2\)/,
        ),
      }),
    );
  });

  it("warns when a failover path would cross an acceptor switch", () => {
    // Only acc1 links edge1 to the rest once coord is gone.
    const r = problems(
      editedText("classic", {
        remove: [
          ["switches", 2, "ports", 1],
          ["switches", 3, "ports", 1],
          ["switches", 4, "ports", 2],
          ["switches", 4, "ports", 3],
          ["switches", 4, "ports", 4],
          ["switches", 5, "ports", 4],
        ],
      }),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toContainEqual(
      expect.objectContaining({
        path: "switches[0]",
        message:
          "if switch 'coord' fails, group 0: its P1A/P2A to acceptor switch 'acc2' would be taken by acceptor switch 'acc1' on the way (path edge1 → acc1 → edge2 → acc2)",
      }),
    );
  });

  it("warns about what the loss of one switch would cut off", () => {
    // edge2 hangs off the coordinator switch only: losing it cuts the learners off.
    const star = problems(
      editedText("classic", {
        remove: [
          ["switches", 1, "ports", 2],
          ["switches", 2, "ports", 2],
          ["switches", 3, "ports", 2],
          ["switches", 4, "ports", 4],
          ["switches", 5, "ports", 1],
          ["switches", 5, "ports", 2],
          ["switches", 5, "ports", 3],
          ["switches", 5, "ports", 4],
        ],
      }),
    );
    expect(star.errors).toEqual([]);
    expect(star.warnings).toContainEqual(
      expect.objectContaining({
        path: "switches[0]",
        message: "if switch 'coord' fails, group 0: learners l1, l2 are cut off from it",
      }),
    );
    const single = problems(
      editedText("classic", {
        remove: [
          ["switches", 4, "ports", 7],
          ["hosts", 2],
        ],
      }),
    );
    expect(single.warnings.map((w) => w.message)).toContain(
      "if switch 'coord' fails, group 0 has no coordinator left (no server-coordinator on another switch)",
    );
  });
});

describe("unparseable input", () => {
  it("reports YAML syntax errors with a position", () => {
    const r = problems("name: x\nswitches: [\n  - a\n");
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.line).toBeGreaterThan(0);
    expect(r.errors[0]!.message).toMatch(/does not parse/);
  });

  it("rejects duplicate keys", () => {
    const r = problems(`${exampleText("single")}\nname: again\n`);
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.message).toMatch(/does not parse: .*unique/i);
  });

  it("rejects a non-mapping document and an empty one", () => {
    expect(problems("- 1\n- 2\n").errors[0]).toMatchObject({
      path: "",
      expected: "a mapping",
      found: "a list",
    });
    expect(problems("").errors[0]).toMatchObject({ path: "", expected: "a mapping", found: "nothing" });
  });

  it("reports an unreadable file instead of throwing", async () => {
    const r = await loadDeployment("/nonexistent/deploy.yaml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/cannot read/);
  });

  it("survives an alias bomb", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    ].join("\n");
    const r = problems(bomb);
    expect(r.ok).toBe(false);
  });
});

describe("robustness", () => {
  /** Every path to a value in the data, for random replacement. */
  function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    const out: (string | number)[][] = [prefix];
    if (Array.isArray(v)) for (const [i, x] of v.entries()) out.push(...paths(x, [...prefix, i]));
    else if (typeof v === "object" && v !== null)
      for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
    return out;
  }
  const base = parseYaml(exampleText("classic"));
  const allPaths = paths(base).filter((p) => p.length > 0);

  it("never throws, whatever value replaces whatever key", () => {
    fc.assert(
      fc.property(fc.constantFrom(...allPaths), fc.jsonValue(), (path, value) => {
        const data = structuredClone(base);
        let cur = data;
        for (const part of path.slice(0, -1)) cur = cur[part];
        cur[path.at(-1)!] = value;
        const r = parseDeployment(JSON.stringify(data), "fuzz.json");
        expect(typeof r.ok).toBe("boolean");
        if (!r.ok) expect(r.errors.length).toBeGreaterThan(0);
        // Whatever validates can be planned.
        else
          expect(
            computeDesiredState(r.deployment, initialControllerState(r.deployment)).switches.length,
          ).toBeGreaterThan(0);
      }),
      { numRuns: 120 },
    );
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = parseDeployment(text, "fuzz.yaml");
        expect(r.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe("docs/deployment.md", () => {
  it("its annotated example is a valid deployment", () => {
    const md = readFileSync(`${ROOT}/docs/deployment.md`, "utf8");
    const block = /## An annotated example[\s\S]*?```yaml\n([\s\S]*?)```/.exec(md)?.[1];
    expect(block).toBeDefined();
    const r = parseDeployment(block!, "deployment.md");
    expect(r.ok ? [] : r.errors).toEqual([]);
    // Shortened: one acceptor, no learner.
    expect(r.warnings.map((w) => w.message)).toEqual([
      "no host has the learner role",
      "if switch 'acc1' fails, group 0 keeps 0 reachable acceptors, below the quorum of 1",
    ]);
  });
});
