// P4Runtime over TLS between our client/controller and the embedded switch's server, on real
// loopback sockets: server authentication, mutual TLS, the refusals (plaintext client, untrusted
// CA, missing or foreign client certificate) with readable reasons, a deployment with `tls:`
// reconciled by the Controller, and `paxosctl switch`/`status` flags and messages. The
// certificates are the committed test-only fixtures of test/fixtures/tls (see its README).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { createSwitchCommand } from "../../../controller/cli/switch.js";
import { loadDeployment } from "../../../controller/config/load.js";
import type { Deployment } from "../../../controller/config/types.js";
import { Controller } from "../../../controller/runtime/controller.js";
import { loadPipeline } from "../../../controller/runtime/pipeline.js";
import { P4RuntimeClient, type TlsOptions } from "../../../src/p4runtime/client.js";
import { tableWildcard } from "../../../src/p4runtime/entities.js";
import { Update_Type } from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { P4RuntimeRpcError } from "../../../src/p4runtime/status.js";
import { type SwitchDaemon, startSwitchDaemon } from "../../../src/switch/daemon.js";
import { silentLogger } from "../../../src/switch/p4rt/log.js";
import { idx, JSON_TEXT, P4INFO } from "../../unit/switch/p4rt/helpers.js";

const FIX = fileURLToPath(new URL("../../fixtures/tls/", import.meta.url));
const f = (name: string) => join(FIX, name);

const TRUST: TlsOptions = { rootCertPath: f("ca.pem") };
const WITH_CERT: TlsOptions = { ...TRUST, certChainPath: f("client.pem"), privateKeyPath: f("client.key") };

let plain: SwitchDaemon;
let serverAuth: SwitchDaemon;
let mutual: SwitchDaemon;
let dir: string;

