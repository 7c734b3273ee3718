// HTTP client for a KV replica (used by `paxosctl kv` and the tests). Node's fetch; every call
// has a deadline, and a timeout or connection error is reported as "outcome unknown"; a 503 is
// the replica's refusal (no quorum of acceptors) with the outcome it knows.

export type KvClientResult =
  | { kind: "ok"; status: number; body: Record<string, unknown> }
  /** No answer: the operation may or may not have taken effect. */
  | { kind: "unknown"; error: string }
  /**
   * Refused at once (503): too few acceptors alive. "not_applied": it never takes effect;
   * "unknown": it may still (an earlier attempt may be decided).
   */
  | { kind: "refused"; error: string; outcome: "not_applied" | "unknown" };

export class KvClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  get(key: string, local = false): Promise<KvClientResult> {
    return this.call("GET", `/kv/${encodeURIComponent(key)}${local ? "?consistency=local" : ""}`);
  }

  put(key: string, value: string): Promise<KvClientResult> {
    return this.call("PUT", `/kv/${encodeURIComponent(key)}`, value);
  }

  del(key: string): Promise<KvClientResult> {
    return this.call("DELETE", `/kv/${encodeURIComponent(key)}`);
  }

  cas(key: string, expected: string | null, value: string): Promise<KvClientResult> {
    return this.call("POST", `/kv/${encodeURIComponent(key)}/cas`, JSON.stringify({ expected, value }));
  }

  status(): Promise<KvClientResult> {
    return this.call("GET", "/status");
  }

  private async call(method: string, path: string, body?: string): Promise<KvClientResult> {
    try {
      const res = await fetch(new URL(path, this.baseUrl), {
        method,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const textBody = await res.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(textBody) as Record<string, unknown>;
      } catch {
        parsed = { raw: textBody };
      }
      // A 504 from the replica is its own timeout: the command may still be applied.
      if (res.status === 504) return { kind: "unknown", error: String(parsed.error ?? "timeout") };
      if (res.status === 503)
        return {
          kind: "refused",
          error: String(parsed.error ?? "refused"),
          outcome: parsed.outcome === "not_applied" ? "not_applied" : "unknown",
        };
      return { kind: "ok", status: res.status, body: parsed };
    } catch (error) {
      return { kind: "unknown", error: error instanceof Error ? error.message : String(error) };
    }
  }
}
