// The committed JSON Schema is the generator's output, and it accepts and rejects what the
// structural validator does (checked with a small evaluator for the keywords the generator emits).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { deploymentJsonSchema } from "../../../controller/config/json-schema.js";
import { parseDeployment } from "../../../controller/config/load.js";
import { EXAMPLES, editedText, exampleText, ROOT } from "./fixtures.js";

const SCHEMA_PATH = join(ROOT, "controller", "config", "deployment.schema.json");
const rendered = () => `${JSON.stringify(deploymentJsonSchema(), null, 2)}\n`;

type Schema = Record<string, unknown>;

/** Errors of `value` against the subset of JSON Schema the generator uses. */
function evaluate(schema: Schema, value: unknown, path = ""): string[] {
  const errors: string[] = [];
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((s) => evaluate(s, value, path).length === 0);
    return matching.length === 1 ? [] : [`${path}: oneOf matched ${matching.length}`];
  }
  if ("const" in schema && value !== schema.const) return [`${path}: not ${String(schema.const)}`];
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return [`${path}: not an object`];
      const obj = value as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const k of (schema.required ?? []) as string[])
        if (!(k in obj)) errors.push(`${path}: missing ${k}`);
      for (const [k, v] of Object.entries(obj)) {
        if (props[k]) errors.push(...evaluate(props[k]!, v, `${path}.${k}`));
        else if (schema.additionalProperties === false) errors.push(`${path}: extra ${k}`);
      }
      const n = Object.keys(obj).length;
      if (typeof schema.minProperties === "number" && n < schema.minProperties)
        errors.push(`${path}: too few keys`);
      if (typeof schema.maxProperties === "number" && n > schema.maxProperties)
        errors.push(`${path}: too many keys`);
      return errors;
    }
    case "array":
      if (!Array.isArray(value)) return [`${path}: not an array`];
      if (typeof schema.minItems === "number" && value.length < schema.minItems)
        errors.push(`${path}: too few items`);
      for (const [i, v] of value.entries())
        errors.push(...evaluate(schema.items as Schema, v, `${path}[${i}]`));
      return errors;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return [`${path}: not an integer`];
      if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${path}: below minimum`);
      if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${path}: above maximum`);
      return errors;
    case "string":
      if (typeof value !== "string") return [`${path}: not a string`];
      if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value))
        errors.push(`${path}: pattern`);
      if (typeof schema.minLength === "number" && value.length < schema.minLength)
        errors.push(`${path}: too short`);
      if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: not in enum`);
      return errors;
    default:
      return errors;
  }
}

/** Structural errors only (the schema does not express cross-field rules). */
function structuralErrorPaths(text: string): string[] {
  const r = parseDeployment(text, "t.yaml");
  if (r.ok) return [];
  return r.errors
    .filter((e) =>
      /unknown key|missing required|wrong type|wrong format|wrong value|out of range|too short|needs at least/.test(
        e.message,
      ),
    )
    .map((e) => e.path);
}

describe("deployment.schema.json", () => {
  it("is the generator's current output (UPDATE_SCHEMA=1 rewrites it; then biome format it)", () => {
    if (process.env.UPDATE_SCHEMA === "1") writeFileSync(SCHEMA_PATH, rendered());
    // Compared as data: biome formats the committed file its own way.
    expect(JSON.parse(readFileSync(SCHEMA_PATH, "utf8"))).toEqual(deploymentJsonSchema());
  });

  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as Schema;

  it.each(EXAMPLES)("accepts %s.yaml", (name) => {
    expect(evaluate(schema, parseYaml(exampleText(name)))).toEqual([]);
  });

  const structural: [string, Parameters<typeof editedText>[1]][] = [
    ["unknown top-level key", { set: [[["colour"], "red"]] }],
    ["unknown nested key", { set: [[["switches", 0, "ports", 0, "speed"], 10]] }],
    ["missing required key", { remove: [["hosts", 0, "ip"]] }],
    ["string for an integer", { set: [[["switches", 0, "deviceId"], "1"]] }],
    ["integer out of range", { set: [[["hosts", 0, "udpPort"], 70000]] }],
    ["bad MAC pattern", { set: [[["hosts", 0, "mac"], "zz:00:00:00:00:01"]] }],
    ["bad IPv4 pattern", { set: [[["hosts", 0, "ip"], "10.0.0.256"]] }],
    ["empty role map", { set: [[["hosts", 0, "roles"], {}]] }],
    ["flag role with a value", { set: [[["hosts", 4, "roles", "controller-agent"], "yes"]] }],
    ["empty ports list", { set: [[["switches", 0, "ports"], []]] }],
  ];

  it.each(structural)("rejects, like the validator: %s", (_name, edit) => {
    const text = editedText("classic", edit);
    expect(evaluate(schema, parseYaml(text)).length).toBeGreaterThan(0);
    expect(structuralErrorPaths(text).length).toBeGreaterThan(0);
  });

  it("documents every key with a description", () => {
    const missing: string[] = [];
    const walk = (s: Schema, path: string) => {
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
        if (typeof v.description !== "string" || v.description === "") missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      if (s.items) walk(s.items as Schema, `${path}[]`);
    };
    walk(schema, "");
    expect(missing).toEqual([]);
  });
});
