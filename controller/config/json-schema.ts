// JSON Schema (draft 2020-12) of the deployment file, generated from the same Spec the validator
// uses. controller/config/deployment.schema.json is this output; a test keeps the two equal.
import { DEPLOYMENT_SPEC } from "./deployment-spec.js";
import type { Spec } from "./spec.js";

type Json = Record<string, unknown>;

function toSchema(spec: Spec): Json {
  switch (spec.kind) {
    case "object": {
      const properties: Json = {};
      const required: string[] = [];
      for (const [key, field] of Object.entries(spec.fields)) {
        const s: Json = { description: field.description, ...toSchema(field.spec) };
        if (field.default !== undefined) s.default = field.default;
        properties[key] = s;
        if (field.required) required.push(key);
      }
      const out: Json = { type: "object", properties, additionalProperties: false };
      if (required.length > 0) out.required = required;
      if (spec.minProperties !== undefined) out.minProperties = spec.minProperties;
      return out;
    }
    case "array": {
      const out: Json = { type: "array", items: toSchema(spec.items) };
      if (spec.minItems !== undefined) out.minItems = spec.minItems;
      return out;
    }
    case "flag":
      return { oneOf: [{ const: true }, { type: "object", maxProperties: 0 }] };
    case "integer": {
      const out: Json = { type: "integer" };
      if (spec.minimum !== undefined) out.minimum = spec.minimum;
      if (spec.maximum !== undefined) out.maximum = spec.maximum;
      return out;
    }
    case "string": {
      const out: Json = { type: "string" };
      if (spec.enum) out.enum = [...spec.enum];
      if (spec.pattern !== undefined) out.pattern = spec.pattern;
      if (spec.minLength !== undefined) out.minLength = spec.minLength;
      return out;
    }
  }
}

export function deploymentJsonSchema(): Json {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "urn:p4paxos:deployment",
    title: "p4paxos deployment",
    description:
      "Switches, hosts, cabling and Paxos roles of a p4paxos deployment. Structure only: cross-field rules " +
      "(uniqueness, symmetric cabling, one coordinator per group, ...) are checked by `paxosctl validate`. " +
      "Generated from controller/config/deployment-spec.ts; see docs/deployment.md.",
    ...toSchema(DEPLOYMENT_SPEC),
  };
}
