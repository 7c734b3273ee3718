// Helpers for controller tests: the example deployments, and edited copies of them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { parseDeployment } from "../../../controller/config/load.js";
import type { Deployment } from "../../../controller/config/types.js";

export const ROOT = join(import.meta.dirname, "..", "..", "..");
export const EXAMPLES = ["single", "classic", "leaf-spine"] as const;

export function exampleText(name: string): string {
  return readFileSync(join(ROOT, "examples", `${name}.yaml`), "utf8");
}

export function example(name: string): Deployment {
  const r = parseDeployment(exampleText(name), `${name}.yaml`);
  if (!r.ok) throw new Error(`${name}.yaml does not validate: ${JSON.stringify(r.errors)}`);
  return r.deployment;
}

type Path = (string | number)[];

export interface Edit {
  set?: [Path, unknown][];
  remove?: Path[];
  add?: [Path, unknown][];
}

/** The example's YAML with keys set, removed or list items appended (positions stay meaningful). */
export function editedText(name: string, edit: Edit): string {
  const doc = parseDocument(exampleText(name));
  for (const [path, value] of edit.set ?? []) doc.setIn(path, doc.createNode(value));
  for (const [path, value] of edit.add ?? []) doc.addIn(path, doc.createNode(value));
  // Remove from the end so earlier list indices stay valid.
  for (const path of [...(edit.remove ?? [])].reverse()) doc.deleteIn(path);
  return String(doc);
}

/** Renames a key inside the mapping at `path`, keeping its value (for typo tests). */
export function renamedKeyText(name: string, path: Path, from: string, to: string): string {
  const doc = parseDocument(exampleText(name));
  const value = doc.getIn([...path, from]);
  doc.deleteIn([...path, from]);
  doc.setIn([...path, to], value);
  return String(doc);
}
