// The server coordinator's control channel: HTTP/JSON, meant for localhost (the controller
// agent runs next to it). Every command is idempotent or states its outcome, so a controller
// can retry after a lost response.
//
//   GET  /status                          counters, per-group round/next/trim, running recoveries
//   POST /takeover {group, round, lo?, hi?}   Phase 1 with FENCE in `round`, then serve from hi + 1
//   POST /recover  {group, lo, hi, round?, fence?, wait?: "phase1"|"decided"}   fill instances
//   POST /gap      {group, lo, hi}           as a learner's GAP report: a fill for what no running fill covers
//   POST /handback {group}                stop serving the group (remove the coordinator role)
import type { Server } from "node:http";
import type { Address } from "../net/address.js";
import { closeHttp, HttpError, intField, readJson, sendJson, serveHttp } from "../net/http.js";
import { type RecoveryInfo, RoundTooLow, type ServerCoordinatorDaemon } from "./daemon.js";

const MAX_U32 = 0xffff_ffff;

function outcome(info: RecoveryInfo): { status: number; body: Record<string, unknown> } {
  if (info.status === "phase1") {
    // Woken before Phase 1 ended: a later takeover of the group superseded it, or shutdown.
    return { status: 409, body: { error: "superseded before Phase 1 completed", ...info } };
  }
  if (info.status === "preempted") {
    return { status: 409, body: { error: `round ${info.round} was preempted`, ...info } };
  }
  return { status: 200, body: { ok: true, ...info } };
}

/** A recovery that outlives the HTTP request keeps running; the caller polls /status. */
function withTimeout(p: Promise<RecoveryInfo>, ms: number): Promise<RecoveryInfo> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HttpError(504, `not finished within ${ms} ms; still running (see /status)`)),
      ms,
    );
  });
  return Promise.race([p, expiry]).finally(() => clearTimeout(timer));
}

export class ControlServer {
  private constructor(
    private readonly server: Server,
    readonly address: Address,
  ) {}

  static async start(daemon: ServerCoordinatorDaemon, bind: Address): Promise<ControlServer> {
    const { server, address } = await serveHttp(bind, async (req, res, url) => {
      const method = req.method ?? "GET";
      if (method === "GET" && url.pathname === "/status") {
        sendJson(res, 200, daemon.stats());
        return;
      }
      if (method !== "POST") throw new HttpError(405, `${method} ${url.pathname} is not supported`);
      const body = await readJson(req);
      const group = intField(body, "group", 0, 0xffff);
      if (!daemon.coordinates(group)) throw new HttpError(400, `group ${group} is not coordinated here`);
      const timeoutMs = intField(body, "timeoutMs", 1, 600_000, 10_000);
      const bounded = async (start: () => Promise<RecoveryInfo>): Promise<RecoveryInfo> => {
        try {
          return await withTimeout(start(), timeoutMs);
        } catch (error) {
          if (error instanceof RoundTooLow) {
            throw new HttpError(409, error.message, {
              status: "preempted",
              round: error.round,
              roundToBeat: error.roundToBeat,
            });
          }
          throw error;
        }
      };
      switch (url.pathname) {
        case "/takeover": {
          const info = await bounded(() =>
            daemon.recover({
              group,
              round: intField(body, "round", 1, MAX_U32),
              lo: body.lo === undefined ? undefined : intField(body, "lo", 1, MAX_U32),
              hi: body.hi === undefined ? undefined : intField(body, "hi", 1, MAX_U32),
              fence: true,
              serve: true,
            }),
          );
          const o = outcome(info);
          sendJson(res, o.status, { ...o.body, next: info.hi + 1 });
          return;
        }
        case "/recover": {
          const wait = body.wait ?? "decided";
          if (wait !== "phase1" && wait !== "decided")
            throw new HttpError(400, "'wait' must be phase1 or decided");
          if (body.fence !== undefined && typeof body.fence !== "boolean")
            throw new HttpError(400, "'fence' must be a boolean");
          const lo = intField(body, "lo", 1, MAX_U32);
          const hi = intField(body, "hi", lo, MAX_U32);
          const request = {
            group,
            lo,
            hi,
            round: body.round === undefined ? undefined : intField(body, "round", 1, MAX_U32),
            fence: body.fence === true,
            serve: false,
          };
          const info = await bounded(() =>
            wait === "phase1" ? daemon.recover(request) : daemon.recoverAndDecide(request),
          );
          const o = outcome(info);
          sendJson(res, o.status, o.body);
          return;
        }
        case "/gap": {
          const lo = intField(body, "lo", 1, MAX_U32);
          const hi = intField(body, "hi", lo, MAX_U32);
          sendJson(res, 200, { group, lo, hi, started: daemon.gap(group, lo, hi) });
          return;
        }
        case "/handback":
          daemon.handBack(group);
          sendJson(res, 200, { ok: true, group });
          return;
        default:
          throw new HttpError(404, `no such command ${url.pathname}`);
      }
    });
    return new ControlServer(server, address);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}
