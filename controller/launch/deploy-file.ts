// The deployment file a launched cluster runs: the user's file with each switch's P4Runtime
// address replaced by its loopback port, the state file moved into the run directory and the
// P4 program made absolute. Comments and everything else are kept (pure: text in, text out).
import { isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";

export interface Rewrite {
  /** Switch name → "127.0.0.1:PORT". */
  addresses: Record<string, string>;
  stateFile: string;
  /** Directory relative `p4.program` paths are resolved against (the working directory). */
  baseDir: string;
}

export class DeployFileError extends Error {
  override readonly name = "DeployFileError";
}

export function rewriteDeployment(text: string, r: Rewrite): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new DeployFileError(doc.errors[0]!.message);
  const switches = doc.get("switches");
  const n = (switches as { items?: unknown[] } | undefined)?.items?.length ?? 0;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const name = doc.getIn(["switches", i, "name"]);
    if (typeof name !== "string" || !(name in r.addresses)) continue;
    doc.setIn(["switches", i, "address"], r.addresses[name]);
    seen.add(name);
  }
  for (const name of Object.keys(r.addresses))
    if (!seen.has(name)) throw new DeployFileError(`switch '${name}' not found in the file`);
  doc.setIn(["paxos", "stateFile"], r.stateFile);
  const program = doc.getIn(["p4", "program"]);
  const p4 = typeof program === "string" ? program : "p4/paxos.p4";
  doc.setIn(["p4", "program"], isAbsolute(p4) ? p4 : resolve(r.baseDir, p4));
  return doc.toString();
}
