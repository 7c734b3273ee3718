// Maps a key path back to a line:col in the parsed YAML/JSON document.
import { type Document, isMap, isScalar, isSeq, type LineCounter } from "yaml";
import type { PathPart } from "./errors.js";

interface Ranged {
  range?: [number, number, number] | null;
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Ranged | null | undefined)?.range;
  return r ? r[0] : undefined;
}

/** Locator for Problems: the value at `path` (or its key, with `atKey`), else the deepest node found. */
export function makeLocator(
  doc: Document,
  lineCounter: LineCounter,
): (path: readonly PathPart[], atKey: boolean) => { line: number; col: number } | undefined {
  return (path, atKey) => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    let best = rangeStart(node);
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === part);
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof part === "number") {
        keyNode = undefined;
        node = node.items[part];
      } else {
        break;
      }
      const start = rangeStart(atKey && keyNode ? keyNode : node) ?? rangeStart(keyNode);
      if (start !== undefined) best = start;
    }
    return best === undefined ? undefined : lineCounter.linePos(best);
  };
}
