#!/usr/bin/python3
"""End-to-end fault scenarios on a Mininet network built from a deployment (make e2e).

Each scenario builds a fresh network from the deployment, starts the switches, the host agents
and the controller daemon (`paxosctl up --daemon`), runs load from the proposer hosts while it
injects its fault, and then checks the learners' logs: agreement, in-order delivery, at-most-once
effect and progress. It writes build/e2e/<scenario>.json and tears down everything it started,
also on failure. Exit code 0 when every scenario passed.

  sudo /usr/bin/python3 mininet/e2e.py [--deployment examples/classic.yaml] [--scenarios 1,2,3]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import check_logs, read_log  # noqa: E402
from p4paxos_net import ROOT, P4PaxosNet, fresh_dir, prepare_deployment, run  # noqa: E402

LOAD_JS = os.path.join(ROOT, "mininet", "load.mjs")
KVLOAD_JS = os.path.join(ROOT, "mininet", "kvload.mjs")


class Load:
    """One load client on a proposer host; collects its JSON lines as they arrive."""

    def __init__(self, pnet, host, tag, duration_ms, count=10**9, window=8, timeout_ms=30000, group=0):
        dep = pnet.dep
        service = next(g["serviceIp"] for g in dep["paxos"]["groups"] if int(g["id"]) == group)
        learners = ",".join(
            "%s:%d" % (h["ip"], int(h.get("udpPort", 34953))) for h in dep["hosts"] if "learner" in h.get("roles", {})
        )
        node = pnet.net.get(host)
        cmd = ["mnexec", "-a", str(node.pid), "node", LOAD_JS, service, learners, tag, str(duration_ms), str(count), str(window), str(timeout_ms), str(group)]
        self.lines = []
        self.jsonl = os.path.join(pnet.logs, "load-%s.jsonl" % tag)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(pnet.logs, "load-%s.log" % tag), "w"), text=True, start_new_session=True)
        pnet.procs["load-" + tag] = (self.proc, os.path.join(pnet.logs, "load-%s.log" % tag))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        with open(self.jsonl, "w") as keep:
            for line in self.proc.stdout:
                keep.write(line)
                keep.flush()
                self._take(line)

    def _take(self, line):
        try:
            self.lines.append(json.loads(line))
        except ValueError:
            pass

    def wait(self, timeout):
        self.proc.wait(timeout)
        self.thread.join(5)

    def results(self):
        return [r for r in self.lines if "value" in r]

    def ok_values(self):
        return [r["value"] for r in self.results() if r["ok"]]

    def all_values(self):
        return [r["value"] for r in self.results()]

    def submitted_after(self, t0):
        """Completion times of delivered requests submitted after t0 (completion − latency)."""
        return sorted(r["t"] / 1000.0 for r in self.results() if r["ok"] and r["t"] / 1000.0 - r["latencyMs"] / 1000.0 > t0)

    def ok_times(self):
        return sorted(r["t"] / 1000.0 for r in self.results() if r["ok"])


def max_gap(times, lo, hi):
    """Longest stretch without a delivery between lo and hi (seconds)."""
    pts = [lo] + [t for t in times if lo < t < hi] + [hi]
    return round(max(b - a for a, b in zip(pts, pts[1:])), 3)


def first_after(times, t0):
    later = [t for t in times if t > t0]
    return later[0] if later else None


class Scenario:
    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.work = fresh_dir(os.path.join(args.out, name))
        self.report = {"scenario": name, "deployment": os.path.basename(args.deployment)}
        self.net = None
        self.loads = []
        # Only the partition scenario takes away a quorum: refusals anywhere else are a bug.
        self.quorum_loss_expected = False

    def setup(self, impair=None):
        dep = prepare_deployment(self.args.deployment, self.work)
        self.net = P4PaxosNet(dep, self.work, bmv2=self.args.bmv2, impair=impair)
        t0 = time.time()
        self.net.build()
        self.net.start_switches()
        self.net.start_agents()
        self.net.start_controller()
        self.net.wait_log("controller", "controller running", 90)
        self.report["setupSeconds"] = round(time.time() - t0, 2)

    def load(self, duration_ms, window=8, tag_suffix=""):
        hosts = [h["name"] for h in self.net.dep["hosts"] if "proposer" in h.get("roles", {})]
        groups = [int(g["id"]) for g in self.net.dep["paxos"]["groups"]]
        # One client per proposer host and group, so every group of a multi-group deployment
        # carries load (an idle group would only be filled with no-ops).
        ls = [
            Load(self.net, h, "%s%s%s" % (h, "g%d" % g if len(groups) > 1 else "", tag_suffix), duration_ms, window=window, group=g)
            for h in hosts
            for g in groups
        ]
        self.loads += ls
        return ls

    def kv(self, duration_ms, clients=4):
        """KV workload against every KV replica from the first proposer host; its history is
        checked for linearizability (mininet/kvload.mjs)."""
        urls = ",".join("http://%s:8080" % h["ip"] for h in self.net.dep["hosts"] if h.get("roles", {}).get("kv"))
        host = next(h["name"] for h in self.net.dep["hosts"] if "proposer" in h.get("roles", {}))
        node = self.net.net.get(host)
        out = os.path.join(self.net.logs, "kvload.json")
        cmd = ["mnexec", "-a", str(node.pid), "node", KVLOAD_JS, urls, str(duration_ms), str(clients)]
        p = subprocess.Popen(cmd, stdout=open(out, "w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.net.procs["kvload"] = (p, out)
        self.kv_out = out

    def wait_loads(self, timeout=90):
        for l in self.loads:
            l.wait(timeout)
        if getattr(self, "kv_out", None):
            self.net.procs["kvload"][0].wait(timeout)

    def learner_logs(self):
        out = {}
        for h in self.net.dep["hosts"]:
            if "learner" in h.get("roles", {}):
                out[h["name"]] = read_log(os.path.join(self.work, "data", h["name"], "learner", "log.bin"))
        return out

    def settle(self, timeout=15):
        """Waits until every learner holds the same number of entries (catch-up done)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            sizes = {len(v) for v in self.learner_logs().values()}
            if len(sizes) == 1:
                time.sleep(0.5)
                if {len(v) for v in self.learner_logs().values()} == sizes:
                    return
            time.sleep(0.3)

    def learner_stats(self):
        """The last counters each learner agent printed (--stats-every): how gaps were filled."""
        out = {}
        for h in self.net.dep["hosts"]:
            if "learner" not in h.get("roles", {}):
                continue
            entry = self.net.procs.get("agent-" + h["name"])
            last = None
            if entry:
                with open(entry[1]) as f:
                    for line in f:
                        if line.startswith("{"):
                            last = line
            try:
                lr = json.loads(last)["learner"]["learner"] if last else {}
            except (ValueError, KeyError, TypeError):
                lr = {}
            keys = ("merged", "injected", "fetchesSent", "entriesServed", "gapReports", "duplicates", "noops")
            out[h["name"]] = {k: lr.get(k) for k in keys}
        return out

    def check(self, expect_all_delivered=True):
        self.wait_loads()
        self.settle()
        ok = [v for l in self.loads for v in l.ok_values()]
        allv = set(v for l in self.loads for v in l.all_values())
        logs = self.learner_logs()
        problems, stats = check_logs(logs, ok, allv)
        # Refused for lack of a quorum with no attempt stamped ("not applied"): a clear answer,
        # not a loss — and it must really never take effect.
        refused = set(r["value"] for l in self.loads for r in l.results() if not r["ok"] and "not applied" in r.get("error", ""))
        logged = set(e[4].decode("utf-8", "replace") for entries in logs.values() for e in entries)
        applied_anyway = sorted(refused & logged)
        if applied_anyway:
            problems.append("refusal: %d request(s) answered 'not applied' are in the log, e.g. %r" % (len(applied_anyway), applied_anyway[:3]))
        stats["refusedNotApplied"] = len(refused)
        # Refused after an earlier attempt went unanswered: "outcome unknown", said as such.
        unknown = set(r["value"] for l in self.loads for r in l.results() if not r["ok"] and "refused" in r.get("error", "") and "outcome unknown" in r.get("error", ""))
        stats["refusedOutcomeUnknown"] = len(unknown)
        if (refused or unknown) and not self.quorum_loss_expected:
            problems.append("refusal: %d request(s) refused without a quorum loss" % len(refused | unknown))
        failed = [v for l in self.loads for r in l.results() if not r["ok"] for v in [r["value"]] if v not in refused and v not in unknown]
        if expect_all_delivered and failed:
            problems.append("progress: %d request(s) not delivered, e.g. %r" % (len(failed), failed[:3]))
        stats["notDeliveredSample"] = failed[:10]
        if not ok:
            problems.append("progress: nothing was delivered")
        times = sorted(t for l in self.loads for t in l.ok_times())
        span = (times[-1] - times[0]) if len(times) > 1 else 0
        lat = sorted(r["latencyMs"] for l in self.loads for r in l.results() if r["ok"])
        stats.update(
            {
                "proposed": len(allv),
                "delivered": len(ok),
                "notDelivered": len(failed),
                "throughputPerSec": round(len(ok) / span, 1) if span else 0,
                "latencyMsP50": round(lat[len(lat) // 2], 2) if lat else None,
                "latencyMsP99": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2) if lat else None,
            }
        )
        if getattr(self, "kv_out", None):
            with open(self.kv_out) as f:
                text = f.read().strip().splitlines()
            try:
                kv = json.loads(text[-1])
            except (ValueError, IndexError):
                kv = {"error": "no result", "output": text[-5:]}
            stats["kv"] = kv
            res = kv.get("result", {})
            if res.get("ok") is False:
                problems.append("linearizability: KV history not linearizable on key %s: %s" % (res.get("key"), res.get("reason")))
            elif res.get("ok") is not True:
                problems.append("linearizability: no verdict (%r)" % (kv.get("result") or kv))
            if not kv.get("completed"):
                problems.append("progress: no KV operation completed")
        time.sleep(1.2)  # one more --stats-every line after the load
        stats["learners"] = self.learner_stats()
        self.report.update(stats)
        return problems

    def teardown(self):
        if self.net:
            self.net.stop()
            self.net = None


def s1_steady(sc):
    sc.setup()
    sc.load(8000, window=16)
    # The KV workload after the load, so the throughput figure is the load's alone (run together,
    # the load's throughput collapses; see mininet/README.md).
    sc.wait_loads()
    sc.kv(5000)
    return sc.check()


def s2_loss(sc):
    # Loss and reordering on one acceptor's cable towards the learners' switch (and back towards
    # the coordinator): its 2Bs go missing or arrive late; learners' gap handling recovers.
    dep_sw = {s["name"]: s for s in prepare_and_read(sc)["switches"]}
    acc = next(n for n, s in dep_sw.items() if "acceptor" in s.get("roles", {}))
    spec = "drop=0.05,reorder=0.2,reorder-delay=5,delay=1"
    impair = {acc: ["%d:%s" % (int(p["port"]), spec) for p in dep_sw[acc]["ports"]]}
    sc.report["impaired"] = {acc: impair[acc]}
    sc.setup(impair=impair)
    sc.load(8000, window=16)
    problems = sc.check()
    # How the learners' fallback filled what they missed: entries fetched from a peer learner
    # (catch-up) and gap reports sent to the recovery coordinator.
    ls = sc.report.get("learners", {}).values()
    sc.report["gapsRecovered"] = {
        "caughtUpEntries": sum(l.get("injected") or 0 for l in ls),
        "gapReports": sum(l.get("gapReports") or 0 for l in ls),
    }
    return problems


def prepare_and_read(sc):
    import yaml

    with open(sc.args.deployment) as f:
        return yaml.safe_load(f)


def coordinator_switch(pnet):
    return next(s["name"] for s in pnet.dep["switches"] if "coordinator" in s.get("roles", {}))


def s3_coordinator(sc):
    sc.setup()
    coord = coordinator_switch(sc.net)
    # Where every host hangs off the coordinator switch (the single topology), its death is a
    # total outage: nothing can fail over until it is back; then it is fenced (it lost its
    # acceptor registers too), the server coordinator serves, and the group is handed back.
    outage = all(h["switch"] == coord for h in sc.net.dep["hosts"])
    sc.report["totalOutage"] = outage
    sc.kv(18000)
    sc.load(18000, window=8)
    time.sleep(3)
    mark = log_mark(sc.net, "controller")
    t_kill = time.time()
    sc.net.net.get(coord).kill()
    # Wait for the server coordinator to serve, then restart the switch (empty: no pipeline).
    if not outage:
        wait_any(sc.net, "controller", ["served by server coordinator"], 20, since=mark)
    time.sleep(3)
    mark = log_mark(sc.net, "controller")
    t_restart = time.time()
    sw = sc.net.net.get(coord)
    sw.start([], wait=True)
    wait_any(sc.net, "controller", ["served by switch %s" % coord], 30, since=mark)
    t_back = time.time()
    problems = sc.check()
    times = sorted(t for l in sc.loads for t in l.ok_times())
    # Failover time: from the kill to the first delivery of a request submitted after it.
    fresh = sorted(t for l in sc.loads for t in l.submitted_after(t_kill))
    t_first = fresh[0] if fresh else None
    sc.report.update(
        {
            "failoverSeconds": round(t_first - t_kill, 3) if t_first else None,
            "maxDeliveryGapSeconds": max_gap(times, t_kill - 1, t_back + 1),
            "failbackObservedSeconds": round(t_back - t_restart, 3),
            "deliveredAfterFailback": sum(1 for t in times if t > t_back),
        }
    )
    if not t_first:
        problems.append("progress: nothing delivered after the coordinator switch was killed")
    if not sc.report["deliveredAfterFailback"]:
        problems.append("progress: nothing delivered after fail-back")
    return problems


def log_mark(pnet, name):
    """The current end of process NAME's log, for wait_any(since=...)."""
    return os.path.getsize(pnet.procs[name][1])


def wait_any(pnet, name, needles, timeout, since=0):
    """Waits until process NAME's log gets one of `needles` past byte offset `since`."""
    _, path = pnet.procs[name]
    start = since
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path) as f:
            f.seek(start)
            text = f.read()
        for n in needles:
            if n in text:
                return n
        time.sleep(0.1)
    raise RuntimeError("%s: none of %r after %.0fs; see %s" % (name, needles, timeout, path))


