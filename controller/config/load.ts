// Entry points: read a deployment (YAML or JSON), check it, return a typed Deployment or every problem.
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { build } from "./build.js";
import { DEPLOYMENT_SPEC } from "./deployment-spec.js";
import { type ConfigError, Problems } from "./errors.js";
import { makeLocator } from "./locate.js";
import { checkSemantics } from "./semantic.js";
import { checkValue } from "./structural.js";
import type { AcceptorRef, Deployment, Link } from "./types.js";

export type LoadResult =
  | { ok: true; deployment: Deployment; warnings: ConfigError[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigError[] };

function derive(name: string, rest: Omit<Deployment, "name" | "acceptors" | "quorum" | "links">): Deployment {
  const acceptors: AcceptorRef[] = [
    ...rest.switches
      .filter((s) => s.roles.acceptor)
      .map((s) => ({ id: s.roles.acceptor!.id, kind: "switch" as const, name: s.name })),
    ...rest.hosts
      .filter((h) => h.roles["server-acceptor"])
      .map((h) => ({ id: h.roles["server-acceptor"]!.id, kind: "host" as const, name: h.name })),
  ].sort((a, b) => a.id - b.id);
  const links: Link[] = rest.hosts.map((h) => ({
    kind: "host",
    host: h.name,
    switch: h.switch,
    port: h.port,
  }));
  for (const s of rest.switches) {
    for (const p of s.ports) {
      if (p.peer.kind !== "switch") continue;
      const here = [s.name, p.port] as const;
      const there = [p.peer.switch, p.peer.port] as const;
      // Each cable once: from the end that sorts first.
      if (here[0] < there[0] || (here[0] === there[0] && here[1] < there[1]))
        links.push({ kind: "switch", a: here[0], aPort: here[1], b: there[0], bPort: there[1] });
    }
  }
  return { name, ...rest, acceptors, quorum: Math.floor(acceptors.length / 2) + 1, links };
}

/** Checks already-parsed data (e.g. a JS object); positions are reported only with a locator. */
export function checkDeploymentData(data: unknown, problems: Problems = new Problems()): LoadResult {
  const checked = checkValue(DEPLOYMENT_SPEC, data, [], problems);
  const b = build(checked, (groups) => groups.map((g) => g.id));
  checkSemantics(b, problems);
  const errors = problems.errors;
  const warnings = problems.warnings;
  if (errors.length > 0 || !b.complete || !b.name || !b.p4 || !b.paxos) {
    if (errors.length === 0) errors.push({ severity: "error", path: "", message: "incomplete deployment" });
    return { ok: false, errors, warnings };
  }
  const deployment = derive(b.name, {
    p4: b.p4,
    paxos: b.paxos,
    switches: b.switches.map((s) => s.item),
    hosts: b.hosts.map((h) => h.item),
  });
  return { ok: true, deployment, warnings };
}

/** Parses YAML (or JSON, which is YAML) text. Never throws on bad input. */
export function parseDeployment(text: string, filename = "<input>"): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Some valid JSON is not valid YAML (tabs as indentation); take it as JSON then, without positions.
    if (/\.json$/i.test(filename)) {
      try {
        return checkDeploymentData(JSON.parse(text));
      } catch {
        // Fall through to the YAML errors, which carry positions.
      }
    }
    const errors: ConfigError[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const out: ConfigError = {
        severity: "error",
        path: "",
        message: `${filename} does not parse: ${e.message.split("\n")[0]}`,
      };
      if (pos) {
        out.line = pos.line;
        out.col = pos.col;
      }
      return out;
    });
    return { ok: false, errors, warnings: [] };
  }
  const problems = new Problems(makeLocator(doc, lineCounter));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // e.g. an alias bomb (too many alias expansions).
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      errors: [{ severity: "error", path: "", message: `${filename}: ${reason}` }],
      warnings: [],
    };
  }
  return checkDeploymentData(data, problems);
}

/** Reads and parses a file. Never throws: an unreadable file is reported as an error. */
export async function loadDeployment(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      errors: [{ severity: "error", path: "", message: `cannot read ${path}: ${reason}` }],
      warnings: [],
    };
  }
  return parseDeployment(text, path);
}
