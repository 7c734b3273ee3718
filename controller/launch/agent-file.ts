// An agent plan as the JSON `paxosctl agent --plan` reads (hosts/plan-file.ts): addresses as
// "ip:port" strings, a server acceptor's floor/join flat in its object.
import type { AgentPlan } from "../../hosts/agent.js";

const isAddress = (v: unknown): v is { host: string; port: number } =>
  typeof v === "object" &&
  v !== null &&
  Object.keys(v).length === 2 &&
  typeof (v as { host?: unknown }).host === "string" &&
  typeof (v as { port?: unknown }).port === "number";

function toJson(v: unknown): unknown {
  if (isAddress(v)) return `${v.host}:${v.port}`;
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x);
    return out;
  }
  return v;
}

export function agentPlanJson(plan: AgentPlan): Record<string, unknown> {
  const out = toJson(plan) as Record<string, unknown>;
  const acc = out.acceptor as Record<string, unknown> | undefined;
  if (acc?.role) {
    const { floor, join } = acc.role as { floor: number; join: number };
    delete acc.role;
    Object.assign(acc, { floor, join });
  }
  return out;
}
