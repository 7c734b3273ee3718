// Checks plain data (from YAML or JSON) against a Spec: types, required keys, unknown keys,
// ranges, patterns. Returns a copy with defaults filled in; every problem goes to `problems`.
import { describeValue, type PathPart, type Problems } from "./errors.js";
import { describeSpec, type ObjectSpec, type Spec } from "./spec.js";

/** Closest known key to a typo (edit distance ≤ 2), for "did you mean" hints. */
function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkObject(spec: ObjectSpec, value: unknown, path: PathPart[], problems: Problems): unknown {
  if (!isPlainObject(value)) {
    problems.error(path, "wrong type", { expected: "a mapping", found: describeValue(value) });
    return undefined;
  }
  const known = Object.keys(spec.fields);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!(key in spec.fields)) {
      const hint = suggest(key, known);
      problems.error([...path, key], `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ""}`, {
        expected: `one of ${known.join(", ")}`,
        found: `'${key}'`,
        atKey: true,
      });
    }
  }
  for (const [key, field] of Object.entries(spec.fields)) {
    const present = Object.hasOwn(value, key) && value[key] !== undefined;
    if (!present) {
      if (field.required) {
        problems.error(path, `missing required key '${key}'`, {
          expected: describeSpec(field.spec),
          found: "nothing",
        });
      } else if (field.default !== undefined) {
        // Defaults are validated too, which fills in their own nested defaults.
        out[key] = checkValue(field.spec, structuredClone(field.default), [...path, key], problems);
      }
      continue;
    }
    const checked = checkValue(field.spec, value[key], [...path, key], problems);
    if (checked !== undefined) out[key] = checked;
  }
  if (spec.minProperties !== undefined && Object.keys(value).length < spec.minProperties) {
    problems.error(path, `needs at least ${spec.minProperties} key(s)`, {
      expected: `at least one of ${known.join(", ")}`,
      found: "an empty mapping",
    });
  }
  return out;
}

/** Validates `value` against `spec`; returns the checked copy, or undefined if it is unusable. */
export function checkValue(spec: Spec, value: unknown, path: PathPart[], problems: Problems): unknown {
  switch (spec.kind) {
    case "object":
      return checkObject(spec, value, path, problems);
    case "array": {
      if (!Array.isArray(value)) {
        problems.error(path, "wrong type", { expected: "a list", found: describeValue(value) });
        return undefined;
      }
      if (spec.minItems !== undefined && value.length < spec.minItems) {
        problems.error(path, `needs at least ${spec.minItems} item(s)`, {
          expected: `a list of at least ${spec.minItems}`,
          found: `${value.length}`,
        });
      }
      const out: unknown[] = [];
      value.forEach((item, i) => {
        out.push(checkValue(spec.items, item, [...path, i], problems));
      });
      return out;
    }
    case "flag": {
      if (value === true || (isPlainObject(value) && Object.keys(value).length === 0)) return true;
      problems.error(path, "wrong value", { expected: "true or {}", found: describeValue(value) });
      return undefined;
    }
    case "integer": {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        problems.error(path, "wrong type", { expected: describeSpec(spec), found: describeValue(value) });
        return undefined;
      }
      if (
        (spec.minimum !== undefined && value < spec.minimum) ||
        (spec.maximum !== undefined && value > spec.maximum)
      ) {
        problems.error(path, "out of range", { expected: describeSpec(spec), found: String(value) });
        return undefined;
      }
      return value;
    }
    case "string": {
      if (typeof value !== "string") {
        problems.error(path, "wrong type", { expected: describeSpec(spec), found: describeValue(value) });
        return undefined;
      }
      if (spec.enum && !spec.enum.includes(value)) {
        problems.error(path, "not an allowed value", {
          expected: describeSpec(spec),
          found: describeValue(value),
        });
        return undefined;
      }
      if (spec.minLength !== undefined && value.length < spec.minLength) {
        problems.error(path, "too short", { expected: describeSpec(spec), found: describeValue(value) });
        return undefined;
      }
      if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value)) {
        problems.error(path, "wrong format", { expected: describeSpec(spec), found: describeValue(value) });
        return undefined;
      }
      return value;
    }
  }
}
