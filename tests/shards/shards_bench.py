#!/usr/bin/env python3
"""scripts/bench shards: 4 shards at once (GNU parallel) vs. one process, the same source (the
four blocks of tests/shards/shards_test.py) into one local PostgreSQL, side by side.

    shards_bench.py CSBRIDGE WORK_DIR [ROWS] [SHARDS]     (default 1000000 rows, 4 shards)

Prints wall time of each, the ratio, the CPU time of csbridge (user+sys of the processes) and of
the rest of the machine while each ran (/proc/stat: busy time minus csbridge's, i.e. mostly the
PostgreSQL server), the per-row server cost, and the peak RSS of each process (GNU time)."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import shards_test as t  # noqa: E402


def busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(v) - v[3] - v[4]) / hz  # all but idle and iowait


def timed(cmd, logs):
    b0, w0 = busy(), time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall, machine = time.time() - w0, busy() - b0
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr[-2000:]))
    own, rss = 0.0, []
    for log in logs:
        with open(log) as f:
            for line in f:
                m = re.match(r"TIME (\S+) (\S+) (\d+)", line)
                if m:
                    own += float(m.group(1)) + float(m.group(2))
                    rss.append(int(m.group(3)) // 1024)
    return wall, own, machine - own, rss


def main():
    csbridge, work = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    os.makedirs(work, exist_ok=True)
    counts = t.make_source(os.path.join(work, "legacy.db"), rows)
    total = sum(counts.values())
    print("source rows:", counts, "total", total, flush=True)
    tag = "bench_%d" % os.getpid()
    one, many = tag + "_one", tag + "_many"
    for s in (one, many):
        t.psql('DROP SCHEMA IF EXISTS "%s" CASCADE' % s)
    fmt = ["/usr/bin/time", "-f", "TIME %U %S %M"]
    try:
        c1 = t.project(work, one)
        log1 = os.path.join(work, "one.time")
        w1, own1, srv1, rss1 = timed(fmt + ["-o", log1, csbridge, "-q", "-c", c1, "migrate", "--rejects",
                                            os.path.join(work, "one.jsonl")], [log1])
        cn = t.project(work, many)
        subprocess.run([csbridge, "-q", "-c", cn, "plan-shards", "--shards", str(n)], check=True, stdout=subprocess.DEVNULL)
        logs = [os.path.join(work, "shard-%d.time" % k) for k in range(1, n + 1)]
        wn, ownn, srvn, rssn = timed(["parallel", "-q", "-j%d" % n] + fmt + ["-o", os.path.join(work, "shard-{}.time"),
                                      csbridge, "-q", "-c", cn, "migrate", "--shard", "{}/%d" % n, "--rejects",
                                      os.path.join(work, "many-{}.jsonl"), ":::"] + [str(k) for k in range(1, n + 1)],
                                     logs)
        print("one process: %.1f s wall, csbridge CPU %.1f s, rest of the machine (server) %.1f s, peak RSS %s MiB"
              % (w1, own1, srv1, rss1))
        print("%d shards:    %.1f s wall, csbridge CPU %.1f s, rest of the machine (server) %.1f s, peak RSS %s MiB"
              % (n, wn, ownn, srvn, rssn))
        print("ratio: %d shards take %.2fx the one process's wall time (%.2fx faster)" % (n, wn / w1, w1 / wn))
        print("server CPU per source row: one process %.1f us, %d shards %.1f us; csbridge CPU per row %.1f us / %.1f us"
              % (srv1 / total * 1e6, n, srvn / total * 1e6, own1 / total * 1e6, ownn / total * 1e6))
        print("machine: %d cores" % os.cpu_count())
    finally:
        for s in (one, many):
            t.psql('DROP SCHEMA IF EXISTS "%s" CASCADE' % s)


if __name__ == "__main__":
    main()