class NotApplicable(Exception):
    """The scenario's fault does not exist in this topology (reported, never counted as a pass)."""


def s4_acceptor(sc):
    dep = prepare_and_read(sc)
    accs = [s["name"] for s in dep["switches"] if "acceptor" in s.get("roles", {}) and "coordinator" not in s.get("roles", {})]
    if not accs:
        raise NotApplicable("no acceptor switch besides the coordinator (its restart is scenario 3)")
    sc.setup()
    acc = accs[0]
    sc.load(14000, window=8)
    time.sleep(3)
    t_kill = time.time()
    sc.net.net.get(acc).kill()
    time.sleep(4)
    times_mid = sorted(t for l in sc.loads for t in l.ok_times())
    during = sum(1 for t in times_mid if t > t_kill + 0.5)
    mark = log_mark(sc.net, "controller")
    t_restart = time.time()
    sc.net.net.get(acc).start([], wait=True)  # a fresh process: wiped registers
    wait_any(sc.net, "controller", ["lost its state; fenced"], 30, since=mark)
    t_fenced = time.time()
    problems = sc.check()
    times = sorted(t for l in sc.loads for t in l.ok_times())
    sc.report.update(
        {
            "killed": acc,
            "deliveredWhileDown": during,
            "rejoinSeconds": round(t_fenced - t_restart, 3),
            "deliveredAfterRejoin": sum(1 for t in times if t > t_fenced),
        }
    )
    if not during:
        problems.append("progress: nothing delivered while %s was down" % acc)
    return problems


