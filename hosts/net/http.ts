// Minimal JSON-over-HTTP helpers shared by the control channel and the KV API: bounded bodies,
// typed errors mapped to status codes, never an unhandled rejection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Address } from "./address.js";

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const MAX_BODY = 64 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, "body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** Starts an HTTP server; HttpErrors become their status, anything else a 500 with its message. */
export function serveHttp(bind: Address, handler: Handler): Promise<{ server: Server; address: Address }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    handler(req, res, url).catch((error: unknown) => {
      if (error instanceof HttpError) sendJson(res, error.status, { error: error.message, ...error.body });
      else sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(bind.port, bind.host, () => {
      server.off("error", reject);
      const a = server.address();
      const port = typeof a === "object" && a ? a.port : bind.port;
      resolve({ server, address: { host: bind.host, port } });
    });
  });
}

export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Integer field of a JSON body, or `fallback` when absent. */
export function intField(
  body: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number {
  const v = body[name];
  if (v === undefined) {
    if (fallback === undefined) throw new HttpError(400, `missing '${name}'`);
    return fallback;
  }
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new HttpError(400, `'${name}' must be an integer in ${min}..${max}`);
  }
  return v;
}
