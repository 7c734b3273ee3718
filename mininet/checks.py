"""Reads learners' logs (docs/hosts.md "Persistence format") and checks the properties every
scenario asserts: agreement, in-order delivery, at-most-once effect and progress."""

import re
import struct
import zlib

LOAD_VALUE = re.compile(r"^[A-Za-z0-9]+-[0-9]+$")

MAGIC = b"PXLOG1\n\x00"


def read_log(path):
    """Entries of a learner's log.bin as (group, instance, proposer, seq, value bytes), up to the
    first short or corrupt record (the learner may be writing it as we read)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    if not data.startswith(MAGIC):
        return []
    out = []
    off = len(MAGIC)
    while off + 2 <= len(data):
        (n,) = struct.unpack_from(">H", data, off)
        if n < 19 or off + 2 + n > len(data):
            break
        body = data[off + 2 : off + 2 + n - 4]
        (crc,) = struct.unpack_from(">I", data, off + 2 + n - 4)
        if zlib.crc32(body) != crc:
            break
        group, instance, proposer, seq, vlen = struct.unpack_from(">HIIIB", body, 0)
        if 15 + vlen != len(body):
            break
        out.append((group, instance, proposer, seq, bytes(body[15 : 15 + vlen])))
        off += 2 + n
    return out


def is_noop(e):
    return e[2] == 0 and e[3] == 0 and len(e[4]) == 0


def check_logs(logs, proposed_ok, proposed_all):
    """logs: {learner: entries}; proposed_ok: values the load client saw delivered; proposed_all:
    every value it submitted. Returns (problems, stats)."""
    problems = []
    names = sorted(logs)
    # Agreement: the logs are prefixes of one another (a learner may still be catching up at the
    # moment of reading, but never holds a different entry at the same position).
    for a in names:
        for b in names:
            if a < b:
                la, lb = logs[a], logs[b]
                k = min(len(la), len(lb))
                for i in range(k):
                    if la[i] != lb[i]:
                        problems.append("agreement: %s and %s differ at entry %d: %r vs %r" % (a, b, i, la[i], lb[i]))
                        break
                if len(la) != len(lb):
                    problems.append("agreement: %s has %d entries, %s has %d" % (a, len(la), b, len(lb)))
    stats = {"entries": {n: len(logs[n]) for n in names}}
    for n in names:
        # In-order delivery: each group's instances are 1, 2, 3, ... in log order.
        nxt = {}
        for e in logs[n]:
            want = nxt.get(e[0], 1)
            if e[1] != want:
                problems.append("order: %s delivered group %d instance %d where %d was due" % (n, e[0], e[1], want))
                break
            nxt[e[0]] = want + 1
    ref = logs[names[0]] if names else []
    seen = {}
    noops = 0
    for e in ref:
        if is_noop(e):
            noops += 1
            continue
        seen.setdefault((e[2], e[3]), []).append(e[4])
    values = {}
    for (_, _), vs in seen.items():
        # One request id carries one value, however often it was decided.
        if len(set(vs)) != 1:
            problems.append("at-most-once: one request id decided with different values %r" % vs)
        values.setdefault(vs[0].decode("utf-8", "replace"), 0)
        values[vs[0].decode("utf-8", "replace")] += 1
    # At-most-once effect: the log may hold a request twice (decided in two instances after a
    # retry) but the dedup table applies its first copy only; a value must never map to two
    # different request ids (which would apply it twice).
    by_value = {}
    for (p, s), vs in seen.items():
        # Load values are unique by construction; KV commands repeat legitimately (two GETs).
        if LOAD_VALUE.match(vs[0].decode("utf-8", "replace")):
            by_value.setdefault(vs[0], set()).add((p, s))
    twice = [v for v, ids in by_value.items() if len(ids) > 1]
    if twice:
        problems.append("at-most-once: %d value(s) under two request ids, e.g. %r" % (len(twice), twice[:3]))
    # Progress/validity: every value the client saw delivered is in the log; nothing in the log
    # was never proposed.
    missing = [v for v in proposed_ok if v not in values]
    if missing:
        problems.append("progress: %d delivered value(s) missing from the log, e.g. %r" % (len(missing), missing[:3]))
    # Values in the load clients' form ("<tag>-<n>") must have been proposed; other entries (KV
    # commands of the KV workload, binary) are checked by the linearizability checker instead.
    alien = [v for v in values if LOAD_VALUE.match(v) and v not in proposed_all]
    if alien:
        problems.append("validity: %d logged value(s) never proposed, e.g. %r" % (len(alien), alien[:3]))
    stats.update(
        {
            "noops": noops,
            "requests": len(seen),
            "duplicateDecisions": sum(len(vs) - 1 for vs in seen.values()),
        }
    )
    return problems, stats


def main(argv):
    """python3 mininet/checks.py LOG.bin... VALUE...: check learners' logs against the values
    proposed (all taken as delivered); prints {"problems", "stats"} as JSON."""
    import json

    logs = [a for a in argv if a.endswith(".bin")]
    values = [a for a in argv if not a.endswith(".bin")]
    problems, stats = check_logs({"l%d" % i: read_log(p) for i, p in enumerate(logs)}, values, set(values))
    print(json.dumps({"problems": problems, "stats": stats}))
    return 1 if problems else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
