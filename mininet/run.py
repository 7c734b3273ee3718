#!/usr/bin/python3
"""Interactive Mininet network with everything deployed (make mininet).

Builds the topology of a deployment file, starts one switch process per switch (the embedded
switch, or simple_switch_grpc with --bmv2), the host agents (server acceptors, server
coordinator, learners with their KV replicas) and the controller daemon, then opens the Mininet
CLI. Leaving the CLI (exit or Ctrl-D) tears down exactly what this script started.

  sudo /usr/bin/python3 mininet/run.py [--deployment examples/classic.yaml] [--bmv2] [--no-cli]

In the CLI, for example:
  p1 node mininet/load.mjs 10.0.100.1 10.0.0.11:34953 demo 2000 100 8 5000
  p1 node bin/paxosctl propose --service 10.0.100.1 --learner 10.0.0.11:34953 hello
  p1 node bin/paxosctl kv --replica http://10.0.0.11:8080 put color blue
  sh node bin/paxosctl status -c build/mininet/deployment.yaml
"""

import argparse
import os
import signal
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from p4paxos_net import ROOT, P4PaxosNet, fresh_dir, prepare_deployment  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deployment", default=os.path.join(ROOT, "examples", "classic.yaml"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "mininet"), help="state, logs, rewritten deployment")
    ap.add_argument("--bmv2", action="store_true", help="simple_switch_grpc instead of the embedded switch")
    ap.add_argument("--no-cli", action="store_true", help="deploy, print the summary and tear down (a smoke test)")
    args = ap.parse_args()
    # SIGTERM (make killed, CI timeout) unwinds like Ctrl-C, so teardown still runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0:
        print("mininet: needs root (network namespaces, raw sockets)", file=sys.stderr)
        return 2
    work = fresh_dir(args.work)
    dep = prepare_deployment(args.deployment, work)
    pnet = P4PaxosNet(dep, work, bmv2=args.bmv2)
    try:
        pnet.build()
        pnet.start_switches()
        pnet.start_agents()
        pnet.start_controller()
        pnet.wait_log("controller", "controller running", 90)
        print("*** deployed %s (deployment %s); logs in %s" % (pnet.dep["name"], dep, pnet.logs))
        for s in pnet.dep["switches"]:
            print("    switch %-8s P4Runtime %s" % (s["name"], s["address"]))
        for h in pnet.dep["hosts"]:
            print("    host   %-8s %-12s %s" % (h["name"], h["ip"], ", ".join(sorted(h.get("roles", {})))))
        if not args.no_cli:
            from mininet.cli import CLI

            CLI(pnet.net)
    finally:
        pnet.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
