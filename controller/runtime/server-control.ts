// Client of a server coordinator's control channel (hosts/coordinator/control.ts): HTTP/JSON
// commands for takeover, recovery and hand-back (protocol §7).

export class ServerControlError extends Error {
  override readonly name = "ServerControlError";
  constructor(
    message: string,
    /** From a 409: the round the server coordinator has seen, which a new attempt must exceed. */
    readonly roundToBeat?: number,
  ) {
    super(message);
  }
}

export interface RecoveryReply {
  lo: number;
  hi: number;
  round: number;
  status: string;
  next?: number;
  roundToBeat?: number;
}

export class ServerControl {
  constructor(
    /** "host:port" of the control channel. */
    readonly address: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async call(method: "GET" | "POST", path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`http://${this.address}${path}`, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body:
          body === undefined ? undefined : JSON.stringify({ ...(body as object), timeoutMs: this.timeoutMs }),
        signal: AbortSignal.timeout(this.timeoutMs + 1000),
      });
    } catch (e) {
      throw new ServerControlError(`server coordinator at ${this.address}: ${(e as Error).message}`);
    }
    let data: Record<string, unknown>;
    try {
      data = (await res.json()) as Record<string, unknown>;
    } catch {
      throw new ServerControlError(
        `server coordinator at ${this.address}: ${path} answered ${res.status} without JSON`,
      );
    }
    if (!res.ok)
      throw new ServerControlError(
        `server coordinator at ${this.address}: ${path}: ${String(data.error ?? res.status)}`,
        typeof data.roundToBeat === "number" ? data.roundToBeat : undefined,
      );
    return data;
  }

  /** Phase 1 with FENCE in `round` from `lo`, then serve the group from hi + 1. */
  async takeover(group: number, round: number, lo: number): Promise<RecoveryReply> {
    return (await this.call("POST", "/takeover", { group, round, lo })) as unknown as RecoveryReply;
  }

  /**
   * Recover [lo, hi] in `round` (default: a fresh round of the server coordinator's own; with
   * FENCE: a hand-back), answering once `wait` is reached (it keeps running after "phase1").
   */
  async recover(
    group: number,
    lo: number,
    hi: number,
    round: number | undefined,
    fence: boolean,
    wait: "phase1" | "decided" = "decided",
  ): Promise<RecoveryReply> {
    return (await this.call("POST", "/recover", {
      group,
      lo,
      hi,
      round,
      fence,
      wait,
    })) as unknown as RecoveryReply;
  }

  /** A gap report for [lo, hi]: the server coordinator fills what no running fill covers. */
  async gap(group: number, lo: number, hi: number): Promise<{ started: boolean }> {
    return (await this.call("POST", "/gap", { group, lo, hi })) as unknown as { started: boolean };
  }

  async handback(group: number): Promise<void> {
    await this.call("POST", "/handback", { group });
  }

  /** Per-group round / next / trim of the server coordinator. */
  async groups(): Promise<Record<string, { round: number; next: number; trim: number }>> {
    const s = await this.call("GET", "/status");
    return (s.groups ?? {}) as Record<string, { round: number; next: number; trim: number }>;
  }
}