function daemon(tls?: { clientCa?: boolean }): Promise<SwitchDaemon> {
  return startSwitchDaemon({
    grpc: "127.0.0.1:0",
    deviceId: 1n,
    cpuPort: 255,
    ports: [],
    log: silentLogger,
    tls: tls
      ? {
          certPath: f("server.pem"),
          keyPath: f("server.key"),
          clientCaPath: tls.clientCa ? f("ca.pem") : undefined,
        }
      : undefined,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "p4paxos-tls-"));
  [plain, serverAuth, mutual] = await Promise.all([daemon(), daemon({}), daemon({ clientCa: true })]);
});
afterAll(async () => {
  await Promise.all([plain?.close(), serverAuth?.close(), mutual?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A client that does not retry, so a refusal is reported at once. */
function client(address: string, tls?: TlsOptions): P4RuntimeClient {
  return new P4RuntimeClient({ address, deviceId: 1, electionId: 1, tls, reconnect: false });
}

/** The error `connect` rejects with. */
async function refusal(address: string, tls?: TlsOptions): Promise<P4RuntimeRpcError> {
  const c = client(address, tls);
  try {
    const e = await c.connect(2000).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e, "connect should have been refused").toBeInstanceOf(P4RuntimeRpcError);
    return e as P4RuntimeRpcError;
  } finally {
    c.close();
  }
}

/** Primary, pipeline pushed and read back, one entry written and read back. */
async function drive(c: P4RuntimeClient): Promise<void> {
  const a = await c.connect(2000);
  expect(a.primary).toBe(true);
  await c.setPipeline(P4INFO, new TextEncoder().encode(JSON_TEXT), undefined, 42n);
  expect((await c.getPipeline()).cookie?.cookie).toBe(42n);
  await c.write([
    idx.tableUpdate(Update_Type.INSERT, {
      table: "MyIngress.dmac",
      match: { "hdr.ethernet.dstAddr": 2 },
      action: "MyIngress.forward",
      params: { port: 2 },
    }),
  ]);
  const entries = await c.read([tableWildcard(idx.tables.find("MyIngress.dmac")!.preamble!.id)]);
  expect(entries).toHaveLength(1);
}

describe("embedded switch P4Runtime server with TLS", () => {
  it("serves a client that trusts its CA, by IP and by name (subjectAltName IP:127.0.0.1, DNS:localhost)", async () => {
    expect(serverAuth.tls).toBe("on");
    const port = serverAuth.grpcAddress.split(":")[1];
    const byIp = client(`127.0.0.1:${port}`, TRUST);
    try {
      await drive(byIp);
    } finally {
      byIp.close();
    }
    const byName = client(`localhost:${port}`, TRUST);
    try {
      expect((await byName.connect(2000)).primary).toBe(true);
      expect(await byName.capabilities()).toBe("1.4.1");
    } finally {
      byName.close();
    }
  });

  it("refuses a plaintext client, saying the switch may require TLS", async () => {
    const e = await refusal(serverAuth.grpcAddress);
    expect(e.code).toBe(grpc.status.UNAVAILABLE);
    expect(e.message).toMatch(/closed the connection during setup; it may require TLS/);
  });

  it("a client trusting an unrelated CA refuses the switch: certificate signed by unknown authority", async () => {
    const e = await refusal(serverAuth.grpcAddress, { rootCertPath: f("other-ca.pem") });
    expect(e.code).toBe(grpc.status.UNAVAILABLE);
    expect(e.message).toMatch(/^TLS handshake failed: certificate signed by unknown authority \(.+\)/);
    expect(e.message).not.toMatch(/No connection established|Resolution note|deps\/openssl/);
  });

  it("a TLS client of a plaintext switch is told the switch does not speak TLS", async () => {
    const e = await refusal(plain.grpcAddress, TRUST);
    expect(e.message).toMatch(/^TLS handshake failed: the server does not speak TLS on this port/);
  });

  it("a retrying client's connect deadline carries the last handshake failure", async () => {
    const c = new P4RuntimeClient({
      address: serverAuth.grpcAddress,
      deviceId: 1,
      electionId: 1,
      tls: { rootCertPath: f("other-ca.pem") },
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    try {
      const e = (await c.connect(300).catch((x: unknown) => x)) as P4RuntimeRpcError;
      expect(e.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(e.message).toMatch(
        /^no arbitration from 127\.0\.0\.1:\d+ within 300 ms: TLS handshake failed: certificate signed by unknown authority/,
      );
    } finally {
      c.close();
    }
  });

  describe("mutual TLS (--tls-ca)", () => {
    it("refuses a client without a certificate", async () => {
      expect(mutual.tls).toBe("mutual");
      const e = await refusal(mutual.grpcAddress, TRUST);
      expect(e.message).toMatch(/^TLS handshake failed: the server requires a client certificate/);
    });

    it("refuses a client certificate signed by another CA", async () => {
      const e = await refusal(mutual.grpcAddress, {
        ...TRUST,
        certChainPath: f("other-client.pem"),
        privateKeyPath: f("other-client.key"),
      });
      expect(e.code).toBe(grpc.status.UNAVAILABLE);
      expect(e.message).toMatch(/refused this client's certificate|may not trust this client's certificate/);
    });

    it("refuses plaintext and unary calls alike", async () => {
      const c = client(mutual.grpcAddress);
      try {
        const e = (await c.capabilities().catch((x: unknown) => x)) as P4RuntimeRpcError;
        expect(e).toBeInstanceOf(P4RuntimeRpcError);
        expect(e.message).toMatch(/it may require TLS/);
      } finally {
        c.close();
      }
    });

    it("serves a client with a certificate the CA signed", async () => {
      const c = client(mutual.grpcAddress, WITH_CERT);
      try {
        await drive(c);
      } finally {
        c.close();
      }
    });
  });
});

// --- the deployment path ----------------------------------------------------------------------

function deploymentYaml(address: string, tls: string | null, stateFile: string): string {
  return `name: tlstest
paxos:
  groups:
    - { id: 0, serviceIp: 10.0.100.1 }
  stateFile: ${stateFile}
switches:
  - name: s1
    address: ${address}
    deviceId: 1
    ip: 10.0.1.1
    mac: 02:00:00:00:01:01
${tls ? `    tls: ${tls}\n` : ""}    roles:
      coordinator: { id: 1 }
      acceptor: { id: 1 }
    ports:
      - { port: 1, to: p1 }
      - { port: 2, to: l1 }
      - { port: 3, to: sa2 }
      - { port: 4, to: sa3 }
hosts:
  - { name: p1, ip: 10.0.0.1, mac: "00:00:00:00:00:01", switch: s1, port: 1, roles: { proposer: { id: 1 } } }
  - { name: l1, ip: 10.0.0.11, mac: "00:00:00:00:00:0b", switch: s1, port: 2, roles: { learner: { id: 0 } } }
  - { name: sa2, ip: 10.0.0.21, mac: "00:00:00:00:00:15", switch: s1, port: 3, roles: { server-acceptor: { id: 2 } } }
  - { name: sa3, ip: 10.0.0.22, mac: "00:00:00:00:00:16", switch: s1, port: 4, roles: { server-acceptor: { id: 3 } } }
`;
}

async function deployment(
  name: string,
  address: string,
  tls: string | null,
): Promise<{ path: string; d: Deployment }> {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, deploymentYaml(address, tls, join(dir, `${name}.state.json`)));
  const loaded = await loadDeployment(path);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return { path, d: loaded.deployment };
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

describe("deployments with tls:", () => {
  it("the Controller reconciles a switch that requires mutual TLS", async () => {
    const sw = await daemon({ clientCa: true });
    try {
      const tls = `{ ca: ${f("ca.pem")}, cert: ${f("client.pem")}, key: ${f("client.key")} }`;
      const { d } = await deployment("mutual", sw.grpcAddress, tls);
      expect(d.switches[0]!.tls).toEqual({ ca: f("ca.pem"), cert: f("client.pem"), key: f("client.key") });
      const pipeline = loadPipeline(d);
      const logs: string[] = [];
      const c = new Controller({
        deployment: d,
        pipeline,
        stateFile: d.paxos.stateFile,
        log: (l) => logs.push(l),
        connectTimeoutMs: 2000,
      });
      try {
        c.loadState();
        expect(await c.connect()).toEqual([]);
        const [report] = await c.reconcileAll();
        expect(report).toMatchObject({ switch: "s1", pushedPipeline: true, failures: [] });
        expect(report!.written).toBeGreaterThan(5);
        // The switch runs the deployment's pipeline and holds what was written.
        expect(sw.device.pipeline?.cookie).toBe(pipeline.cookie);
        expect((await c.reconcileAll())[0]).toMatchObject({ pushedPipeline: false, written: 0 });
      } finally {
        await c.close();
      }
      expect(logs.filter((l) => /unreachable/.test(l))).toEqual([]);
    } finally {
      await sw.close();
    }
  });

  it("status and up explain a TLS handshake failure", async () => {
    const wrongCa = await deployment("wrong-ca", serverAuth.grpcAddress, `{ ca: ${f("other-ca.pem")} }`);
    const s = await cli("status", "-c", wrongCa.path, "--timeout-ms", "1000");
    expect(s.code).toBe(3);
    expect(s.out).toMatch(
      /s1 +127\.0\.0\.1:\d+ +UNREACHABLE\n +s1: unreachable at 127\.0\.0\.1:\d+ \(TLS handshake failed: certificate signed by unknown authority/,
    );

    const noTls = await deployment("no-tls", serverAuth.grpcAddress, null);
    const p = await cli("status", "-c", noTls.path, "--timeout-ms", "1000");
    expect(p.code).toBe(3);
    expect(p.out).toMatch(/s1: unreachable at 127\.0\.0\.1:\d+ \(.*it may require TLS/);

    const up = await cli("up", "-c", wrongCa.path, "--connect-timeout-ms", "300", "--agent", "none");
    expect(up.code).toBe(3);
    expect(up.out).toMatch(
      /s1: unreachable at 127\.0\.0\.1:\d+ \(no arbitration from 127\.0\.0\.1:\d+ within 300 ms: TLS handshake failed: certificate signed by unknown authority/,
    );
    expect(up.err).toContain("unreachable: s1");
  });
});

// --- paxosctl switch ----------------------------------------------------------------------------

describe("paxosctl switch --tls-cert/--tls-key/--tls-ca", () => {
  it("refuses bad TLS flags and files with a usage error naming the flag, no stack trace", async () => {
    const cases: [string[], RegExp][] = [
      [["--tls-cert", f("server.pem")], /--tls-cert and --tls-key go together/],
      [["--tls-key", f("server.key")], /--tls-cert and --tls-key go together/],
      [["--tls-ca", f("ca.pem")], /--tls-ca \(mutual TLS\) needs --tls-cert and --tls-key/],
      [
        ["--tls-cert", join(dir, "nope.pem"), "--tls-key", f("server.key")],
        /--tls-cert .*nope\.pem: cannot read certificate \(no such file\)/,
      ],
      [
        ["--tls-cert", f("server.pem"), "--tls-key", FIX],
        /--tls-key .*: cannot read private key \(is a directory\)/,
      ],
      [
        ["--tls-cert", f("server.key"), "--tls-key", f("server.key")],
        /--tls-cert .*server\.key: not a PEM certificate/,
      ],
      [
        ["--tls-cert", f("server.pem"), "--tls-key", f("client.key")],
        /--tls-key .*client\.key does not belong to the certificate in --tls-cert/,
      ],
      [
        ["--tls-cert", f("server.pem"), "--tls-key", f("server.key"), "--tls-ca", f("server.key")],
        /--tls-ca .*server\.key: not a PEM CA certificate/,
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await cli("switch", "--grpc", "127.0.0.1:0", ...flags);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.err, flags.join(" ")).toMatch(message);
      expect(r.err).toMatch(/Try 'paxosctl switch --help'/);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe("");
    }
  });

  it("documents the flags in --help", async () => {
    const h = await cli("switch", "--help");
    for (const flag of [
      "--tls-cert FILE",
      "--tls-key FILE",
      "--tls-ca FILE",
      "--grpc-server-with-client-auth",
    ])
      expect(h.out).toContain(flag);
  });

  it("serves mutual TLS from the flags and says so in the ready line", async () => {
    let stop: (s: string) => void = () => {};
    const stopped = new Promise<string>((r) => {
      stop = r;
    });
    const out: string[] = [];
    const args = ["--grpc", "127.0.0.1:0", "--log-level", "silent"];
    args.push("--tls-cert", f("server.pem"), "--tls-key", f("server.key"), "--tls-ca", f("ca.pem"));
    const done = createSwitchCommand(() => stopped).run(args, { out: (t) => out.push(t), err: () => {} });
    try {
      while (out.length === 0) await new Promise((r) => setTimeout(r, 10));
      const m = /^switch ready: grpc=(\S+) .* pipeline=none tls=mutual$/.exec(out[0]!);
      expect(m, out[0]).not.toBeNull();
      expect((await refusal(m![1]!, TRUST)).message).toMatch(/requires a client certificate/);
      const c = client(m![1]!, WITH_CERT);
      try {
        expect((await c.connect(2000)).primary).toBe(true);
      } finally {
        c.close();
      }
    } finally {
      stop("SIGTERM");
      expect(await done).toBe(0);
    }
  });
});
