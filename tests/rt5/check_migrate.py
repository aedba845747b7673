#!/usr/bin/env python3
"""The Request Tracker 5 example migrated from one engine (issue 15), checked against the truth.

    check_migrate.py CSBRIDGE RT5_DIR ENGINE

With samples/request-tracker as it ships (RT_SOURCE = the loaded RT database, CS_TARGET = a fresh
SQLite file under RT5_DIR/ENGINE):
  1. `map check` passes (exit 0) — no query:, no engine-specific SQL;
  2. `migrate` loads and rejects per CS entity exactly what truth.json's "cs" says, and the
     target holds that many rows;
  3. `validate` passes every check;
  4. the CS rows' fingerprints (cs_fingerprint.py) are written to RT5_DIR/ENGINE/fingerprint.json
     (check_same.py compares the engines);
  5. a second target is migrated in a chain of runs killed with SIGKILL at three moments
     (each kill proven to land mid-run: the process was running and the target held part of
     the rows), then run again to the end: validate passes and the fingerprints equal the clean run's.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CONFIG = os.path.join(ROOT, "samples", "request-tracker", "csbridge.yaml")

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(csbridge, env, *args):
    return subprocess.run([csbridge, "-q", "-c", CONFIG, *args], env=env, capture_output=True, text=True)


def crosswalk_rows(path):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM csbridge_crosswalk").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def fresh(path):
    for suffix in ("", "-wal", "-shm", "-journal", "-csbridge.lock"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def fingerprint(path):
    out = subprocess.run([sys.executable, os.path.join(HERE, "cs_fingerprint.py"), path], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main():
    csbridge, rt5, engine = sys.argv[1:4]
    truth = json.load(open(os.path.join(rt5, "data", "truth.json"), encoding="utf-8"))["cs"]
    work = os.path.join(rt5, engine)
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ)
    env["RT_SOURCE"] = open(os.path.join(rt5, "url." + engine)).read().strip()
    target = os.path.join(work, "cs.db")
    fresh(target)
    env["CS_TARGET"] = "sqlite:" + target
    label = "rt5/migrate/" + engine

    r = run(csbridge, env, "map", "check")
    check(r.returncode == 0, "%s: map check exit 0 (got %d) %s" % (label, r.returncode, r.stderr.strip()[-300:]))

    rejects = os.path.join(work, "rejects.jsonl")
    if os.path.exists(rejects):
        os.remove(rejects)
    r = run(csbridge, env, "migrate", "--format", "json", "--rejects", rejects)
    check(r.returncode == 0, "%s: migrate exit 0 (got %d) %s" % (label, r.returncode, r.stderr.strip()[-300:]))
    summary = json.loads(r.stdout) if r.stdout.strip() else {"entities": []}
    by_entity = {e["name"]: e for e in summary.get("entities", [])}
    db = sqlite3.connect(target)
    for entity, want in sorted(truth.items()):
        got = by_entity.get(entity, {})
        check(got.get("loaded") == want["loaded"] and got.get("rejected") == want["rejected"],
              "%s: %s loaded %s rejected %s (truth %d, %d)" % (label, entity, got.get("loaded"), got.get("rejected"),
                                                               want["loaded"], want["rejected"]))
        rows = db.execute("SELECT count(*) FROM %s" % entity).fetchone()[0]
        check(rows == want["loaded"], "%s: target holds %d %s rows (truth %d)" % (label, rows, entity, want["loaded"]))
    db.close()

    r = run(csbridge, env, "validate")
    check(r.returncode == 0, "%s: validate exit 0 (got %d) %s" % (label, r.returncode, (r.stdout + r.stderr)[-600:]))
    clean = fingerprint(target)
    with open(os.path.join(work, "fingerprint.json"), "w") as f:
        json.dump(clean, f, indent=1, sort_keys=True)

    # A chain of killed runs into a second target.
    total = sum(t["loaded"] for t in truth.values())
    killed = os.path.join(work, "cs-killed.db")
    fresh(killed)
    env["CS_TARGET"] = "sqlite:" + killed
    for share in (0.15, 0.55, 0.9):
        at = int(total * share)
        p = subprocess.Popen([csbridge, "-q", "-c", CONFIG, "migrate", "--rejects", killed + ".rejects"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        landed = False
        while p.poll() is None:
            n = crosswalk_rows(killed)
            if n >= at:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
                landed = p.returncode == -signal.SIGKILL and crosswalk_rows(killed) < total
                break
            time.sleep(0.005)
        n = crosswalk_rows(killed)
        check(landed, "%s: SIGKILL landed mid-run at %d%% (%d of %d rows in)" % (label, share * 100, n, total))
    r = run(csbridge, env, "migrate", "--rejects", killed + ".rejects")
    check(r.returncode == 0, "%s: the run after three kills ends (exit %d) %s" % (label, r.returncode, r.stderr[-300:]))
    r = run(csbridge, env, "validate")
    check(r.returncode == 0, "%s: validate after the killed chain exit 0 (got %d) %s"
          % (label, r.returncode, (r.stdout + r.stderr)[-600:]))
    check(fingerprint(killed) == clean, "%s: killed and resumed = clean run (fingerprints)" % label)

    if failures:
        print("%s: %d checks failed" % (label, len(failures)))
        sys.exit(1)
    print("%s: all checks passed" % label)


if __name__ == "__main__":
    main()
