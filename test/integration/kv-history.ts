// Records KV operations sent through KvClient as a history for the linearizability checker, on
// one clock shared by every client of a test, so concurrent clients can be checked together.

import { outputOf, sendKvOp } from "../../controller/launch/workload.js";
import type { KvClient, KvClientResult } from "../../hosts/kv/client.js";
import type { HistoryOp, KvOp } from "../../hosts/kv/linearizability.js";

export class KvHistory {
  readonly ops: HistoryOp[] = [];
  /** Answers that are not answers of the operation (a refused request): a bug, not an outage. */
  readonly errors: string[] = [];
  unknown = 0;
  /** Refused and known not applied (503, no quorum): left out of the history. */
  refused = 0;
  private readonly t0 = performance.now();

  /** Sends one operation through `client` and records its invocation, completion and answer. */
  async run(client: KvClient, process: number, key: string, op: KvOp): Promise<KvClientResult> {
    const invoke = performance.now() - this.t0;
    const res = await sendKvOp(client, key, op);
    if (res.kind === "refused" && res.outcome === "not_applied") {
      // Never takes effect, so not an operation; if it did, the checker sees a value from nowhere.
      this.refused++;
      return res;
    }
    const h: HistoryOp = { id: this.ops.length, process, key, op, invoke, complete: null, output: null };
    this.ops.push(h);
    if (res.kind === "ok") {
      const out = outputOf(op, res);
      if (out) {
        h.complete = performance.now() - this.t0;
        h.output = out;
      } else {
        this.errors.push(`${op.kind} ${key}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      }
    } else {
      this.unknown++;
    }
    return res;
  }
}
