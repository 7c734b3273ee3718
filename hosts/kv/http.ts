// The KV replica's HTTP/JSON API:
//   GET    /kv/KEY                  linearizable read through the log → 200 {found, value} | 404
//   GET    /kv/KEY?consistency=local  this replica's current state, no log round (may be stale)
//   PUT    /kv/KEY   body = value   → 200 {ok: true}
//   DELETE /kv/KEY                  → 200 {deleted}
//   POST   /kv/KEY/cas  {"expected": string|null, "value": string}  → 200 {ok: true} | 409 {ok: false, current}
//   GET    /status                  counters, positions, digest of the store
// KEY is URL-encoded (so a key may contain '/'); values are UTF-8 in JSON, with `valueBase64`
// for exact bytes. Errors: 400 bad request, 413 command does not fit 64 bytes, 503 refused at once
// because too few acceptors are alive ({error, outcome: "not_applied" | "unknown"}), 504 timeout
// ({error, outcome: "unknown"}: the command may still take effect).
import type { Server } from "node:http";
import type { Address } from "../net/address.js";
import { closeHttp, HttpError, readBody, readJson, sendJson, serveHttp } from "../net/http.js";
import { KvEncodeError } from "./command.js";
import { KvRefused, type KvReplica, KvUnavailable } from "./replica.js";
import type { KvResult } from "./state.js";

const utf8 = new TextEncoder();
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");
const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");

function parsePath(pathname: string): { key: Uint8Array; cas: boolean } | null {
  const parts = pathname.split("/");
  // ["", "kv", KEY] or ["", "kv", KEY, "cas"]
  if (parts[1] !== "kv" || parts.length < 3 || parts.length > 4 || parts[2] === "") return null;
  if (parts.length === 4 && parts[3] !== "cas") return null;
  let key: string;
  try {
    key = decodeURIComponent(parts[2]!);
  } catch {
    throw new HttpError(400, "key is not valid URL encoding");
  }
  return { key: utf8.encode(key), cas: parts.length === 4 };
}

function valueField(body: Record<string, unknown>, name: string, nullable: boolean): Uint8Array | null {
  const v = body[name];
  if (v === null && nullable) return null;
  if (typeof v !== "string")
    throw new HttpError(400, `'${name}' must be a string${nullable ? " or null" : ""}`);
  return utf8.encode(v);
}

async function run(replica: KvReplica, command: Parameters<KvReplica["execute"]>[0]): Promise<KvResult> {
  try {
    return await replica.execute(command);
  } catch (error) {
    if (error instanceof KvEncodeError) {
      throw new HttpError(error.kind === "too_large" ? 413 : 400, error.message);
    }
    if (error instanceof KvUnavailable) throw new HttpError(504, error.message, { outcome: "unknown" });
    if (error instanceof KvRefused) throw new HttpError(503, error.message, { outcome: error.outcome });
    throw error;
  }
}

export class KvHttpServer {
  private constructor(
    private readonly server: Server,
    readonly address: Address,
  ) {}

  get url(): string {
    return `http://${this.address.host}:${this.address.port}`;
  }

  static async start(replica: KvReplica, bind: Address): Promise<KvHttpServer> {
    const { server, address } = await serveHttp(bind, async (req, res, url) => {
      const method = req.method ?? "GET";
      if (url.pathname === "/status" && method === "GET") {
        sendJson(res, 200, replica.stats());
        return;
      }
      const path = parsePath(url.pathname);
      if (!path) throw new HttpError(404, "expected /kv/KEY, /kv/KEY/cas or /status");
      const { key, cas } = path;
      if (cas) {
        if (method !== "POST") throw new HttpError(405, "use POST for /kv/KEY/cas");
        const body = await readJson(req);
        const r = await run(replica, {
          op: "cas",
          key,
          expected: valueField(body, "expected", true),
          value: valueField(body, "value", false)!,
        });
        if (r.op !== "cas") throw new Error(`unexpected result ${r.op}`);
        const current = r.current && { current: text(r.current), currentBase64: b64(r.current) };
        sendJson(res, r.ok ? 200 : 409, r.ok ? { ok: true } : { ok: false, current: null, ...current });
        return;
      }
      switch (method) {
        case "GET": {
          if (url.searchParams.get("consistency") === "local") {
            const v = replica.state.read(key);
            sendJson(
              res,
              v ? 200 : 404,
              v ? { found: true, value: text(v), valueBase64: b64(v) } : { found: false },
            );
            return;
          }
          const r = await run(replica, { op: "get", key });
          if (r.op !== "get") throw new Error(`unexpected result ${r.op}`);
          sendJson(
            res,
            r.found ? 200 : 404,
            r.found && r.value
              ? { found: true, value: text(r.value), valueBase64: b64(r.value) }
              : { found: false },
          );
          return;
        }
        case "PUT": {
          const value = new Uint8Array(await readBody(req, 4096));
          const r = await run(replica, { op: "put", key, value });
          sendJson(res, 200, { ok: r.op === "put" });
          return;
        }
        case "DELETE": {
          const r = await run(replica, { op: "del", key });
          if (r.op !== "del") throw new Error(`unexpected result ${r.op}`);
          sendJson(res, 200, { deleted: r.deleted });
          return;
        }
        default:
          throw new HttpError(405, `${method} is not supported on /kv/KEY`);
      }
    });
    return new KvHttpServer(server, address);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}