def s5_learner_link(sc):
    sc.setup()
    learner = next(h for h in sc.net.dep["hosts"] if "learner" in h.get("roles", {}))
    sw_if = "%s-eth%d" % (learner["switch"], int(learner["port"]))
    sc.load(10000, window=8)
    time.sleep(2)
    run(["ip", "link", "set", sw_if, "down"])
    time.sleep(4)
    lag = {n: len(v) for n, v in sc.learner_logs().items()}
    run(["ip", "link", "set", sw_if, "up"])
    t_up = time.time()
    sc.wait_loads()
    sc.settle(20)
    problems = sc.check()
    sc.report.update({"cut": sw_if, "entriesWhenRestored": lag, "catchUpSeconds": round(time.time() - t_up, 3)})
    return problems


def s6_partition(sc):
    sc.quorum_loss_expected = True
    sc.setup()
    dep = sc.net.dep
    accs = [s for s in dep["switches"] if "acceptor" in s.get("roles", {}) and "coordinator" not in s.get("roles", {})]
    servers = [h for h in dep["hosts"] if "server-acceptor" in h.get("roles", {})]
    total = len([s for s in dep["switches"] if "acceptor" in s.get("roles", {})]) + len(servers)
    quorum = total // 2 + 1
    # Cut acceptors (switches: every port; servers: their cable) until fewer than a quorum remain.
    cut_ifs, cut = [], []
    for s in accs:
        if total - len(cut) < quorum:
            break
        cut.append(s["name"])
        cut_ifs += ["%s-eth%d" % (s["name"], int(p["port"])) for p in s["ports"]]
    for h in servers:
        if total - len(cut) < quorum:
            break
        cut.append(h["name"])
        cut_ifs.append("%s-eth%d" % (h["switch"], int(h["port"])))
    sc.load(3000, window=4, tag_suffix="a")
    sc.wait_loads()
    # What the learners hold between them when the cut starts: one learner may still lag the
    # other (it fetches entries decided before the cut from its peer during the partition), so
    # the bound is the longest log, not the first learner's. Logs agree position by position
    # (checked), so no log may grow past it without a decision during the partition.
    before = max(len(v) for v in sc.learner_logs().values())
    for i in cut_ifs:
        run(["ip", "link", "set", i, "down"])
    t_cut = time.time()
    during = sc.load(4000, window=4, tag_suffix="b")
    time.sleep(5)
    mid = {n: len(v) for n, v in sc.learner_logs().items()}
    t_heal_at = time.time()
    decided_during = sum(1 for l in during for r in l.results() if r["ok"] and r["t"] / 1000.0 < t_heal_at)
    for i in cut_ifs:
        run(["ip", "link", "set", i, "up"])
    t_heal = time.time()
    # Requests sent during the partition were refused (no quorum) or wait for it to heal; new
    # ones after healing must be decided either way.
    sc.load(3000, window=4, tag_suffix="c")
    problems = sc.check()
    times = sorted(t for l in sc.loads for t in l.ok_times())
    t_first = first_after(times, t_heal)
    sc.report.update(
        {
            "cut": cut,
            "acceptorsLeft": total - len(cut),
            "quorum": quorum,
            "entriesBeforeCut": before,
            "entriesDuringPartition": mid,
            "deliveredDuringPartition": decided_during,
            "resumeSeconds": round(t_first - t_heal, 3) if t_first else None,
        }
    )
    # Without a majority nothing may be decided: the logs may not grow and no request submitted
    # during the partition may complete before it heals.
    if any(n != before for n in mid.values()) or decided_during:
        problems.append("safety: decided without a majority (logs %r from %d, %d request(s))" % (mid, before, decided_during))
    if not t_first:
        problems.append("progress: nothing delivered after healing")
    sc.report["partitionSeconds"] = round(t_heal - t_cut, 3)
    return problems


