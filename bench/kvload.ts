// The benchmarks' load client for a KV replica's HTTP API: node:http with keep-alive sockets and
// one timer per request. Same answers as hosts/kv/client.ts's KvClient (a 504, a timeout or a
// connection error is "outcome unknown"), at a fraction of its CPU: Node 20's fetch with
// AbortSignal.timeout costs about 0.7 ms of CPU more per request, which on a 2-core machine
// running the whole deployment too would be the load generator measuring itself.
import { Agent, request } from "node:http";
import type { KvClientResult } from "../hosts/kv/client.js";

const agents = new Map<string, Agent>();

function agentFor(origin: string): Agent {
  let a = agents.get(origin);
  if (!a) {
    a = new Agent({ keepAlive: true, maxSockets: 256 });
    agents.set(origin, a);
  }
  return a;
}

/** Closes the keep-alive sockets (so a finished benchmark process can exit). */
export function closeLoadAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

export class LoadClient {
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 3000,
  ) {
    this.url = new URL(baseUrl);
    this.agent = agentFor(this.url.origin);
  }

  put(key: string, value: string): Promise<KvClientResult> {
    return this.call("PUT", `/kv/${encodeURIComponent(key)}`, value);
  }

  status(): Promise<KvClientResult> {
    return this.call("GET", "/status");
  }

  private call(method: string, path: string, body?: string): Promise<KvClientResult> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: KvClientResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path,
          method,
          agent: this.agent,
          headers: body === undefined ? {} : { "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => {
            text += d;
          });
          res.on("error", (e) => done({ kind: "unknown", error: e.message }));
          res.on("end", () => {
            let parsed: Record<string, unknown>;
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              parsed = { raw: text };
            }
            const status = res.statusCode ?? 0;
            if (status === 504) done({ kind: "unknown", error: String(parsed.error ?? "timeout") });
            else done({ kind: "ok", status, body: parsed });
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done({ kind: "unknown", error: `no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      req.on("error", (e) => done({ kind: "unknown", error: e.message }));
      req.end(body);
    });
  }
}
