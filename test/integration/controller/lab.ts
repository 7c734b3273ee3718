// The loopback lab of docs/operator-guide.md: the test deployment's five embedded switches on
// 127.0.0.1:50001–50005 (gRPC) wired by UDP tunnels, with the hosts' real daemons behind their
// cables — server coordinator rc (control channel on 127.0.0.1:34960, the agent default),
// learners l1 and l2, the proposer p1 (requests.ts) sending one request every 100 ms — and the controller
// agent's cable ending at 127.0.0.1:34999, where `paxosctl up --daemon --agent` listens.
// No controller runs here: the operator runs paxosctl against it. SIGUSR1 powers the
// coordinator switch off; SIGUSR2 starts it again, empty (a reboot).
//
//   npx tsc -p tsconfig.json --noEmit false --outDir /tmp/lab && node /tmp/lab/test/integration/controller/lab.js DIR
import { Cluster, enc } from "./cluster.js";

export async function runLab(dir: string): Promise<Cluster> {
  const c = await Cluster.start({
    // Everything runs in this one process: give a busy event loop some slack.
    timeouts: { heartbeatMs: 100, failoverMs: 1000 },
    grpc: { coord: 50001, acc1: 50002, acc2: 50003, acc3: 50004, edge: 50005 },
    dir,
    // Relative: paxosctl runs in DIR.
    stateFile: "state/lab.json",
  });
  await c.startServerCoordinator({ host: "127.0.0.1", port: 34960 });
  await c.startLearner();
  c.wireAgent({ host: "127.0.0.1", port: 34999 });
  // A new request every 100 ms, each resent every 150 ms until l1 applies it.
  const p = await c.startProposer();
  let n = 0;
  setInterval(() => {
    p.propose(enc(`v${++n}`), 60_000).catch(() => {});
  }, 100);
  setInterval(() => {
    process.stdout.write(`lab: ${n} requests, ${p.counts.decided} decided, ${p.waiting} waiting\n`);
  }, 5000);
  return c;
}

if (process.argv[1]?.endsWith("lab.js")) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: node lab.js DIR   (DIR receives deploy.yaml and the state file)\n");
    process.exit(2);
  }
  const c = await runLab(dir);
  process.stdout.write(`lab: deployment ${c.fabric.configPath}\n`);
  process.on(
    "SIGUSR1",
    () => void c.fabric.stop("coord").then(() => process.stdout.write("lab: coord switch stopped\n")),
  );
  process.on(
    "SIGUSR2",
    () =>
      void c.fabric.start("coord").then(() => process.stdout.write("lab: coord switch started (empty)\n")),
  );
  const stop = () => {
    setTimeout(() => process.exit(0), 1000).unref();
    void c.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
