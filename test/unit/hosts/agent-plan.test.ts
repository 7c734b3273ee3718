import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentPlanError, agentPlan } from "../../../controller/cli/agent-plan.js";
import { loadDeployment } from "../../../controller/config/index.js";
import { PlanError, parsePlan } from "../../../hosts/plan-file.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");

async function classic() {
  const r = await loadDeployment(join(ROOT, "examples", "classic.yaml"));
  if (!r.ok) throw new Error("classic.yaml must validate");
  return r.deployment;
}

describe("agent plan from a deployment", () => {
  it("gives a KV learner its peers as docs/deployment.md lays them out", async () => {
    const p = agentPlan(await classic(), "l1", { dataDir: "/tmp/x" });
    expect(p.learner).toMatchObject({
      id: 0,
      rank: 0,
      bind: { host: "10.0.0.11", port: 34953 },
      kv: { http: { port: 8080 } },
    });
    expect(p.acceptor).toBeUndefined();
    expect(p.acceptorCount).toBe(5);
    // Switch acceptors on their role address and port 34952, server acceptors on their udpPort.
    expect(p.peers.acceptors).toEqual([
      { host: "10.0.1.2", port: 34952 },
      { host: "10.0.1.3", port: 34952 },
      { host: "10.0.1.4", port: 34952 },
      { host: "10.0.0.14", port: 34953 },
      { host: "10.0.0.15", port: 34953 },
    ]);
    expect(p.peers.coordinators).toEqual({ 0: { host: "10.0.100.1", port: 34952 } });
    expect(p.peers.learnerPeers).toEqual([{ host: "10.0.0.12", port: 34953 }]);
    expect(p.peers.controller).toEqual({ host: "10.0.0.20", port: 34953 });
    expect(p.peers.recovery).toEqual([
      { host: "10.0.0.10", port: 34953 },
      { host: "10.0.0.20", port: 34953 },
    ]);
    expect(p.peers.proposers).toEqual({
      1: { host: "10.0.0.1", port: 34953 },
      2: { host: "10.0.0.2", port: 34953 },
    });
    expect(p.dataDir).toBe("/tmp/x");
  });

  it("plans the server coordinator with its service address and control channel", async () => {
    const p = agentPlan(await classic(), "rc", { bindIp: "0.0.0.0" });
    expect(p.coordinator).toMatchObject({
      id: 2,
      groups: [0],
      bind: { host: "0.0.0.0", port: 34953 },
      service: [{ host: "10.0.100.1", port: 34952 }],
      control: { host: "127.0.0.1", port: 34960 },
    });
    expect(agentPlan(await classic(), "rc", { bindService: false }).coordinator!.service).toEqual([]);
    // classic.yaml has a controller agent: it trims, not the server coordinator.
    expect(p.coordinator!.trimFor).toBeUndefined();
    expect(agentPlan(await classic(), "sa4").acceptor).toEqual({
      id: 4,
      bind: { host: "10.0.0.14", port: 34953 },
    });
  });

  it("refuses hosts without a daemon and unknown hosts", async () => {
    const d = await classic();
    expect(() => agentPlan(d, "p1")).toThrow(AgentPlanError);
    expect(() => agentPlan(d, "p1")).toThrow(/paxosctl propose/);
    expect(() => agentPlan(d, "nobody")).toThrow(/no host 'nobody'/);
  });
});

describe("plan files", () => {
  const base = {
    groups: [0],
    peers: {
      acceptors: ["127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5003"],
      coordinators: { "0": "127.0.0.1:5100" },
    },
  };

  it("parse with defaults", () => {
    const p = parsePlan({
      ...base,
      learner: { id: 1, bind: "127.0.0.1:5200", kv: { http: "127.0.0.1:8080" } },
    });
    expect(p.acceptorCount).toBe(3);
    expect(p.ringSize).toBe(1024);
    expect(p.timing.retryMs).toBe(100);
    expect(p.learner!.kv).toEqual({
      http: { host: "127.0.0.1", port: 8080 },
      window: 16,
      requestTimeoutMs: 5000,
    });
    expect(p.peers.coordinators).toEqual({ 0: { host: "127.0.0.1", port: 5100 } });
  });

  it("report the path of the first problem", () => {
    expect(() => parsePlan({ ...base })).toThrow(/nothing to run/);
    expect(() => parsePlan({ ...base, acceptor: { id: 1, bind: "localhost:1" } })).toThrow(
      /plan.acceptor.bind/,
    );
    expect(() => parsePlan({ ...base, acceptor: { id: 0, bind: "127.0.0.1:1" } })).toThrow(
      /plan.acceptor.id/,
    );
    expect(() => parsePlan({ ...base, learner: { id: 1, bind: "127.0.0.1:1", typo: 1 } })).toThrow(
      /plan.learner.typo: unknown key/,
    );
    expect(() => parsePlan({ ...base, groups: [] })).toThrow(PlanError);
    expect(() => parsePlan([])).toThrow(PlanError);
  });
});