SCENARIOS = {
    "1": ("steady", s1_steady),
    "2": ("loss-reorder", s2_loss),
    "3": ("coordinator-failover", s3_coordinator),
    "4": ("acceptor-restart", s4_acceptor),
    "5": ("learner-link", s5_learner_link),
    "6": ("partition", s6_partition),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deployment", default=os.path.join(ROOT, "examples", "classic.yaml"))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "e2e"))
    ap.add_argument("--bmv2", action="store_true", help="simple_switch_grpc instead of the embedded switch")
    args = ap.parse_args()
    # SIGTERM (make killed, CI timeout) unwinds like Ctrl-C, so teardown still runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0:
        print("e2e: needs root (network namespaces, raw sockets)", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    summary = []
    for key in args.scenarios.split(","):
        name, fn = SCENARIOS[key.strip()]
        sc = Scenario(args, name)
        t0 = time.time()
        print("e2e: %s ..." % name, flush=True)
        na = None
        try:
            problems = fn(sc)
        except NotApplicable as e:
            problems, na = [], str(e)
        except Exception as e:  # noqa: BLE001 - a crashed scenario is a failed one, with its trace
            problems = ["error: %s" % e]
            traceback.print_exc()
        finally:
            sc.teardown()
        sc.report["seconds"] = round(time.time() - t0, 2)
        sc.report["ok"] = not problems
        sc.report["problems"] = problems
        if na:
            sc.report["notApplicable"] = na
        with open(os.path.join(args.out, "%s.json" % name), "w") as f:
            json.dump(sc.report, f, indent=2)
        verdict = "PASS" if not problems else "FAIL"
        summary.append((name, "n/a" if na else verdict))
        if na:
            print("e2e: %s NOT APPLICABLE to %s: %s" % (name, os.path.basename(args.deployment), na), flush=True)
        else:
            print("e2e: %s %s (%.1fs) %s" % (name, verdict, sc.report["seconds"], json.dumps(sc.report)), flush=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"deployment": args.deployment, "scenarios": {n: v for n, v in summary}}, f, indent=2)
    return 0 if all(v != "FAIL" for _, v in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
